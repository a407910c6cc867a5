"""The same side-by-side table on CUDA (the operators run the declarations' PyTorch math there: the
native kernels are CPU-only); skips cleanly without a GPU. Untested here: no GPU was lent.

    python benchmarks/bench_gpu.py [NAME...] [--size N] [--dtype float32|bfloat16] [--json FILE]
"""

from __future__ import annotations

import sys

import torch

from actlab.cli import main

if __name__ == "__main__":
    if not torch.cuda.is_available():
        print("bench_gpu: no CUDA device, skipped")
        sys.exit(0)
    args = sys.argv[1:]
    if "--device" not in args:
        args += ["--device", "cuda"]
    sys.exit(main(["bench", *args]))
