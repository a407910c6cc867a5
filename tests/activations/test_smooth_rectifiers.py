"""SmeLU, the shifted softplus and NLReLU (smooth_rectifiers.py): gradients in every mode,
extremal inputs, kink conventions, and agreement with the reference code (SmeLU's, SchNet's)
and torch-activation 1.0.0."""

from __future__ import annotations

import math
import random

import pytest
import torch
import torch.nn.functional as TF
from torch import Tensor

from actlab import functional as F
from actlab.activations import smooth_rectifiers
from catalog_checks import (
    check_extremes,
    check_gradients,
    declarations_in,
    derivatives_at,
    grid,
    ids,
    torch_activation,
    value_and_grad,
)
from gradcases import sample_params

DECLS = declarations_in(smooth_rectifiers)


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == ["SmeLU", "ShiftedSoftplus", "NLReLU"]


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_extremal_inputs(decl) -> None:
    check_extremes(decl)
    if decl.params:
        check_extremes(decl, sample_params(decl, random.Random(2)))


KINKS = [
    ("smelu", {"beta": 1.5}, -1.5, 0.0, 1 / 3),
    ("smelu", {"beta": 1.5}, 1.5, 1.0, 1 / 3),
    ("nlrelu", {"beta": 2.0}, 0.0, 0.0, 0.0),
]


@pytest.mark.parametrize("fn, p, x, d1, d2", KINKS, ids=[f"{k[0]}@{k[2]:g}" for k in KINKS])
def test_kink_conventions_in_reverse_and_forward_mode(fn: str, p: dict, x: float, d1: float, d2: float) -> None:
    r1, r2, f1, f2 = derivatives_at(lambda t: getattr(F, fn)(t, **p), x)
    assert (r1, f1) == (d1, d1) and r2 == pytest.approx(d2, rel=1e-15) and f2 == r2


def smelu_reference(x: Tensor, beta: float) -> Tensor:
    """Shamir et al.'s SmeLU as the published PyTorch code writes it."""
    out = torch.where(x >= beta, x, torch.zeros_like(x))
    return torch.where(torch.abs(x) <= beta, ((x + beta) ** 2) / (4.0 * beta), out)


def schnet_ssp(x: Tensor) -> Tensor:
    """SchNet's shifted softplus (schnetpack): softplus(x) - log 2."""
    return TF.softplus(x) - math.log(2.0)


def test_reference_code() -> None:
    for beta in (0.5, 2.0):
        x = grid(-5.0, 5.0, kinks=(-beta, beta))
        for u, v in zip(
            value_and_grad(lambda t, b=beta: F.smelu(t, b), x),
            value_and_grad(lambda t, b=beta: smelu_reference(t, b), x),
        ):
            torch.testing.assert_close(u, v, rtol=1e-13, atol=1e-15)
    x = grid(-8.0, 8.0)
    for u, v in zip(value_and_grad(F.shifted_softplus, x), value_and_grad(schnet_ssp, x)):
        torch.testing.assert_close(u, v, rtol=1e-9, atol=1e-15)


def test_shifted_softplus_keeps_relative_accuracy_at_its_zero() -> None:
    x = torch.tensor([1e-8, -3e-30, 1e-40], dtype=torch.float32)
    torch.testing.assert_close(F.shifted_softplus(x), x / 2, rtol=1e-6, atol=0)
    assert schnet_ssp(x)[1].item() == 0.0  # the literal form cancels to 0


def test_nlrelu_agrees_with_torch_activation() -> None:
    x = grid(-4.0, 8.0, kinks=(0.0,))
    for beta in (1.0, 2.5):
        theirs = torch_activation().classical.relu.NLReLU(a=beta)
        for u, v in zip(value_and_grad(lambda t, b=beta: F.nlrelu(t, b), x), value_and_grad(theirs, x)):
            torch.testing.assert_close(u, v, rtol=1e-13, atol=1e-15)
