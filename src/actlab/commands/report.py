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
    parser.add_argument(
        "--no-accuracy",
        action="store_true",
        help="skip the reduced accuracy sweep (run when DIR/data/accuracy.json does not exist yet)",
    )


def run(args: argparse.Namespace) -> int:
    from ..registry import spec
    from ..report import build

    for name in args.only or ():
        spec(name)  # unknown names fail before any work (KeyError -> exit 2)
    if args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    if not args.no_accuracy:
        _accuracy_data(args.out, args.only)
    index = build(args.out, only=args.only, jobs=args.jobs)
    print(f"wrote {index}")
    return 0


def _accuracy_data(out: Path, only: list[str] | None) -> None:
    """Write DIR/data/accuracy.json from the reduced sweep (a few seconds) unless it exists, so the
    default report shows actlab's and torch's float32 ulp errors side by side."""
    import json

    from ..analysis import accuracy as A

    path = out / "data" / "accuracy.json"
    if path.exists():
        return
    names = None
    if only:
        names = []
        for n in only:
            try:
                A.cases([n])
                names.append(n)
            except KeyError:  # no sweep for this kind (GLU, PReLU, user-defined ...)
                pass
        if not names:
            return
    records = A.run_sweep(names, size=A.REDUCED, progress=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([r.as_json() for r in records], indent=1) + "\n")
