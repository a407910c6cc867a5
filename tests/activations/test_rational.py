"""PAU (safe, 5/4) and Rational (3/2) (actlab.activations.rational): the reference implementations'
formulas and initial fits, derivatives in x and the coefficients, no poles, limits at +-inf."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

import actlab
from actlab import functional as F
from actlab.activations.rational import PAU_INIT, RATIONAL_INIT

F64 = torch.float64


def _pau_version_b(x: Tensor, num: Tensor, den: Tensor) -> Tensor:
    """ml-research/rational_activations' Rational_PYTORCH_B_F: P(x) / (1 + |b_1 x + ... + b_n x^n|)."""
    xps = torch.stack([x.reshape(-1) ** j for j in range(len(num))], 1)  # torch.vander(x, increasing=True)
    numerator = (xps * num).sum(1)
    denominator = (xps[:, 1 : len(den) + 1] * den).sum(1).abs()
    return (numerator / (1 + denominator)).reshape(x.shape)


def _boulle(x: Tensor, num: Tensor, den: Tensor) -> Tensor:
    """Boullé et al.'s Rational: polyval of the coefficients (highest degree first in theirs)."""
    p = sum(c * x**j for j, c in enumerate(num))
    q = sum(c * x**k for k, c in enumerate(den))
    return p / q


def _grads(fn, x: Tensor, *w: Tensor) -> tuple[Tensor, ...]:
    leaves = [t.detach().clone().requires_grad_() for t in (x, *w)]
    y = fn(*leaves)
    g = torch.autograd.grad(y.sum(), leaves, create_graph=True)
    hv = torch.autograd.grad(
        sum((gi * torch.linspace(0.5, 1.5, gi.numel(), dtype=F64).reshape(gi.shape)).sum() for gi in g), leaves
    )
    return (y.detach(), *(t.detach() for t in g), *hv)


@pytest.mark.parametrize("approx", list(PAU_INIT))
def test_pau_is_version_b_of_the_reference_with_its_initial_fits(approx: str) -> None:
    m = actlab.get("PAU", approx_func=approx).double()
    x = torch.linspace(-3.0, 3.0, 121, dtype=F64) + 0.013  # off the kink at 0
    num, den = m.numerator.detach(), m.denominator.detach()
    for a, b in zip(_grads(F.pau, x, num, den), _grads(_pau_version_b, x, num, den)):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    target = {
        "leaky_relu": torch.nn.functional.leaky_relu(x, 0.01), "relu": torch.relu(x), "tanh": torch.tanh(x),
        "sigmoid": torch.sigmoid(x), "gelu": torch.nn.functional.gelu(x), "swish": torch.nn.functional.silu(x),
    }[approx]  # fmt: skip
    assert (m(x) - target).abs().max() < 0.04  # the published fits on [-3, 3]


def test_rational_is_boulles_with_the_relu_initialisation() -> None:
    m = actlab.get("Rational", dtype=F64)
    assert m.numerator.tolist() == list(RATIONAL_INIT[0]) and m.denominator.tolist() == list(RATIONAL_INIT[1])
    x = torch.linspace(-3.0, 3.0, 121, dtype=F64)
    num, den = m.numerator.detach() * 1.1, m.denominator.detach() * 0.9
    for a, b in zip(_grads(F.rational, x, num, den), _grads(_boulle, x, num, den)):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    grid = torch.linspace(-1.0, 1.0, 201, dtype=F64)
    assert (m(grid) - torch.relu(grid)).abs().max() < 0.025


def test_safe_denominator_has_no_poles() -> None:
    """Random coefficients: Q >= 1, finite values and derivatives everywhere on a wide grid."""
    gen = torch.Generator().manual_seed(0)
    num, den = torch.randn(6, dtype=F64, generator=gen), torch.randn(4, dtype=F64, generator=gen)
    x = torch.linspace(-50.0, 50.0, 2001, dtype=F64).requires_grad_()
    y = F.pau(x, num, den)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert torch.isfinite(y).all() and torch.isfinite(g).all()


def test_limits_at_infinity_and_huge_inputs() -> None:
    """PAU(x) ~ (a_5/|b_4|) x: f(+-inf) = +-inf, f'(+-inf) = a_5/|b_4|; 1e300 has a finite value
    (every power is scaled by max(1, |x|)^4: nothing overflows)."""
    m = actlab.get("PAU").double()
    num, den = m.numerator.detach(), m.denominator.detach()
    slope = (num[5] / den[3].abs()).item()
    x = torch.tensor([float("-inf"), float("inf"), -1e300, 1e300, 1e15, float("nan")], dtype=F64, requires_grad=True)
    y = F.pau(x, num, den)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert y[0] == float("-inf") and y[1] == float("inf") and torch.isnan(y[5])
    assert y[2].item() == pytest.approx(-slope * 1e300, rel=1e-12) and y[4].item() == pytest.approx(
        slope * 1e15, rel=1e-12
    )
    torch.testing.assert_close(g[:4], torch.full((4,), slope, dtype=F64), rtol=1e-12, atol=0)
    r = F.rational(x.detach()[:4], torch.tensor(RATIONAL_INIT[0], dtype=F64), torch.tensor(RATIONAL_INIT[1], dtype=F64))
    assert r[0] == float("-inf") and r[1] == float("inf") and torch.isfinite(r[2:]).all()


def test_kinks_are_the_zeros_of_b_with_the_abs_convention() -> None:
    """x = 0 is a zero of B: there |B|'(0) = 0 (torch.abs's subgradient), so F'(0) = a_1."""
    decl = actlab.spec("PAU")
    assert 0.0 in decl.kinks(approx_func="leaky_relu")
    num, den = torch.tensor(PAU_INIT["leaky_relu"][0], dtype=F64), torch.tensor(PAU_INIT["leaky_relu"][1], dtype=F64)
    x = torch.zeros(1, dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad(F.pau(x, num, den).sum(), x)
    assert g.item() == pytest.approx(num[1].item(), rel=1e-15)


def test_per_channel_coefficients() -> None:
    m = actlab.get("PAU", num_parameters=3)
    assert m.numerator.shape == (3, 6) and m.denominator.shape == (3, 4)
    x = torch.randn(2, 3, 5)
    y = m(x)
    torch.testing.assert_close(y[:, 1], actlab.get("PAU")(x[:, 1]))
    y.sum().backward()
    assert m.numerator.grad.shape == (3, 6)
    with pytest.raises(ValueError, match="channels"):
        F.pau(torch.randn(2, 4), m.numerator, m.denominator)
