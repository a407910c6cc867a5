"""``actlab arena``: train the same networks with each activation, tune the learning rate on a
validation split, rank by test score with 95% CIs and paired tests against the baseline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..arena import Checkpoint

HELP = "train the same networks with each activation (tuned LR, CIs, paired tests); print leaderboards"


def _rates(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..arena import ENGINES, GROUPS, PRESETS, TASKS

    parser.add_argument("names", nargs="*", metavar="NAME", help="activations for every task (default: the preset's)")
    parser.add_argument(
        "--task",
        action="append",
        choices=sorted([*TASKS, *GROUPS]),
        help="task to run; repeat for several (default: the preset's); fit and pinn name both dimensions",
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="quick",
        help="quick (default, a few minutes), report (what actlab report trains: digits, 6 activations) or full",
    )
    parser.add_argument("--full", action="store_const", const="full", dest="preset", help="same as --preset full")
    parser.add_argument("--seeds", type=int, help="seeds per activation (quick 3, full 5)")
    parser.add_argument("--tune-seeds", type=int, help="seeds the learning rate is chosen on (default 1)")
    parser.add_argument("--lrs", type=_rates, metavar="R1,R2,...", help="one learning-rate grid for every task")
    parser.add_argument("--steps", type=int, help="training steps per run for every task (default: the task's)")
    parser.add_argument("--out", type=Path, default=Path("actlab-report"), help="report dir (default actlab-report)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="JSON path (default OUT/data/arena.json)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the nets are tiny)")
    parser.add_argument(
        "--jobs",
        type=int,
        help="local engine: worker processes, one sweep each (default 1); ray: CPUs of the local Ray instance "
        "(default: all cores)",
    )
    parser.add_argument(
        "--engine",
        choices=sorted(ENGINES),
        default="local",
        help="where the sweeps run: local (this machine, default) or ray (a Ray instance or cluster, one task "
        "per sweep; pip install 'actlab[cluster]')",
    )
    parser.add_argument(
        "--address",
        metavar="ADDR",
        help="with --engine ray: the cluster to join (auto: the one running here; HOST:PORT; ray://HOST:10001); "
        "default: start a local Ray instance",
    )
    parser.add_argument("--top", type=int, help="print only the best TOP rows per task (and --bottom)")
    parser.add_argument("--bottom", type=int, default=0, help="with --top: also the worst BOTTOM rows")
    parser.add_argument("--no-plots", action="store_true", help="skip the learning-curve PNGs")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="reuse the sweeps an interrupted run saved in FILE.partial (the JSON path + .partial)",
    )
    parser.add_argument(
        "--show", type=Path, metavar="FILE", help="no training: print the boards (and curves into OUT/data) of FILE"
    )


def _imports(args: argparse.Namespace) -> list[str]:
    """The user's activation modules (``--import``, ``ACTLAB_IMPORT``), files made absolute, for
    engines whose workers are fresh processes."""
    from ..plugins import from_env

    targets = [*from_env(), *getattr(args, "imports", [])]
    return [str(Path(t).resolve()) if t.endswith(".py") or Path(t).is_file() else t for t in targets]


def run(args: argparse.Namespace) -> int:
    import torch

    from .. import arena
    from ..arena.engines import EngineError, EngineUnavailable
    from ..arena.leaderboard import seeds
    from ..registry import declarations

    for flag, value in (("--threads", args.threads), ("--jobs", args.jobs), ("--top", args.top)):
        if value is not None and value < 1:
            raise ValueError(f"{flag} must be at least 1, got {value}")
    if args.bottom < 0:
        raise ValueError(f"--bottom must be at least 0, got {args.bottom}")
    if args.show is not None:
        return show(args)
    try:
        engine = arena.ENGINES[args.engine].create(args.jobs, args.address, _imports(args))
    except EngineUnavailable as exc:
        print(f"actlab arena: error: {exc}", file=sys.stderr)
        return 2
    p = arena.plan(args.preset, args.names, args.task, args.seeds, args.tune_seeds, args.lrs, args.steps)
    if not args.names:
        skipped = [d.name for d in declarations() if arena.eligible(d)]
        print(f"not usable as hidden activations (see actlab.arena.eligible): {', '.join(skipped)}")
    for note in p.notes:
        print(note)
    print(
        f"{args.preset}: {', '.join(f'{t} ({len(p.names[t])})' for t in p.tasks)}; {seeds(p.seeds)} "
        f"(rate chosen on {seeds(p.tune_seeds)}); {p.runs()} training runs"
    )
    json_path = args.json or args.out / "data" / "arena.json"
    checkpoint = arena.Checkpoint(json_path.with_name(json_path.name + ".partial"), fresh=not args.resume)
    if checkpoint.done:
        print(f"resuming: {len(checkpoint.done)} finished sweeps in {checkpoint.path}")
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        records, meta = arena.run(p, checkpoint=checkpoint, engine=engine)
    except KeyboardInterrupt:
        print(f"\nactlab arena: interrupted, unfinished sweeps cancelled; {_resume(checkpoint)}", file=sys.stderr)
        return 130
    except EngineError as exc:
        print(f"actlab arena: error: {exc}; {_resume(checkpoint)}", file=sys.stderr)
        return 1
    finally:
        torch.set_num_threads(threads)
    print(arena.format_leaderboards(records, args.top, args.bottom))
    print(f"{meta['runs']} runs in {meta['seconds']:.0f} s ({meta['resumed_sweeps']} sweeps resumed)")
    if meta["hosts"]:
        hosts = ", ".join(f"{host} ({n})" for host, n in meta["hosts"].items())
        print(f"sweeps run by the {meta['engine']} engine on: {hosts}")
    path = arena.write_json(records, json_path, meta)
    checkpoint.remove()
    print(f"wrote {path}")
    if not args.no_plots:
        for png in arena.plot_curves(records, args.out / "data"):
            print(f"wrote {png}")
    return 0


def _resume(checkpoint: Checkpoint) -> str:
    """Where the finished sweeps are, and how to go on."""
    return f"{len(checkpoint.done)} finished sweeps are in {checkpoint.path}; rerun with --resume to reuse them"


def show(args: argparse.Namespace) -> int:
    """The boards and curves of an existing arena.json."""
    from .. import arena

    meta, records = arena.load_json(args.show)
    print(arena.format_leaderboards(records, args.top, args.bottom))
    if meta:
        print(f"{meta.get('preset')} run of {meta.get('started')}: {meta.get('runs')} runs in {meta.get('seconds')} s")
    if not args.no_plots:
        for png in arena.plot_curves(records, args.out / "data"):
            print(f"wrote {png}")
    return 0
