"""RePU, ReLUN, BentIdentity and the learnable TLU (rectifier_variants.py): gradients in every
mode, extremal inputs, kink conventions (ReLUN(6) is ReLU6 to the bit, TLU's ties as
torch.maximum), agreement with torch-activation 1.0.0 and timm's FRN TLU, and the known
torch-activation defect ReLUN(6)(1e30) = 0."""

from __future__ import annotations

import math

import pytest
import torch
from torch import Tensor

import actlab
from actlab import functional as F
from actlab.activations import rectifier_variants
from catalog_checks import (
    F64,
    check_extremes,
    check_gradients,
    declarations_in,
    derivatives_at,
    grid,
    ids,
    torch_activation,
    value_and_grad,
)

DECLS = declarations_in(rectifier_variants)
ELEMENTWISE = [d for d in DECLS if d.kind == "elementwise"]
INF, NAN = math.inf, math.nan


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == ["RePU", "ReLUN", "BentIdentity", "TLU"]


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


@pytest.mark.parametrize("decl", ELEMENTWISE, ids=ids(ELEMENTWISE))
def test_extremal_inputs(decl) -> None:
    check_extremes(decl)


@pytest.mark.parametrize("p", [1.0, 1.5, 3.0])
def test_repu_extremes_for_other_powers(p: float) -> None:
    check_extremes(actlab.spec("RePU"), {"p": p})


KINKS = [
    ("repu", {"p": 2.0}, 0.0, 0.0, 0.0),
    ("repu", {"p": 1.0}, 0.0, 0.0, 0.0),
    ("relun", {"n": 2.5}, 0.0, 0.0, 0.0),
    ("relun", {"n": 2.5}, 2.5, 0.0, 0.0),
]


@pytest.mark.parametrize("fn, p, x, d1, d2", KINKS, ids=[f"{k[0]}{k[1]}@{k[2]:g}" for k in KINKS])
def test_kink_conventions_in_reverse_and_forward_mode(fn: str, p: dict, x: float, d1: float, d2: float) -> None:
    assert derivatives_at(lambda t: getattr(F, fn)(t, **p), x) == (d1, d2, d1, d2)


def test_relun_6_is_relu6_to_the_bit() -> None:
    x = torch.tensor([-INF, -1.0, 0.0, 3.0, 6.0, 7.0, 1e30, INF, NAN])
    for dtype in (torch.float32, torch.float64, torch.bfloat16):
        xs = x.to(dtype)
        ours, theirs = value_and_grad(lambda t: F.relun(t, 6.0), xs), value_and_grad(F.relu6, xs)
        for u, v in zip(ours, theirs):
            torch.testing.assert_close(u, v, rtol=0, atol=0, equal_nan=True)


def test_tlu_ties_split_the_gradient_as_torch_maximum() -> None:
    x = torch.tensor([[-1.0, 0.5, 2.0]], dtype=F64, requires_grad=True)
    tau = torch.tensor([0.5], dtype=F64, requires_grad=True)
    gx, gt = torch.autograd.grad(F.tlu(x, tau).sum(), (x, tau))
    assert gx.tolist() == [[0.0, 0.5, 1.0]] and gt.tolist() == [1.5]
    m = actlab.nn.TLU(num_features=3)
    assert list(m.state_dict()) == ["tau"] and torch.equal(m.tau.detach(), torch.zeros(3))


def timm_tlu(x: Tensor, tau: Tensor) -> Tensor:
    """timm's FilterResponseNormTlu2d activation: torch.maximum with tau per channel."""
    return torch.maximum(x, tau.reshape(1, -1, 1, 1))


def test_tlu_agrees_with_timm() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 4, 4, generator=gen, dtype=F64)
    tau = torch.tensor([-0.3, 0.0, 0.4], dtype=F64)
    x[0, 1, 0, 0] = 0.0  # a tie
    out = []
    for fn in (F.tlu, timm_tlu):
        xr, tr = x.clone().requires_grad_(), tau.clone().requires_grad_()
        y = fn(xr, tr)
        out.append((y.detach(), *torch.autograd.grad((y * y).sum(), (xr, tr))))
    for u, v in zip(*out):
        torch.testing.assert_close(u, v, rtol=1e-14, atol=0)


def test_repu_matches_the_definition() -> None:
    x = grid(-3.0, 3.0, kinks=(0.0,))
    for p in (1.5, 2.0, 3.0):
        ours, ref = value_and_grad(lambda t, p=p: F.repu(t, p), x), value_and_grad(lambda t, p=p: torch.relu(t) ** p, x)
        for u, v in zip(ours, ref):
            torch.testing.assert_close(u, v, rtol=1e-13, atol=1e-300)


TA = torch_activation()


@pytest.mark.parametrize("fn, p, theirs", [
    ("relun", {"n": 1.0}, lambda: TA.classical.relu.ReLUN(n=1.0)),
    ("relun", {"n": 6.0}, lambda: TA.classical.relu.ReLUN(n=6.0)),
    ("bent_identity", {}, lambda: TA.classical.other.BentIdentity()),
])  # fmt: skip
def test_agrees_with_torch_activation(fn: str, p: dict, theirs) -> None:
    x = grid(-8.0, 8.0, kinks=(0.0, p.get("n", 0.0)))
    module = theirs().double()
    for u, v in zip(value_and_grad(lambda t: getattr(F, fn)(t, **p), x), value_and_grad(module, x)):
        torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-13)


def test_torch_activation_defects_in_this_family() -> None:
    """ReLUN as relu(x) - relu(x - n) loses the cap for large x (the issue's ReLUN(6)(1e30) = 0);
    BentIdentity's sqrt(x^2 + 1) overflows to inf at 1e20 in float32 and cancels near 0."""
    x = torch.tensor([1e30])
    assert TA.classical.relu.ReLUN(n=6.0)(x).item() == 0.0 and F.relun(x, 6.0).item() == 6.0
    big = torch.tensor([-1e20])
    assert TA.classical.other.BentIdentity()(big).item() == math.inf and F.bent_identity(big).item() == pytest.approx(
        -5e19
    )
