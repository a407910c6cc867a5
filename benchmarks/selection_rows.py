"""Maxout, LWTA, k-WTA and SoLU forward + backward: actlab (the native kernels when loaded) beside
the textbook composition (the declaration's own torch ops: argmax and gather, topk and a mask,
x * torch.softmax(x); autograd's backward), in one process, interleaved; the minimum of the repeats,
ratio actlab / composition. Each line is printed as it is measured.

    python benchmarks/selection_rows.py                    # 4096 x 1024 and 65536 x 64 along rows, 1 and 2 threads
    ACTLAB_NATIVE=0 python benchmarks/selection_rows.py    # the declarations' Python math instead
"""

from __future__ import annotations

import argparse

import torch
from sparse_rows import minimum, step  # the same step and timer (this folder is on sys.path)

import actlab
from actlab import native


def maxout(x: torch.Tensor, pieces: int) -> torch.Tensor:
    xg = x.unflatten(-1, (x.size(-1) // pieces, pieces))
    return xg.gather(-1, xg.argmax(-1, keepdim=True)).squeeze(-1)


def lwta(x: torch.Tensor, size: int) -> torch.Tensor:
    xg = x.unflatten(-1, (x.size(-1) // size, size))
    mask = torch.zeros_like(xg, dtype=torch.bool).scatter(-1, xg.argmax(-1, keepdim=True), True)
    return torch.where(mask.flatten(-2), x, 0.0)


def kwta(x: torch.Tensor, ratio: float) -> torch.Tensor:
    idx = torch.topk(x, max(1, int(ratio * x.size(-1))), -1).indices
    return torch.where(torch.zeros_like(x, dtype=torch.bool).scatter(-1, idx, True), x, 0.0)


MAPS = {
    "Maxout(2)": (lambda v: actlab.functional.maxout(v, dim=-1, pieces=2), lambda v: maxout(v, 2)),
    "Maxout(4)": (lambda v: actlab.functional.maxout(v, dim=-1, pieces=4), lambda v: maxout(v, 4)),
    "LWTA(2)": (lambda v: actlab.functional.lwta(v, dim=-1, group_size=2), lambda v: lwta(v, 2)),
    "LWTA(4)": (lambda v: actlab.functional.lwta(v, dim=-1, group_size=4), lambda v: lwta(v, 4)),
    "KWTA(0.2)": (lambda v: actlab.functional.kwta(v, dim=-1, ratio=0.2), lambda v: kwta(v, 0.2)),
    "CReLU": (
        lambda v: actlab.functional.crelu(v, dim=-1),
        lambda v: torch.cat([torch.clamp(v, min=0.0), torch.clamp(-v, min=0.0)], -1),
    ),
    "SoLU": (lambda v: actlab.functional.solu(v, dim=-1), lambda v: v * torch.softmax(v, -1)),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", default="4096x1024,65536x64", help="rows x n, comma-separated")
    p.add_argument("--threads", default="1,2", help="torch thread counts, comma-separated")
    p.add_argument("--maps", default=",".join(MAPS), help="comma-separated, of: " + ", ".join(MAPS))
    p.add_argument("--repeats", type=int, default=10)
    a = p.parse_args()
    print(f"actlab kernels: {native.status()}", flush=True)
    print("| map | rows x n | threads | actlab ms | composition ms | actlab / composition |", flush=True)
    print("|---|---|---|---|---|---|", flush=True)
    for shape in a.shapes.split(","):
        rows, n = (int(v) for v in shape.split("x"))
        gen = torch.Generator().manual_seed(0)
        x = torch.randn(rows, n, generator=gen).requires_grad_()
        for threads in (int(t) for t in a.threads.split(",")):
            torch.set_num_threads(threads)
            for name in a.maps.split(","):
                ours, theirs = MAPS[name]
                g = torch.randn(ours(x).shape, generator=gen)
                t = minimum({"actlab": step(ours, x, g), "composition": step(theirs, x, g)}, a.repeats)
                ratio = t["actlab"] / t["composition"]
                print(
                    f"| {name} | {shape} | {threads} | {t['actlab']:.1f} | {t['composition']:.1f} | {ratio:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
