"""``actlab bench``: time actlab vs torch native vs the textbook composition, side by side."""

from __future__ import annotations

import argparse

DTYPE_NAMES = ("float32", "float64", "bfloat16", "float16")
HELP = "benchmark activations: actlab vs torch native vs the naive composition (ratios)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", metavar="NAME", help="activations to bench (default: all)")
    parser.add_argument("--size", type=int, action="append", help="numel per input (repeatable; default 64K and 4M)")
    parser.add_argument(
        "--dtype",
        action="append",
        choices=["float32", "float64", "bfloat16", "float16"],
        help="repeatable (default float32)",
    )
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--repeats", type=int, help="timed rounds per case (default 40 for 64K, 15 for 4M)")
    parser.add_argument("--quick", action="store_true", help="64K elements only, 5 rounds")
    parser.add_argument("--eager", action="store_true", help="also time the declarations' Python math")
    parser.add_argument(
        "--threads", type=int, action="append", help="torch intra-op threads (repeatable; default torch's)"
    )
    parser.add_argument(
        "--pass",
        dest="passes",
        action="append",
        choices=["fwd", "fwdbwd", "double"],
        help="repeatable (default all three)",
    )
    parser.add_argument("--json", metavar="FILE", help="write the record (see actlab.bench for the format)")


def run(args: argparse.Namespace) -> int:
    from .. import bench

    if args.repeats is not None and args.repeats < 1:
        raise ValueError(f"--repeats must be >= 1, got {args.repeats}")
    if args.threads and min(args.threads) < 1:
        raise ValueError(f"--threads must be >= 1, got {args.threads}")
    sizes = args.size or ([65_536] if args.quick else list(bench.SIZES))
    if args.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise ValueError("--device cuda: no CUDA device is available")
    record = bench.run(
        args.names or None,
        sizes,
        args.dtype or ["float32"],
        args.device,
        args.repeats,
        args.quick,
        eager=args.eager,
        threads=args.threads,
        passes=args.passes or bench.PASSES,
    )
    print(bench.table(record))
    if args.json:
        print(f"wrote {bench.save(record, args.json)}")
    return 0
