"""``actlab report [--out DIR] [--only NAME...] [--full] [--bench] [--arena]``: the HTML activation
atlas (gallery, explorer, properties, accuracy, speed and arena sections, one section per activation).

Every section is filled by the report itself, with quick runs (about 90 s in all on two cores):

1. speed: a benchmark of the torch.nn activations (fwd, fwd+bwd; 64K and 4M; 5 interleaved rounds),
   first and alone, as timings need quiet cores; a covering ``actlab bench --json DIR/data/bench.json``
   run is kept instead (``--bench``: measure anyway; ``--no-bench``: leave the file as it is);
2. then, on one pool of ``--jobs`` forked workers: the short arena on digits (6 activations, 3 seeds,
   a task per sweep; any existing ``actlab arena`` run is kept; ``--arena``: train anyway;
   ``--no-arena``: leave the file as it is), the accuracy sweep (reduced, a task per declaration;
   ``--full`` for the long one; reused when DIR/data/accuracy.json covers the report) and the plots
   and analyses of every activation."""

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
        "--bench", action="store_true", help="run the quick benchmark even if DIR/data/bench.json has a full one"
    )
    parser.add_argument("--no-bench", action="store_true", help="no benchmark (show DIR/data/bench.json as it is)")
    parser.add_argument(
        "--arena", action="store_true", help="train the short arena even if DIR/data/arena.json has a run"
    )
    parser.add_argument("--no-arena", action="store_true", help="no training (show DIR/data/arena.json as it is)")


def run(args: argparse.Namespace) -> int:
    from ..registry import declaration
    from ..report import build
    from ..report.data import Measurements, ensure_accuracy, ensure_arena, ensure_bench

    for name in args.only or ():
        declaration(name)  # unknown names fail before any work (KeyError -> exit 2)
    if args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    for a, b in (("full", "no_accuracy"), ("bench", "no_bench"), ("arena", "no_arena")):
        if getattr(args, a) and getattr(args, b):
            raise ValueError(f"--{a} and --{b.replace('_', '-')} contradict each other")
    start = time.perf_counter()
    if not args.no_bench:
        print(ensure_bench(args.out, args.only, force=args.bench))
    measure = {"accuracy": not args.no_accuracy, "arena": not args.no_arena}
    if args.jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        # one pool for everything: the sweep's and the arena's tasks first (the longest), then the
        # activations'; the page reads data/ once they are all done
        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            runs = Measurements(args.out, args.only, pool, args.jobs, full=args.full, force_arena=args.arena, **measure)
            index = build(args.out, args.only, args.jobs, executor=pool, before_sections=lambda: print(runs.finish()))
    else:
        if measure["accuracy"]:
            print(ensure_accuracy(args.out, args.only, args.full))
        if measure["arena"]:
            print(ensure_arena(args.out, force=args.arena))
        index = build(args.out, only=args.only, jobs=args.jobs)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file() and p.parent.name != "data")
    print(f"wrote {index} ({size / 1e6:.1f} MB, {time.perf_counter() - start:.0f} s)")
    return 0
