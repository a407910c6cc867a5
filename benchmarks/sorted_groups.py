"""MaxMin and GroupSort forward + backward: actlab (the native kernels when loaded) beside the
textbook composition (torch's stable sort of the groups, autograd's backward), in one process,
interleaved; the minimum of the repeats, ratio actlab / composition. Each line is printed as it is
measured.

    python benchmarks/sorted_groups.py                    # (64, 256, 16, 16) along channels, 1 and 2 threads
    ACTLAB_NATIVE=0 python benchmarks/sorted_groups.py    # the declarations' Python math instead
"""

from __future__ import annotations

import argparse

import torch
from sparse_rows import minimum, step  # the same step and timer (this folder is on sys.path)

import actlab
from actlab import native


def textbook(x: torch.Tensor, size: int, descending: bool) -> torch.Tensor:
    """Each group of ``size`` channels sorted by torch.sort (stable)."""
    xg = x.unflatten(1, (x.size(1) // size, size))
    return torch.sort(xg, dim=2, stable=True, descending=descending).values.flatten(1, 2)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shape", default="64x256x16x16", help="N x C x H x W, groups along C")
    p.add_argument("--threads", default="1,2", help="torch thread counts, comma-separated")
    p.add_argument("--repeats", type=int, default=10)
    a = p.parse_args()
    print(f"actlab kernels: {native.status()}", flush=True)
    shape = tuple(int(v) for v in a.shape.split("x"))
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=gen).requires_grad_()
    g = torch.randn(shape, generator=gen)
    maps = {
        "MaxMin": (lambda v: actlab.functional.max_min(v, dim=1), lambda v: textbook(v, 2, True)),
        "GroupSort(2)": (
            lambda v: actlab.functional.group_sort(v, dim=1, group_size=2),
            lambda v: textbook(v, 2, False),
        ),
        "GroupSort(8)": (
            lambda v: actlab.functional.group_sort(v, dim=1, group_size=8),
            lambda v: textbook(v, 8, False),
        ),
    }
    print("| map | shape | threads | actlab ms | torch.sort ms | actlab / torch.sort |", flush=True)
    print("|---|---|---|---|---|---|", flush=True)
    for threads in (int(t) for t in a.threads.split(",")):
        torch.set_num_threads(threads)
        for name, (ours, theirs) in maps.items():
            t = minimum({"actlab": step(ours, x, g), "torch": step(theirs, x, g)}, a.repeats)
            ratio = t["actlab"] / t["torch"]
            print(
                f"| {name} | {a.shape} | {threads} | {t['actlab']:.1f} | {t['torch']:.1f} | {ratio:.2f} |", flush=True
            )


if __name__ == "__main__":
    main()
