"""actlab beside the peer library torch-activation on the functions both have: forward + backward
(the learnable parameters' gradients included where both learn them), float32, in one process,
interleaved (``actlab.bench.time_round_robin``), the median of the repeats; ratio actlab / peer
(< 1: actlab faster). Each pair is first checked to compute the same function on N(0, 3^2) inputs
(relative difference printed); a pair that does not is reported and not timed.

    pip install --no-deps torch-activation==1.0.0
    python benchmarks/peers.py                          # 64K and 4M elements, 1 and 2 threads
    python benchmarks/peers.py --sizes 4194304 --threads 1 SinLU PAU

Sparsemax, Entmax15 and the entmax package: benchmarks/sparse_rows.py.
"""

from __future__ import annotations

import argparse
import importlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

import actlab.nn as an
from actlab import native
from actlab.bench import steady_allocator, time_round_robin


@dataclass(frozen=True)
class Pair:
    """One function in both libraries: actlab's module, the peer's class name and keywords, and
    ``tie`` (copy actlab's initial coefficients into the peer's module where their defaults differ)."""

    name: str
    ours: Callable[[], nn.Module]
    peer: str  # module.Class under torch_activation (the package exports some names twice, by import order)
    peer_kwargs: dict
    tie: Callable[[nn.Module, nn.Module], None] | None = None


def _copy(pairs: dict[str, str]) -> Callable[[nn.Module, nn.Module], None]:
    """Copy actlab parameter ``k`` into the peer's parameter ``v`` for each k -> v."""

    def tie(ours: nn.Module, peer: nn.Module) -> None:
        with torch.no_grad():
            for k, v in pairs.items():
                getattr(peer, v).copy_(getattr(ours, k).reshape(getattr(peer, v).shape))

    return tie


PAIRS = (
    Pair("ErfAct", lambda: an.ErfAct(a=0.75, b=0.75), "adaptive.sigmoid_weighted.ErfAct", {"a": 0.75, "b": 0.75}),
    Pair("ESwish", lambda: an.ESwish(beta=1.5), "adaptive.sigmoid_weighted.ESwish", {"a": 1.5}),
    Pair("GCU", an.GCU, "classical.trig.GCU", {}),
    Pair("NLReLU", lambda: an.NLReLU(beta=1.0), "classical.relu.NLReLU", {"a": 1.0}),
    Pair("ReLUN", lambda: an.ReLUN(n=1.0), "classical.relu.ReLUN", {"n": 1.0}),
    Pair("SquaredReLU", an.SquaredReLU, "classical.relu.SquaredReLU", {}),
    Pair("TeLU", an.TeLU, "adaptive.relu.TeLU", {}),
    Pair("Sinc", an.Sinc, "classical.trig.Sinc", {}),
    Pair("Sine", lambda: an.Sine(w0=torch.pi), "classical.trig.Sine", {"omega": torch.pi}),
    Pair("StarReLU", an.StarReLU, "adaptive.relu.StarReLU", {"learnable": True}),
    Pair("SinLU", lambda: an.SinLU(a=0.5), "adaptive.sigmoid_weighted.SinLU", {"a": 0.5, "b": 1.0, "learnable": True}),
    Pair("PELU", an.PELU, "adaptive.relu.PELU", {"a": 1.0, "b": 1.0, "learnable": True}),
    Pair("MPELU", an.MPELU, "adaptive.relu.MPELU", {"a": 1.0, "b": 1.0, "learnable": True}),
    Pair("AReLU", an.AReLU, "adaptive.relu.AReLU", {"a": 0.9, "b": 2.0, "learnable": True}),
    Pair(
        "SoftExponential",
        lambda: an.SoftExponential(alpha_init=0.3),
        "adaptive.relu.SoftExponential",
        {"a": 0.3, "learnable": True},
    ),
    Pair("ACON", an.ACON, "adaptive.sigmoid_weighted.ACONC", {"a": 1.0, "b": 0.0, "c": 1.0, "learnable": True}),
    Pair("PAU", an.PAU, "classical.learnable.PAU", {}, _copy({"numerator": "a", "denominator": "b"})),
)


def peer_class(path: str) -> type[nn.Module]:
    module, name = path.rsplit(".", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(importlib.import_module(f"torch_activation.{module}"), name)


def agreement(ours: nn.Module, peer: nn.Module) -> float:
    """max |ours - peer| / (1 + |ours|) on 65536 N(0, 3^2) points (NaN where either is NaN: skipped)."""
    x = torch.randn(65536, generator=torch.Generator().manual_seed(1)) * 3.0
    with torch.no_grad():
        a, b = ours(x.clone()), peer(x.clone())
    ok = ~(a.isnan() | b.isnan())
    return float(((a - b).abs() / (1.0 + a.abs()))[ok].max())


def step(m: nn.Module, x: torch.Tensor, g: torch.Tensor) -> Callable[[], None]:
    params = [p for p in m.parameters() if p.requires_grad]

    def run() -> None:
        x.grad = None
        for p in params:
            p.grad = None
        m(x).backward(g)

    return run


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("names", nargs="*", help="pairs to time (default: all)")
    p.add_argument("--sizes", default="65536,4194304", help="numel, comma-separated")
    p.add_argument("--threads", default="1,2", help="torch thread counts, comma-separated")
    p.add_argument("--repeats", type=int, default=0, help="rounds per cell (default 40 at 64K, 15 at 4M)")
    a = p.parse_args()
    print(f"actlab kernels: {native.status()}; allocator: {steady_allocator()}", flush=True)
    pairs = [q for q in PAIRS if not a.names or q.name in a.names]
    print("| activation | peer | numel | threads | actlab ms | peer ms | actlab / peer |", flush=True)
    print("|---|---|---|---|---|---|---|", flush=True)
    for q in pairs:
        ours = q.ours()
        peer = peer_class(q.peer)(**q.peer_kwargs)
        if q.tie is not None:
            q.tie(ours, peer)
        diff, theirs = agreement(ours, peer), q.peer.rsplit(".", 1)[1]
        if diff > 1e-4:
            print(f"| {q.name} | {theirs} | | | | | not the same function (relative difference {diff:.2g}) |")
            continue
        for numel in (int(v) for v in a.sizes.split(",")):
            gen = torch.Generator().manual_seed(0)
            x = torch.randn(numel, generator=gen).requires_grad_()
            g = torch.randn(numel, generator=gen)
            repeats = a.repeats or (40 if numel <= 65536 else 15)
            for threads in (int(t) for t in a.threads.split(",")):
                torch.set_num_threads(threads)
                t, _ = time_round_robin({"actlab": step(ours, x, g), "peer": step(peer, x, g)}, repeats)
                print(
                    f"| {q.name} | {theirs} | {numel} | {threads} | {t['actlab']:.2f} | {t['peer']:.2f} "
                    f"| {t['actlab'] / t['peer']:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
