"""The Gaussian bump and MEGA's Laplace function (radial.py): gradients in every mode, extremal
inputs, MEGA's constants, and agreement with the reference code (fairseq's MEGA), whose
1/2(1 + erf) form loses the left tail that the erfc form keeps."""

from __future__ import annotations

import math

import pytest
import torch
from torch import Tensor

import actlab
from actlab import functional as F
from catalog_checks import F64, catalog, check_extremes, check_gradients, grid, ids, value_and_grad
from gradcases import sample_params

DECLS = catalog("radial")


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == ["Gaussian", "Laplace"]


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_extremal_inputs(decl) -> None:
    import random

    check_extremes(decl)
    check_extremes(decl, sample_params(decl, random.Random(3)))


def mega_laplace(x: Tensor, mu: float = 0.707107, sigma: float = 0.282095) -> Tensor:
    """fairseq's MEGA laplace (its constants rounded to 6 digits)."""
    x = (x - mu).div(sigma * math.sqrt(2.0))
    return 0.5 * (1.0 + torch.erf(x))


def test_mega_constants_and_reference_code() -> None:
    m = actlab.nn.Laplace()
    assert m.mu == pytest.approx(math.sqrt(0.5), rel=1e-15) and m.sigma == pytest.approx(
        1 / math.sqrt(4 * math.pi), rel=1e-15
    )
    x = grid(-1.0, 3.0)
    ours = value_and_grad(lambda t: F.laplace(t, 0.707107, 0.282095), x)
    for u, v in zip(ours, value_and_grad(mega_laplace, x)):
        torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-15)
    tail = torch.tensor([-1.0], dtype=F64)  # Phi(-6.05): 1/2(1 + erf) keeps ~3 digits in float32
    ours32, ref32 = (
        F.laplace(tail.float()).double(),
        mega_laplace(tail.float(), math.sqrt(0.5), 1 / math.sqrt(4 * math.pi)).double(),
    )
    exact = F.laplace(tail)
    assert abs(ours32 - exact) / exact < 1e-6 < abs(ref32 - exact) / exact


def test_gaussian_definition() -> None:
    x = grid(-6.0, 6.0)
    for s in (0.3, 1.0, 2.0):
        ref = lambda t, s=s: torch.exp(-(t * t) / (2 * s * s))  # noqa: E731
        for u, v in zip(value_and_grad(lambda t, s=s: F.gaussian(t, s), x), value_and_grad(ref, x)):
            torch.testing.assert_close(u, v, rtol=1e-13, atol=1e-300)
