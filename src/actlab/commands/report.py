"""``actlab report [--out DIR] [--only NAME...]``: the HTML activation atlas (gallery of f, f', f'',
properties table, rendered formulas, one section per activation, plus accuracy / bench / arena
results found under DIR/data/)."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "write the HTML activation atlas (open DIR/index.html from disk)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=Path("actlab-report"), help="output directory (default actlab-report)"
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these activations")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the plots (default 2)")


def run(args: argparse.Namespace) -> int:
    from ..registry import spec
    from ..report import build

    for name in args.only or ():
        spec(name)  # unknown names fail before any work (KeyError -> exit 2)
    if args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    index = build(args.out, only=args.only, jobs=args.jobs)
    print(f"wrote {index}")
    return 0
