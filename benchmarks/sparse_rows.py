"""Sparsemax, 1.5-entmax and alpha-entmax by bisection forward + backward: actlab (the native row
kernels when loaded) beside the entmax package (``entmax.sparsemax``, ``entmax.entmax15``,
``entmax.entmax_bisect(x, alpha, dim, n_iter=50)``), in one process, interleaved; the minimum of the
repeats, ratio actlab / entmax (< 1: actlab faster). Each line is printed as it is measured.

    python benchmarks/sparse_rows.py                      # 4096 x 1024 and 65536 x 64, 1 and 2 threads
    python benchmarks/sparse_rows.py --repeats 20 --shapes 4096x1024
    python benchmarks/sparse_rows.py --scale 0.01         # rows of N(0, 1e-4): every entry a candidate
    python benchmarks/sparse_rows.py --maps EntmaxBisect --alphas 1.5,1.1

    ACTLAB_NATIVE=0 python benchmarks/sparse_rows.py      # the declarations' Python math instead

The step, for both: y = f(x) on a float32 x of N(0, scale^2) rows that requires grad, then
``y.backward(g)`` with a fixed g of N(0, 1). EntmaxBisect at each of ``--alphas`` (a number: x's
gradient alone, as the entmax package computes for a constant alpha).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch

import actlab
from actlab import native


def step(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, g: torch.Tensor) -> Callable[[], None]:
    def run() -> None:
        x.grad = None
        fn(x).backward(g)

    return run


def minimum(calls: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """The fastest of ``repeats`` interleaved rounds of each call, in ms (one warm-up round first)."""
    for c in calls.values():
        c()
    best = dict.fromkeys(calls, float("inf"))
    for _ in range(repeats):
        for k, c in calls.items():
            t = time.perf_counter()
            c()
            best[k] = min(best[k], (time.perf_counter() - t) * 1e3)
    return best


def main() -> None:
    import entmax

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", default="4096x1024,65536x64", help="rows x n, comma-separated")
    p.add_argument("--threads", default="1,2", help="torch thread counts, comma-separated")
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--scale", type=float, default=1.0, help="standard deviation of the entries")
    p.add_argument("--maps", default="Sparsemax,Entmax15,EntmaxBisect", help="comma-separated")
    p.add_argument("--alphas", default="1.5,1.1", help="EntmaxBisect's alphas, comma-separated")
    a = p.parse_args()
    print(f"actlab kernels: {native.status()}", flush=True)
    maps = {
        "Sparsemax": (actlab.functional.sparsemax, entmax.sparsemax),
        "Entmax15": (actlab.functional.entmax15, entmax.entmax15),
    }
    for alpha in (float(v) for v in a.alphas.split(",")):
        maps[f"EntmaxBisect({alpha:g})"] = (
            lambda v, alpha=alpha: actlab.functional.entmax_bisect(v, alpha=alpha, dim=-1),
            lambda v, dim, alpha=alpha: entmax.entmax_bisect(v, alpha, dim, 50),
        )
    chosen = a.maps.split(",")
    maps = {k: v for k, v in maps.items() if k.split("(")[0] in chosen}
    print(f"entries N(0, {a.scale:g}^2)", flush=True)
    print("| map | rows x n | threads | actlab ms | entmax ms | actlab / entmax |", flush=True)
    print("|---|---|---|---|---|---|", flush=True)
    for shape in a.shapes.split(","):
        rows, n = (int(v) for v in shape.split("x"))
        gen = torch.Generator().manual_seed(0)
        x = (torch.randn(rows, n, generator=gen) * a.scale).requires_grad_()
        g = torch.randn(rows, n, generator=gen)
        for threads in (int(t) for t in a.threads.split(",")):
            torch.set_num_threads(threads)
            for name, (ours, theirs) in maps.items():
                t = minimum(
                    {"actlab": step(ours, x, g), "entmax": step(lambda v, f=theirs: f(v, dim=-1), x, g)}, a.repeats
                )
                ratio = t["actlab"] / t["entmax"]
                print(
                    f"| {name} | {shape} | {threads} | {t['actlab']:.1f} | {t['entmax']:.1f} | {ratio:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
