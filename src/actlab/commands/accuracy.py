"""``actlab accuracy [NAME...] [--json FILE] [--full] [--declarations] [--cost]``: float32 ulp
errors of actlab (its operators: the native kernels where built; or the declarations' Python math)
and torch against 128-bit mpmath, forward and first derivative, side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "float32 accuracy (ulps vs 128-bit mpmath) of actlab and torch, f and f'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="activations to sweep (default: all)")
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="write the records and the options as JSON (the report's data file)"
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--full", action="store_true", help="the full sweep (slow) instead of the reduced one")
    parser.add_argument(
        "--declarations",
        action="store_true",
        help="measure the declarations' Python math (the fallback and test oracle) instead of the operators "
        "(the native kernels where built: the default)",
    )
    parser.add_argument(
        "--cost", action="store_true", help="also time the float64-internal forms vs float32 forms and torch"
    )


def run(args: argparse.Namespace) -> int:
    from ..analysis import accuracy as A

    A.cases(args.names or None)  # unknown names or ops without a sweep: KeyError -> "error:" and exit 2
    size = A.FULL if args.full else A.REDUCED
    records = A.run_sweep(args.names or None, size=size, progress=True, declarations=args.declarations)
    print(A.table(records, markdown=args.markdown))
    if args.json:
        print(f"wrote {A.save_json(records, args.json, A.options(args.names or None, size))}")
    if args.cost:
        print(A.cost_table(A.float64_cost(progress=True), markdown=args.markdown))
    return 0
