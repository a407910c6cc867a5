"""Test cases for the autograd tests: one or more calls per registered declaration.

Elementwise declarations get random valid parameters (drawn from each ``Param.sample``) and
inputs that keep a margin from every kink; the other kinds (normalisers along several dims,
GLU, PReLU with a shared and a per-channel weight, RReLU in training with a fixed seed, vector
maps on inputs without ties, EntmaxBisect with one learnable alpha per row) have a builder
keyed by kind. A declaration of a kind without a builder makes ``cases`` raise, so
a new kind cannot slip through the tests unnoticed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

import actlab
from actlab import functional as F
from actlab.analysis.kinks import declared
from actlab.kinds import (
    Activation,
    Elementwise,
    Normalizer,
    Parametric,
    ParametricNormalizer,
    Random,
    SplitGate,
    VectorMap,
)

KINK_MARGIN = 1e-3  # gradcheck's finite differences use eps = 1e-6


@dataclass
class Case:
    """``call(*inputs)`` runs the declaration through actlab.functional."""

    id: str
    decl: type[Activation]
    call: Callable[..., Tensor]
    inputs: tuple[Tensor, ...]
    params: dict[str, Any] = field(default_factory=dict)
    torch_call: Callable[..., Tensor] | None = None  # the same op in torch, if it has one


def sample_params(decl: type[Activation], rng: random.Random) -> dict[str, Any]:
    """Random valid values for the declaration's scalar parameters."""
    p: dict[str, Any] = {}
    for k, spec in decl.params.items():
        s = spec.sample
        if s is None:
            continue
        p[k] = rng.choice(s) if isinstance(s[0], str) else round(rng.uniform(*s), 3)
    decl.validate(**p)
    return p


def away_from_kinks(x: Tensor, kinks: tuple[float, ...], margin: float = KINK_MARGIN) -> Tensor:
    """Move every entry of ``x`` closer than ``margin`` to a kink out to ``kink +- 2 margin``."""
    for k in kinks:
        near = (x - k).abs() < margin
        x = torch.where(near, k + torch.where(x >= k, 2 * margin, -2 * margin), x)
    return x


def elementwise_input(
    decl: type[Activation], p: dict[str, Any], shape: tuple[int, ...], gen: torch.Generator
) -> Tensor:
    lo, hi = decl.x_range
    kinks = decl.kinks(**p)
    lo, hi = min(lo, *kinks, 0.0) - 1.0, max(hi, *kinks, 0.0) + 1.0  # cover both sides of each kink
    x = torch.rand(shape, generator=gen, dtype=torch.float64) * (hi - lo) + lo
    return away_from_kinks(x, kinks)


def _functional(decl: type[Activation]) -> Callable[..., Tensor]:
    return getattr(F, decl.function)


def _elementwise(decl: type[Activation], seed: int) -> list[Case]:
    rng, gen = random.Random(seed), torch.Generator().manual_seed(seed)
    out = []
    for i in range(2):
        p = sample_params(decl, rng)
        x = elementwise_input(decl, p, (3, 7), gen).requires_grad_()
        fn = _functional(decl)
        tfn = getattr(torch.nn.functional, decl.function) if decl.in_torch else None
        out.append(
            Case(
                f"{decl.name}-{i}",
                decl,
                lambda x, fn=fn, p=p: fn(x, **p),
                (x,),
                p,
                None if tfn is None else (lambda x, tfn=tfn, p=p: tfn(x, **p)),
            )
        )
    return out


def _normalizer(decl: type[Activation], seed: int) -> list[Case]:
    gen = torch.Generator().manual_seed(seed)
    if decl.name == "Softmax2d":
        x = (3 * torch.randn(2, 3, 2, 2, generator=gen, dtype=torch.float64)).requires_grad_()
        return [Case("Softmax2d", decl, F.softmax2d, (x,), {}, torch.nn.Softmax2d())]
    fn, tfn = _functional(decl), getattr(torch.nn.functional, decl.function) if decl.in_torch else None
    out = []
    for dim in (0, 1, -1):
        x = (3 * torch.randn(3, 4, 5, generator=gen, dtype=torch.float64)).requires_grad_()
        out.append(
            Case(
                f"{decl.name}-dim{dim}",
                decl,
                lambda x, dim=dim: fn(x, dim=dim),
                (x,),
                {"dim": dim},
                None if tfn is None else (lambda x, dim=dim: tfn(x, dim=dim)),
            )
        )
    return out


def _gated(decl: type[Activation], seed: int) -> list[Case]:
    gen = torch.Generator().manual_seed(seed)
    fn, tfn = _functional(decl), getattr(torch.nn.functional, decl.function) if decl.in_torch else None
    out = []
    for dim in (0, -1):
        x = away_from_kinks(2 * torch.randn(4, 6, generator=gen, dtype=torch.float64), decl.kinks()).requires_grad_()
        out.append(
            Case(
                f"{decl.name}-dim{dim}",
                decl,
                lambda x, dim=dim: fn(x, dim),
                (x,),
                {"dim": dim},
                None if tfn is None else (lambda x, dim=dim: tfn(x, dim)),
            )
        )
    return out


