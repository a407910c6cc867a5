"""``actlab plot NAME... [--out DIR] [--format png|svg]``: f, f', f'' figures, one file each."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "plot f, f' and f'' of activations to image files"
MAX_DPI = 1200


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="+", metavar="NAME", help="activations to plot ('all' for every one)")
    parser.add_argument(
        "--out", type=Path, default=Path("actlab-plots"), help="output directory (default actlab-plots)"
    )
    parser.add_argument("--format", choices=("png", "svg"), default="png", help="image format (default png)")
    parser.add_argument("--dpi", type=int, default=100, help="resolution of PNG files (default 100)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..analysis import plots
    from ..registry import declaration, declarations

    if not 1 <= args.dpi <= MAX_DPI:  # before anything is created
        raise ValueError(f"--dpi must be between 1 and {MAX_DPI}, got {args.dpi}")
    decls = declarations() if args.names == ["all"] else [declaration(n) for n in args.names]
    with tqdm(decls, desc="plot", unit="act", disable=len(decls) < 3) as bar:
        for d in bar:
            bar.write(str(plots.save(d, args.out, args.format, dpi=args.dpi)))  # above the bar, not through it
    return 0
