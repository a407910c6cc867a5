"""symlog and symexp (the logarithmic family, activations/logarithmic.py): gradients in every mode,
extremal inputs, the kink convention at 0, inverse of each other, DreamerV3's definitions and
torch-activation's Symexp."""

from __future__ import annotations

import math

import pytest
import torch

from actlab import functional as F
from catalog_checks import (
    F64,
    catalog,
    check_extremes,
    check_gradients,
    derivatives_at,
    grid,
    ids,
    torch_activation,
    value_and_grad,
)

DECLS = catalog("logarithmic")


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == ["Symlog", "Symexp"]


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_extremal_inputs(decl) -> None:
    check_extremes(decl)


@pytest.mark.parametrize("fn", ["symlog", "symexp"])
def test_kink_at_zero(fn: str) -> None:
    assert derivatives_at(getattr(F, fn), 0.0) == (1.0, 0.0, 1.0, 0.0)
    y = getattr(F, fn)(torch.tensor([-0.0]))
    assert y.item() == 0.0 and math.copysign(1.0, y.item()) == -1.0  # the sign of zero is kept


def test_inverse_of_each_other_and_dreamer_definitions() -> None:
    x = grid(-40.0, 40.0, kinks=(0.0,))
    torch.testing.assert_close(F.symexp(F.symlog(x)), x, rtol=1e-14, atol=0)
    dreamer = [
        (F.symlog, lambda t: torch.sign(t) * torch.log(1 + torch.abs(t))),
        (F.symexp, lambda t: torch.sign(t) * (torch.exp(torch.abs(t)) - 1)),
    ]
    for ours, ref in dreamer:
        for u, v in zip(value_and_grad(ours, x), value_and_grad(ref, x)):
            torch.testing.assert_close(u, v, rtol=1e-13, atol=1e-15)
    tiny = torch.tensor([1e-20], dtype=F64)
    assert F.symlog(tiny).item() == 1e-20 and F.symexp(tiny).item() == 1e-20  # log(1 + x), exp(x) - 1 lose them


def test_torch_activation_symexp() -> None:
    """Same function below |x| = 88; there torch-activation clamps the exponent (a finite 1.65e38
    at x = 100 in float64, where the value is 2.7e43)."""
    ta = torch_activation().classical.exp.Symexp()
    x = grid(-30.0, 30.0, kinks=(0.0,))
    for u, v in zip(value_and_grad(F.symexp, x), value_and_grad(ta, x)):
        torch.testing.assert_close(u, v, rtol=1e-13, atol=1e-15)
    far = torch.tensor([100.0], dtype=F64)
    assert ta(far).item() == pytest.approx(math.expm1(88.0)) and F.symexp(far).item() == pytest.approx(
        math.expm1(100.0)
    )
