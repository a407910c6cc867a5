"""SoLU and RadixSoftmax forward + backward: actlab (the native kernels when loaded) beside the torch
compositions a user would type (SoLU: ``x * torch.softmax(x, dim)``; RadixSoftmax: timm's
``x.view(b, cardinality, radix, -1).transpose(1, 2)``, ``softmax(dim=1)``, ``.reshape(b, -1)``, and
``torch.sigmoid`` for radix 1), in one process, interleaved; the minimum of the repeats, ratio
actlab / torch (< 1: actlab faster). Each line is printed as it is measured.

    python benchmarks/softmax_maps.py                     # the docs/native.md table, 1 and 2 threads
    python benchmarks/softmax_maps.py --threads 1 --repeats 30

    ACTLAB_NATIVE=0 python benchmarks/softmax_maps.py     # the declarations' Python math instead

The step: y = f(x) on a float32 x of N(0, 1) that requires grad, then ``y.backward(ones)``; glibc's mmap threshold
fixed as ``actlab bench`` fixes it (fresh 16 MB buffers would each be new pages to fault in).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial

import torch
from sparse_rows import minimum, step

import actlab
from actlab import native
from actlab.bench import steady_allocator


def timm_radix_softmax(x: torch.Tensor, radix: int, cardinality: int) -> torch.Tensor:
    """timm's RadixSoftmax.forward (dim 1)."""
    if radix == 1:
        return torch.sigmoid(x)
    b = x.size(0)
    return torch.softmax(x.view(b, cardinality, radix, -1).transpose(1, 2), dim=1).reshape(b, -1)


Case = tuple[str, tuple[int, ...], Callable[[torch.Tensor], torch.Tensor], Callable[[torch.Tensor], torch.Tensor]]


def cases() -> list[Case]:
    """(label, shape, actlab's map, torch's composition): the shapes of docs/native.md's table."""
    fn = actlab.functional
    out: list[Case] = []
    for shape, dim in (
        ((4096, 1024), -1),
        ((65536, 64), -1),
        ((256, 256), -1),
        ((4000, 1000), -1),
        ((64, 1024, 64), 1),
    ):
        out.append((f"SoLU dim {dim}", shape, partial(fn.solu, dim=dim), lambda x, d=dim: x * torch.softmax(x, d)))
    for shape, radix, card in (
        ((256, 256), 2, 1), ((4000, 1000), 2, 1), ((4096, 1024), 2, 1), ((65536, 64), 2, 1),
        ((256, 2048), 4, 2), ((4000, 1000), 1, 1),
    ):  # fmt: skip
        out.append(
            (
                f"RadixSoftmax({radix}, cardinality {card})",
                shape,
                partial(fn.radix_softmax, dim=1, radix=radix, cardinality=card),
                partial(timm_radix_softmax, radix=radix, cardinality=card),
            )
        )
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", default="1,2", help="torch thread counts, comma-separated")
    p.add_argument("--repeats", type=int, default=10)
    a = p.parse_args()
    print(f"torch {torch.__version__}, native kernels: {native.status()}, allocator: {steady_allocator()}")
    print(f"{'map':<34}{'shape':>16}{'thr':>4}{'actlab ms':>11}{'torch ms':>10}{'ratio':>7}")
    gen = torch.Generator().manual_seed(0)
    for threads in (int(t) for t in a.threads.split(",")):
        torch.set_num_threads(threads)
        for label, shape, ours, theirs in cases():
            x = torch.randn(shape, generator=gen).requires_grad_()
            g = torch.ones(shape)
            t = minimum({"actlab": step(ours, x, g), "torch": step(theirs, x, g)}, a.repeats)
            dims = " x ".join(map(str, shape))
            ratio = t["actlab"] / t["torch"]
            print(f"{label:<34}{dims:>16}{threads:>4}{t['actlab']:>11.3f}{t['torch']:>10.3f}{ratio:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
