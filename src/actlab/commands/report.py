"""``actlab report [--out DIR] [--only NAME...] [--full] [--bench]``: the HTML activation atlas
(gallery, explorer, properties, accuracy, speed and arena sections, one section per activation).

The accuracy sweep runs as part of the report (reduced by default, ``--full`` for the long one)
unless DIR/data/accuracy.json already covers the report with the same options. Speed and arena
results come from ``actlab bench`` / ``actlab arena``; their sections say which command fills
them; ``--bench`` runs the quick benchmark first."""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HELP = "write the HTML activation atlas (open DIR/index.html from disk)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=Path("actlab-report"), help="output directory (default actlab-report)"
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these activations")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the plots (default 2)")
    parser.add_argument(
        "--full", action="store_true", help="the full accuracy sweep (minutes) instead of the reduced one"
    )
    parser.add_argument(
        "--no-accuracy",
        action="store_true",
        help="do not run the accuracy sweep (show DIR/data/accuracy.json as it is)",
    )
    parser.add_argument(
        "--bench",
        action="store_true",
        help="run the quick benchmark first (actlab bench --quick) for the Speed section",
    )


def _accuracy(out: Path, only: list[str] | None, full: bool) -> str:
    """The accuracy step in a worker process (one thread, no progress bar under the report's)."""
    import torch

    from ..report.data import ensure_accuracy

    torch.set_num_threads(1)
    return ensure_accuracy(out, only, full, progress=False)


def run(args: argparse.Namespace) -> int:
    from ..registry import spec
    from ..report import build
    from ..report.data import ensure_accuracy
    from ..report.sections import data_path

    for name in args.only or ():
        spec(name)  # unknown names fail before any work (KeyError -> exit 2)
    if args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    if args.full and args.no_accuracy:
        raise ValueError("--full and --no-accuracy contradict each other")
    start = time.perf_counter()
    if args.bench:
        from ..cli import main

        bench_args = ["bench", "--quick", "--json", str(data_path(args.out, "bench.json")), *(args.only or ())]
        if main(bench_args) != 0:
            raise ValueError("the quick benchmark failed (see above); the report was not written")
    if args.no_accuracy:
        index = build(args.out, only=args.only, jobs=args.jobs)
    elif args.jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        # the sweep runs in its own process while the workers draw the activations (2 cores: the
        # sweep's core would otherwise wait); the page reads data/accuracy.json once it is done
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(1, mp_context=ctx) as pool:
            sweep = pool.submit(_accuracy, args.out, args.only, args.full)
            index = build(args.out, only=args.only, jobs=args.jobs, before_sections=lambda: print(sweep.result()))
    else:
        print(ensure_accuracy(args.out, args.only, args.full))
        index = build(args.out, only=args.only, jobs=args.jobs)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file() and p.parent.name != "data")
    print(f"wrote {index} ({size / 1e6:.1f} MB, {time.perf_counter() - start:.0f} s)")
    return 0
