"""GCU, Sine (SIREN) and Sinc (periodic.py): gradients in every mode, extremal inputs (no limit
at +-inf for GCU and Sine: NaN, as the reference; Sinc -> 0), the series branch of Sinc's
derivatives, and agreement with the published definitions and torch-activation 1.0.0."""

from __future__ import annotations

import math

import pytest
import torch

import actlab
from actlab import functional as F
from actlab.activations import periodic
from catalog_checks import (
    F64,
    check_extremes,
    check_gradients,
    declarations_in,
    grid,
    ids,
    torch_activation,
    value_and_grad,
)

DECLS = declarations_in(periodic)
INF, NAN = math.inf, math.nan


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == ["GCU", "Sine", "Sinc"]


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
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
    decl = actlab.spec("Sinc")
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