def parametric_tensor(decl: type[Parametric], name: str, x: Tensor, n: int, gen: torch.Generator) -> Tensor:
    """A valid value of learnable tensor ``name`` for input x: drawn from its initial value's
    ``Param.sample`` (0.5 U(0, 1) without one), one value or one per channel (n); a
    ``coefficients`` tensor as its initial row (times 1 + U(-0.1, 0.1)) per channel; a ``like_input``
    tensor x + -0.3 or +0.3 (no ties)."""
    if name in decl.like_input:
        return x.detach() + 0.3 * torch.where(torch.rand(x.shape, generator=gen, dtype=x.dtype) < 0.5, -1.0, 1.0)
    if name in decl.coefficients:
        row = torch.tensor(decl.initial_values(**decl.defaults())[name], dtype=torch.float64)
        return row * (1.0 + 0.2 * (torch.rand(n, row.numel(), generator=gen, dtype=torch.float64) - 0.5))
    spec = decl.params.get(decl.initial.get(name, ""))
    lo, hi = spec.sample if spec is not None and spec.sample is not None else (0.0, 0.5)
    return lo + (hi - lo) * torch.rand(n, generator=gen, dtype=torch.float64)


def _parametric(decl: type[Activation], seed: int) -> list[Case]:
    gen = torch.Generator().manual_seed(seed)
    out = []
    fn, tfn = _functional(decl), getattr(torch.nn.functional, decl.function) if decl.in_torch else None
    kinks = declared(decl, {})
    for n in (1, 3):  # one shared value or one per channel (dim 1) for each tensor parameter
        x = away_from_kinks(2 * torch.randn(4, 3, 5, generator=gen, dtype=torch.float64), kinks).requires_grad_()
        ws = tuple(parametric_tensor(decl, t, x, n, gen).requires_grad_() for t in decl.tensor_params)
        out.append(Case(f"{decl.name}-w{n}", decl, fn, (x, *ws), {}, tfn))
    return out


def distinct(shape: tuple[int, ...], gen: torch.Generator) -> Tensor:
    """Entries at least 0.2 apart and at least 0.1 from 0 (no ties inside a group, no kink at 0)."""
    n = math.prod(shape)
    ranks = torch.randperm(n, generator=gen).to(torch.float64) - n / 2 + 0.5
    return (0.4 * ranks + 0.05 * torch.rand(n, generator=gen, dtype=torch.float64)).reshape(shape)


def _vector_map(decl: type[Activation], seed: int) -> list[Case]:
    gen = torch.Generator().manual_seed(seed)
    fn, p = _functional(decl), {k: v for k, v in decl.defaults().items() if k != "dim"}
    out = []
    for dim in (0, 1):
        x = distinct((4, 6), gen).requires_grad_()
        out.append(Case(f"{decl.name}-dim{dim}", decl, lambda x, dim=dim: fn(x, dim, **p), (x,), {"dim": dim, **p}))
    return out


def _parametric_normalizer(decl: type[Activation], seed: int) -> list[Case]:
    """EntmaxBisect along several dims with one learnable alpha per row (size 1 along dim)."""
    gen = torch.Generator().manual_seed(seed)
    fn = _functional(decl)
    out = []
    for dim in (0, -1):
        x = (3 * torch.randn(3, 4, 5, generator=gen, dtype=torch.float64)).requires_grad_()
        rows = list(x.shape)
        rows[dim] = 1
        alpha = (1.2 + 1.2 * torch.rand(rows, generator=gen, dtype=torch.float64)).requires_grad_()
        out.append(Case(f"{decl.name}-dim{dim}", decl, lambda x, a, dim=dim: fn(x, a, dim), (x, alpha), {"dim": dim}))
    return out


def _random(decl: type[Activation], seed: int) -> list[Case]:
    """RReLU: evaluation mode is elementwise; training draws noise, reseeded on every call so
    that gradcheck's repeated evaluations see the same slopes."""
    rng, gen = random.Random(seed), torch.Generator().manual_seed(seed)
    p = sample_params(decl, rng)
    x_eval = elementwise_input(decl, p, (3, 7), gen).requires_grad_()
    x_train = elementwise_input(decl, p, (3, 7), gen).requires_grad_()

    def train(x: Tensor, p: dict[str, Any] = p) -> Tensor:
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            return F.rrelu(x, training=True, **p)

    def train_torch(x: Tensor, p: dict[str, Any] = p) -> Tensor:  # actlab draws torch's very slopes
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            return torch.nn.functional.rrelu(x, training=True, **p)

    return [
        Case("RReLU-eval", decl, lambda x: F.rrelu(x, **p), (x_eval,), p, lambda x: torch.nn.functional.rrelu(x, **p)),
        Case("RReLU-train", decl, train, (x_train,), {**p, "training": True}, train_torch),
    ]


BUILDERS: tuple[tuple[type[Activation], Callable[[type[Activation], int], list[Case]]], ...] = (
    (Random, _random),  # most specific kind first: Random is an Elementwise, ParametricNormalizer a Normalizer
    (Elementwise, _elementwise),
    (ParametricNormalizer, _parametric_normalizer),
    (Normalizer, _normalizer),
    (VectorMap, _vector_map),
    (SplitGate, _gated),
    (Parametric, _parametric),
)


def builtin_declarations() -> list[type[Activation]]:
    return [d for d in actlab.declarations() if not d.user_defined]


def elementwise_declarations() -> list[type[Activation]]:
    return [d for d in builtin_declarations() if issubclass(d, Elementwise) and not issubclass(d, Random)]


def cases(decl: type[Activation]) -> list[Case]:
    """All cases of one declaration (fresh tensors on every call)."""
    seed = sum(map(ord, decl.name))
    for kind, build in BUILDERS:
        if issubclass(decl, kind):
            return build(decl, seed)
    raise KeyError(f"{decl.name}: no test-case builder for its kind; add one to tests/gradcases.py")


def all_cases() -> list[Case]:
    return [c for d in builtin_declarations() for c in cases(d)]
