"""``actlab accuracy [NAME...] [--json FILE] [--full] [--cost]``: float32 ulp errors of actlab
and torch against 128-bit mpmath, forward and first derivative, side by side."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HELP = "float32 accuracy (ulps vs 128-bit mpmath) of actlab and torch, f and f'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="activations to sweep (default: all)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the records as JSON (report format)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--full", action="store_true", help="the full sweep (slow) instead of the reduced one")
    parser.add_argument(
        "--cost", action="store_true", help="also time the float64-internal forms vs float32 forms and torch"
    )


def run(args: argparse.Namespace) -> int:
    from ..analysis import accuracy as A

    try:
        A.cases(args.names or None)
    except KeyError as e:
        print(f"actlab accuracy: {e.args[0]}")
        return 2
    size = A.FULL if args.full else A.REDUCED
    records = A.run_sweep(args.names or None, size=size, progress=True)
    print(A.table(records, markdown=args.markdown))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.as_json() for r in records], indent=1) + "\n")
        print(f"wrote {args.json}")
    if args.cost:
        print(A.cost_table(A.float64_cost(progress=True), markdown=args.markdown))
    return 0
