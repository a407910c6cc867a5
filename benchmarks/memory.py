"""Peak memory of one training step per activation: actlab vs torch native vs naive autograd.

    python benchmarks/memory.py                         # every activation, 4 x 2048 MLP, batch 512
    python benchmarks/memory.py ReLU GELU --width 256 --batch 64

The step is forward + backward + SGD update of a ``depth``-layer MLP (``Linear(width, width)``
then the activation, repeated; GLU gets ``Linear(width, 2 width)``), float32, on CPU. Three
models with identical weights differ only in the activation:

* ``torch``  — torch.nn's module;
* ``actlab`` — actlab.nn's module (the hand-derived Functions);
* ``naive``  — autograd straight through the declaration's math (``decl.f`` or ``decl.forward``,
  plain torch ops), which saves every intermediate the composition produces.

Method (no CUDA allocator on CPU, so two CPU measurements, both taken on the same step):

* **peak** — ``torch.profiler`` with ``profile_memory=True`` records every allocation and free
  of the CPU allocator as ``[memory]`` events (bytes, timestamp). Their running sum, in time
  order, is the live memory allocated during the step; its maximum is the peak *above* what was
  live before the step (weights, input). Gradients are reset to None before the step, so weight
  gradients count. One warm-up step runs first so that lazily allocated buffers are excluded.
* **saved** — ``torch.autograd.graph.saved_tensors_hooks`` sees every tensor any node saves for
  backward; the bytes of their distinct storages, parameters excluded, are the activation
  memory the graph holds at the end of the forward (a tensor the activation saves that the
  next Linear saves too, such as torch's ReLU output, counts once).

Ratios are actlab/torch and naive/torch; ``-`` where torch has no such activation.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from torch.profiler import ProfilerActivity, profile
from tqdm import tqdm

import actlab
from actlab.kinds import Activation, Normalizer, Parametric, Random, SplitGate, VectorMap

MiB = 2**20
SKIP = {"Softmax2d": "needs (N, C, H, W) input; it is Softmax over dim -3, measured as Softmax"}


@dataclass
class Row:
    name: str
    peak: dict[str, int]  # variant -> bytes
    saved: dict[str, int]


def params_of(decl: type[Activation]) -> dict[str, Any]:
    """Constructor arguments: the defaults, the first plot values (Threshold's required ones), dim=-1."""
    p = {k: v.default for k, v in decl.params.items()}
    p.update(decl.plot_params[0])
    if "dim" in p:
        p["dim"] = -1
    return {k: v for k, v in p.items() if v is not None}


class Naive(nn.Module):
    """Autograd through the declaration's own forward math: every intermediate is saved.
    Learnable tensors (PReLU's weight ...) start as actlab's module initialises them."""

    def __init__(self, decl: type[Activation], p: dict[str, Any]):
        super().__init__()
        self.decl, self.p = decl, p
        if issubclass(decl, Parametric):
            init = actlab.get(decl.name, **p)
            for name in decl.tensor_params:
                self.register_parameter(name, nn.Parameter(getattr(init, name).detach().clone()))

    def forward(self, x: Tensor) -> Tensor:
        d = self.decl
        if issubclass(d, Parametric):  # one shared value each (the modules' default)
            return d.forward(x, *(getattr(self, n).reshape(()) for n in d.tensor_params))
        if issubclass(d, (Normalizer, SplitGate, VectorMap)):  # EntmaxBisect's alpha: a constant tensor
            tensors = getattr(d, "tensor_params", ())
            kw = {k: torch.as_tensor(v, dtype=x.dtype) if k in tensors else v for k, v in self.p.items()}
            return d.forward(x, **kw)
        if issubclass(d, Random) and self.training:
            return x * d.noise(x.detach(), **self.p)
        return d.f(x, **self.p)


def activation(decl: type[Activation], variant: str) -> nn.Module:
    p = params_of(decl)
    if variant == "naive":
        return Naive(decl, p)
    if variant == "torch":
        return getattr(nn, decl.name)(**p)
    return actlab.get(decl.name, **p)


def mlp(decl: type[Activation], variant: str, width: int, depth: int) -> nn.Sequential:
    torch.manual_seed(0)
    out = 2 * width if issubclass(decl, SplitGate) else width
    layers: list[nn.Module] = []
    for _ in range(depth):
        layers += [nn.Linear(width, out), activation(decl, variant)]
    return nn.Sequential(*layers)


def training_step(model: nn.Module, opt: torch.optim.Optimizer, x: Tensor) -> None:
    opt.zero_grad(set_to_none=True)
    model(x).square().mean().backward()
    opt.step()


def measure(model: nn.Module, x: Tensor) -> tuple[int, int]:
    """(peak bytes allocated during one step above the start, bytes saved for backward)."""
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    training_step(model, opt, x)  # warm-up
    opt.zero_grad(set_to_none=True)
    storages: dict[int, int] = {}
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}

    def pack(t: Tensor) -> Tensor:
        s = t.untyped_storage()
        if s.data_ptr() not in weights:
            storages[s.data_ptr()] = s.nbytes()
        return t

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            training_step(model, opt, x)
    events = sorted((e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events() if e.name() == "[memory]")
    peak = max(itertools.accumulate(n for _, n in events), default=0)
    return peak, sum(storages.values())


def run(names: list[str], width: int, batch: int, depth: int, progress: bool = True) -> list[Row]:
    decls = (
        [actlab.declaration(n) for n in names] if names else [d for d in actlab.declarations() if not d.user_defined]
    )
    rows = []
    for decl in tqdm(decls, desc="memory", disable=not progress):
        if decl.name in SKIP or decl.module_class is None:
            continue
        x = torch.randn(batch, width, generator=torch.Generator().manual_seed(1))
        variants = ("torch", "actlab", "naive") if decl.in_torch else ("actlab", "naive")
        peak, saved = {}, {}
        for v in variants:
            peak[v], saved[v] = measure(mlp(decl, v, width, depth), x)
        rows.append(Row(decl.name, peak, saved))
    return rows


def _ratio(row: Row, what: str, variant: str) -> str:
    d = getattr(row, what)
    return f"{d[variant] / d['torch']:.2f}" if "torch" in d and d["torch"] else "-"


def table(rows: list[Row]) -> str:
    def mib(d: dict[str, int], v: str) -> str:
        return f"{d[v] / MiB:.1f}" if v in d else "-"

    head = (
        f"{'activation':<16}{'peak MiB torch':>15}{'actlab':>8}{'naive':>8}{'act/torch':>10}{'naive/torch':>12}"
        f"{'saved MiB torch':>17}{'actlab':>8}{'naive':>8}{'act/torch':>10}{'naive/torch':>12}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.name:<16}{mib(r.peak, 'torch'):>15}{mib(r.peak, 'actlab'):>8}{mib(r.peak, 'naive'):>8}"
            f"{_ratio(r, 'peak', 'actlab'):>10}{_ratio(r, 'peak', 'naive'):>12}"
            f"{mib(r.saved, 'torch'):>17}{mib(r.saved, 'actlab'):>8}{mib(r.saved, 'naive'):>8}"
            f"{_ratio(r, 'saved', 'actlab'):>10}{_ratio(r, 'saved', 'naive'):>12}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="activations (default: all registered)")
    ap.add_argument("--width", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--depth", type=int, default=4)
    args = ap.parse_args(argv)
    if min(args.width, args.batch, args.depth) < 1:
        ap.error("--width, --batch and --depth must be >= 1")
    rows = run(args.names, args.width, args.batch, args.depth)
    print(f"one SGD training step, {args.depth} x Linear({args.width}) MLP, batch {args.batch}, float32, CPU")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
