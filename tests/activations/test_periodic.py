"""The periodic family's catalog members (activations/periodic.py): GCU, Sine (SIREN), Sinc and
the learnable Snake (BigVGAN). Gradients in every mode, extremal inputs (no limit at +-inf for GCU
and Sine: NaN, as the reference; Sinc -> 0), the series branch of Sinc's derivatives and of Snake's
a -> 0 limit, and agreement with the published definitions and torch-activation 1.0.0."""

from __future__ import annotations

import math

import pytest
import torch

import actlab
from actlab import functional as F
from actlab.activations import periodic
from actlab.errors import ShapeError
from actlab.kinds import Elementwise
from catalog_checks import (
    F64,
    catalog,
    check_extremes,
    check_gradients,
    grid,
    ids,
    torch_activation,
    value_and_grad,
)

DECLS = catalog("periodic")
ELEMENTWISE = [d for d in DECLS if issubclass(d, Elementwise)]
INF, NAN = math.inf, math.nan


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == ["Snake", "GCU", "Sine", "Sinc"]


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


@pytest.mark.parametrize("decl", ELEMENTWISE, ids=ids(ELEMENTWISE))
def test_extremal_inputs(decl) -> None:
    check_extremes(decl)


def test_no_limit_is_nan_and_sinc_decays() -> None:
    x = torch.tensor([-INF, INF], dtype=F64)
    for fn in (F.gcu, F.sine):
        y, g = value_and_grad(fn, x)
        assert y.isnan().all() and g.isnan().all()
    y, g = value_and_grad(F.sinc, x)
    assert y.tolist() == [0.0, 0.0] and g.tolist() == [0.0, 0.0]


def test_sinc_series_and_closed_forms_meet() -> None:
    """f' switches from its Taylor series to the closed form at |x| = 1/2: both sides agree with the
    128-bit reference to 1e-15, down to tiny x; f''(0) = -1/3, and f'' meets its series too."""
    from mpmath import mp, mpf

    from actlab.analysis.reference import REFERENCES, evaluate

    cut = periodic.SINC_SERIES_CUT
    x = torch.tensor([cut * (1 - 1e-12), cut, cut * (1 + 1e-12), 1e-5, 1e-200], dtype=F64)
    decl = actlab.declaration("Sinc")
    want1 = torch.tensor(evaluate(REFERENCES["Sinc"].df, x.tolist(), {}), dtype=F64)
    torch.testing.assert_close(decl.df(x), want1, rtol=1e-15, atol=0)
    near = x[:4]
    with mp.workprec(200):
        want2 = [float(mp.diff(lambda t: mp.sin(t) / t, mpf(v), 2)) for v in near.tolist()]
    torch.testing.assert_close(decl.d2f(near), torch.tensor(want2, dtype=F64), rtol=1e-14, atol=0)
    z = torch.zeros(1, dtype=F64)
    assert decl.df(z).item() == 0.0 and decl.d2f(z).item() == pytest.approx(-1 / 3, rel=1e-15)


def test_siren_definition() -> None:
    x = grid(-1.0, 1.0)
    for w0 in (30.0, 1.0):
        for u, v in zip(
            value_and_grad(lambda t, w=w0: F.sine(t, w), x), value_and_grad(lambda t, w=w0: torch.sin(w * t), x)
        ):
            torch.testing.assert_close(u, v, rtol=1e-13, atol=1e-14)
    assert actlab.nn.Sine().w0 == 30.0


TA = torch_activation()


def test_agrees_with_torch_activation() -> None:
    """GCU and Sine(omega) are the same functions; torch-activation's Sinc is the normalised
    sin(pi x)/(pi x) = Sinc(pi x)."""
    x = grid(-12.0, 12.0)
    trig = TA.classical.trig
    pairs = [
        (F.gcu, trig.GCU()),
        (lambda t: F.sine(t, 2.5), trig.Sine(omega=2.5)),
        (lambda t: F.sinc(math.pi * t), trig.Sinc()),
    ]
    for ours, theirs in pairs:
        for u, v in zip(value_and_grad(ours, x), value_and_grad(theirs, x)):
            torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-13)


def test_torch_activation_sinc_gradient_at_zero() -> None:
    """Its where(z == 0, 1, sin(pi z)/(pi z)) has a NaN gradient at 0 (0/0 in the unused branch)."""
    z = torch.zeros(1, dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad(TA.classical.trig.Sinc()(z).sum(), z)
    assert g.isnan().all()
    assert value_and_grad(F.sinc, torch.zeros(1, dtype=F64))[1].item() == 0.0


# ---- Snake ---------------------------------------------------------------------------------------------
def bigvgan_snake(x: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:  # without BigVGAN's "+ 1e-9"
    return x + 1.0 / alpha * torch.pow(torch.sin(x * alpha), 2)


def _x(*shape: int, seed: int = 0) -> torch.Tensor:
    return 2.0 * torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


@pytest.mark.parametrize("alpha", [[1.3], [0.7, -1.1, 2.5], [1e-3], [0.0, 1e-9, 0.2]])
def test_snake_gradcheck_and_gradgradcheck(alpha: list[float]) -> None:
    """Also in the series region of d2f/da2 (|a x| < 0.5) and at the a -> 0 limit."""
    x = _x(2, len(alpha), 4).requires_grad_()
    a = torch.tensor(alpha, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(F.snake, (x, a))
    assert torch.autograd.gradgradcheck(F.snake, (x, a))


def test_snake_matches_bigvgan_and_has_the_zero_limit() -> None:
    x = _x(2, 3, 50)
    a = torch.tensor([0.5, 1.0, 2.5], dtype=F64)
    torch.testing.assert_close(F.snake(x, a), bigvgan_snake(x, a.view(1, 3, 1)), rtol=1e-13, atol=1e-14)
    xs = x.clone().requires_grad_()
    zero = torch.zeros(1, dtype=F64, requires_grad=True)
    y = F.snake(xs, zero)
    assert torch.equal(y, x)  # a = 0: the identity (the literal form is 0/0)
    gx, ga = torch.autograd.grad(y.sum(), (xs, zero))
    assert torch.equal(gx, torch.ones_like(x))
    torch.testing.assert_close(ga, (x * x).sum().reshape(1), rtol=1e-14, atol=0)  # df/da -> x^2
    tiny = torch.tensor([1e-6], dtype=F64)  # x + sin^2(ax)/a = x + a x^2 - ...
    torch.testing.assert_close(F.snake(x, tiny), x + 1e-6 * x * x, rtol=1e-15, atol=1e-15)


def test_snake_module_as_bigvgan() -> None:
    m = actlab.nn.Snake(3, alpha=0.5)
    assert set(m.state_dict()) == {"alpha"} and m.alpha.shape == (3,)
    x = _x(2, 3, 10)
    torch.testing.assert_close(m(x), bigvgan_snake(x, m.alpha.detach().view(1, 3, 1)))
    with pytest.raises(ShapeError, match="channel count"):
        m(_x(2, 4, 10))


def test_snake_parameter_errors() -> None:
    with pytest.raises(TypeError, match="alpha must be a Tensor"):
        F.snake(torch.randn(2, 3), 1.0)
    with pytest.raises(ValueError, match="in_features"):
        actlab.nn.Snake(0)
