"""Fenchel-Young losses (actlab.losses, actlab.nn.*Loss): the entmax package's values and gradients,
gradient p - e_y, second derivatives through the projections (alpha included), reductions."""

from __future__ import annotations

import entmax
import pytest
import torch

import actlab.nn as anm
from actlab import functional as F
from actlab.errors import ShapeError

F64 = torch.float64
GEN = torch.Generator().manual_seed(0)
X = torch.randn(5, 8, dtype=F64, generator=GEN)
Y = torch.randint(0, 8, (5,), generator=GEN)
PAIRS = [
    (lambda: anm.SparsemaxLoss(reduction="none"), lambda: entmax.SparsemaxLoss(reduction="none")),
    (lambda: anm.SparsemaxLoss(k=2, reduction="none"), lambda: entmax.SparsemaxLoss(k=2, reduction="none")),
    (lambda: anm.Entmax15Loss(reduction="none"), lambda: entmax.Entmax15Loss(reduction="none")),
    (lambda: anm.Entmax15Loss(k=2, reduction="none"), lambda: entmax.Entmax15Loss(k=2, reduction="none")),
    (lambda: anm.EntmaxBisectLoss(1.3, reduction="none"), lambda: entmax.EntmaxBisectLoss(1.3, reduction="none")),
]


@pytest.mark.parametrize("pair", PAIRS, ids=["sparsemax", "sparsemax-k2", "entmax15", "entmax15-k2", "bisect"])
def test_values_and_gradients_match_the_package(pair) -> None:
    ours, theirs = pair[0](), pair[1]()
    x = X.clone().requires_grad_()
    a, b = ours(x, Y), theirs(x, Y)
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)
    assert (a >= 0).all()
    (ga,) = torch.autograd.grad(a.sum(), x)
    (gb,) = torch.autograd.grad(b.sum(), x)
    torch.testing.assert_close(ga, gb, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["sparsemax", "entmax15"])
def test_gradient_is_prediction_minus_target_and_hessian_its_jacobian(name: str) -> None:
    loss, proj = getattr(F, f"{name}_loss"), getattr(F, name)
    x = X.clone().requires_grad_()
    (g,) = torch.autograd.grad(loss(x, Y).sum(), x, create_graph=True)
    torch.testing.assert_close(g, proj(X) - torch.nn.functional.one_hot(Y, 8).to(F64))
    hvp = torch.autograd.grad((g * X).sum(), x)[0]
    (jvp,) = torch.autograd.grad(proj(x), x, X)  # J^T X = J X (J symmetric)
    torch.testing.assert_close(hvp, jvp)
    assert torch.autograd.gradgradcheck(lambda t: loss(t, Y), (x,), check_fwd_over_rev=True)


def test_learnable_alpha_gradients() -> None:
    """dL/dalpha = dH_alpha/dalpha (envelope), against differences; second derivatives by gradgradcheck."""
    a = torch.tensor(1.4, dtype=F64, requires_grad=True)
    (ga,) = torch.autograd.grad(F.entmax_bisect_loss(X, Y, a).sum(), a)
    h = 1e-6
    fd = (F.entmax_bisect_loss(X, Y, 1.4 + h).sum() - F.entmax_bisect_loss(X, Y, 1.4 - h).sum()) / (2 * h)
    torch.testing.assert_close(ga, fd, rtol=1e-6, atol=1e-9)
    rows = torch.linspace(1.2, 2.2, 5, dtype=F64).requires_grad_()
    x = X.clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda t, r: F.entmax_bisect_loss(t, Y, r), (x, rows), check_forward_ad=True)
    assert torch.autograd.gradgradcheck(lambda t, r: F.entmax_bisect_loss(t, Y, r), (x, rows), check_fwd_over_rev=True)
    m = anm.EntmaxBisectLoss(torch.nn.Parameter(torch.tensor(1.5, dtype=F64)))
    m(X, Y).backward()
    assert m.alpha.grad is not None


@pytest.mark.parametrize("reduction", ["elementwise_mean", "sum", "none"])
def test_reductions_and_ignore_index_as_the_package(reduction: str) -> None:
    for ignore in (-100, int(Y[0])):
        ours = anm.Entmax15Loss(ignore_index=ignore, reduction=reduction)(X, Y)
        theirs = entmax.Entmax15Loss(ignore_index=ignore, reduction=reduction)(X, Y)
        torch.testing.assert_close(ours, theirs)


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="reduction"):
        anm.SparsemaxLoss(reduction="avg")
    with pytest.raises(ShapeError, match="targets"):
        F.sparsemax_loss(X, Y.double())
    with pytest.raises(ShapeError, match="scores"):
        F.entmax15_loss(X[0], Y[:1])
