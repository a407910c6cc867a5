"""``actlab arena``: train the same network with each activation on small real tasks and rank them."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "train the same network with each activation on digits and two-spirals; print a leaderboard"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..arena import TASKS

    parser.add_argument("names", nargs="*", metavar="NAME", help="activations (default: every hidden-layer one)")
    parser.add_argument(
        "--task", action="append", choices=sorted(TASKS), help="task to run; repeat for several (default: all)"
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds per activation (default 3)")
    parser.add_argument("--epochs", type=int, help="epochs per run (default: the task's own)")
    parser.add_argument("--out", type=Path, default=Path("actlab-report"), help="report dir (default actlab-report)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="JSON path (default OUT/data/arena.json)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the nets are tiny)")
    parser.add_argument("--no-plots", action="store_true", help="skip the learning-curve PNGs")


def run(args: argparse.Namespace) -> int:
    import torch

    from .. import arena
    from ..registry import declarations

    tasks = args.task or list(arena.TASKS)
    if args.seeds < 1 or (args.epochs is not None and args.epochs < 1):
        raise ValueError("--seeds and --epochs must be at least 1")
    if args.threads < 1:
        raise ValueError(f"--threads must be at least 1, got {args.threads}")
    skipped = [why for d in declarations() if (why := arena.eligible(d)) and not args.names]
    if skipped:
        print("not in the arena:\n  " + "\n  ".join(skipped))
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        records = arena.run_arena(args.names or None, tasks, seeds=args.seeds, epochs=args.epochs)
    finally:
        torch.set_num_threads(threads)
    print(arena.leaderboard(records))
    path = arena.write_json(records, args.json or args.out / "data" / "arena.json")
    print(f"wrote {path}")
    if not args.no_plots:
        for p in arena.plot_curves(records, args.out / "data"):
            print(f"wrote {p}")
    return 0
