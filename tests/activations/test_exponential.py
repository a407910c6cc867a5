"""The exponential family's catalog members (activations/exponential.py): Squareplus, the learnable
xIELU and SchNet's shifted softplus. Gradients in every mode, extremal inputs against the 128-bit
reference, kink conventions, the forms that keep their tails (Squareplus for large negative x, the
shifted softplus at its zero), and agreement with the reference code written out literally."""

from __future__ import annotations

import math
import random

import pytest
import torch
import torch.nn.functional as TF
from torch import Tensor
from torch.func import jacfwd, jacrev

import actlab
from actlab import functional as F
from actlab.errors import ParameterError
from actlab.kinds import Elementwise
from catalog_checks import F64, catalog, check_extremes, check_gradients, derivatives_at, grid, ids, value_and_grad
from gradcases import sample_params

DECLS = catalog("exponential")
ELEMENTWISE = [d for d in DECLS if issubclass(d, Elementwise)]
INF, NAN = math.inf, math.nan


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == ["Squareplus", "xIELU", "ShiftedSoftplus"]


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


@pytest.mark.parametrize("decl", ELEMENTWISE, ids=ids(ELEMENTWISE))
def test_extremal_inputs(decl) -> None:
    check_extremes(decl)
    if decl.params:
        check_extremes(decl, sample_params(decl, random.Random(2)))


def _grads(fn, x: Tensor, *ws: Tensor) -> list[Tensor]:
    leaves = [t.detach().clone().requires_grad_() for t in (x, *ws)]
    y = fn(*leaves)
    return [y.detach(), *torch.autograd.grad(y.sum(), leaves)]


# ---- the published code, written literally ------------------------------------------------------------
def barron_squareplus(x: Tensor, b: float) -> Tensor:
    return (x + torch.sqrt(x * x + b)) / 2


def xielu_reference(x: Tensor, alpha_p: Tensor, alpha_n: Tensor, beta: float = 0.5, eps: float = -1e-6) -> Tensor:
    """Huang & Schlag's xIELU (the reference implementation's Python path)."""
    ap = TF.softplus(alpha_p)
    an = beta + TF.softplus(alpha_n)
    return torch.where(
        x > 0, ap * x * x + beta * x, (torch.expm1(torch.min(x, torch.tensor(eps, dtype=x.dtype))) - x) * an + beta * x
    )


def schnet_ssp(x: Tensor) -> Tensor:
    """SchNet's shifted softplus (schnetpack): softplus(x) - log 2."""
    return TF.softplus(x) - math.log(2.0)


# ---- Squareplus ---------------------------------------------------------------------------------------
def test_squareplus_matches_barron_and_its_autograd() -> None:
    x = torch.linspace(-7, 7, 1401, dtype=F64) + 1e-4
    ours, ref = x.clone().requires_grad_(), x.clone().requires_grad_()
    y, yr = F.squareplus(ours), barron_squareplus(ref, 4.0)
    torch.testing.assert_close(y, yr, rtol=1e-13, atol=1e-15)
    (g,) = torch.autograd.grad(y.sum(), ours, create_graph=True)
    (gr,) = torch.autograd.grad(yr.sum(), ref, create_graph=True)
    torch.testing.assert_close(g, gr, rtol=1e-11, atol=1e-13)
    torch.testing.assert_close(
        torch.autograd.grad(g.sum(), ours)[0], torch.autograd.grad(gr.sum(), ref)[0], rtol=1e-9, atol=1e-12
    )


@pytest.mark.parametrize("b", [0.25, 4.0, 50.0])
def test_squareplus_gradcheck_over_b(b: float) -> None:
    x = (5.0 * torch.randn(9, generator=torch.Generator().manual_seed(0), dtype=F64)).requires_grad_()
    assert torch.autograd.gradgradcheck(lambda t: F.squareplus(t, b), (x,))


def test_squareplus_has_no_cancellation_for_large_negative_x() -> None:
    """(x + sqrt(x^2 + b))/2 is 0 in float32 for x < -4e3; b / (2(s - x)) ~ b / (4|x|) is exact."""
    import mpmath

    x = torch.tensor([-30.0, -1e4, -1e8, -1e30], dtype=torch.float32)
    with mpmath.workprec(400):  # x + s cancels 2 log2(|x|) bits
        truth = torch.tensor([float((v + mpmath.sqrt(mpmath.mpf(v) ** 2 + 4)) / 2) for v in x.tolist()], dtype=F64)
    ours = F.squareplus(x)
    assert barron_squareplus(x, 4.0)[1].item() == 0.0  # the literal form in float32
    torch.testing.assert_close(ours.double(), truth, rtol=2e-7, atol=0)
    with pytest.raises(ParameterError, match="b must be"):
        F.squareplus(torch.randn(3), b=0.0)


# ---- xIELU ---------------------------------------------------------------------------------------------
def test_xielu_module_holds_the_reference_codes_tensors() -> None:
    xielu = actlab.nn.xIELU()
    assert list(xielu.state_dict()) == ["alpha_p", "alpha_n"]  # the reference code's names and values
    assert TF.softplus(xielu.alpha_p).item() == pytest.approx(0.8) and 0.5 + TF.softplus(
        xielu.alpha_n
    ).item() == pytest.approx(0.8)


def test_xielu_limits_at_infinity() -> None:
    x = torch.tensor([-INF, INF], dtype=F64)
    rp, rn = torch.tensor(0.3, dtype=F64), torch.tensor(-0.4, dtype=F64)
    y, gx, gp, gn = _grads(F.xielu, x, rp, rn)
    an = 0.5 + TF.softplus(rn).item()
    assert y.tolist() == [INF, INF] and gx.tolist() == [pytest.approx(0.5 - an, rel=1e-15), INF]
    assert gp.item() == INF and gn.item() == INF


def test_xielu_kink_conventions() -> None:
    """df/dx and d2f/dx2 at eps and 0 by reverse mode, forward mode and forward-over-reverse
    (jacfwd(jacfwd) of a learnable op is 0 in the operator layer: reported, not used here)."""
    rp, rn = 0.3, -0.4
    an = 0.5 + math.log1p(math.exp(rn))
    ws = (torch.tensor(rp, dtype=F64), torch.tensor(rn, dtype=F64))
    for x, d1, d2 in ((-1e-6, an * math.expm1(-1e-6) + 0.5, an * math.exp(-1e-6)), (0.0, 0.5 - an, 0.0)):
        t = torch.tensor([x], dtype=F64)
        r1, r2, _, _ = derivatives_at(lambda u: F.xielu(u, *ws), x)
        f1 = jacfwd(lambda u: F.xielu(u, *ws))(t).item()
        f2 = jacfwd(jacrev(lambda u: F.xielu(u, *ws)))(t).item()
        assert r1 == pytest.approx(d1, rel=1e-15) and f1 == r1
        assert r2 == pytest.approx(d2, rel=1e-15, abs=0) and f2 == r2


def test_xielu_matches_the_reference_code() -> None:
    x = grid(-6.0, 4.0, kinks=(-1e-6, 0.0))
    for rp, rn in ((0.287, -1.05), (-0.5, 0.8)):
        ws = (torch.tensor([rp], dtype=F64), torch.tensor([rn], dtype=F64))
        for u, v in zip(_grads(F.xielu, x, *ws), _grads(xielu_reference, x, *ws)):
            torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-12)


# ---- the shifted softplus ------------------------------------------------------------------------------
def test_shifted_softplus_matches_schnet() -> None:
    x = grid(-8.0, 8.0)
    for u, v in zip(value_and_grad(F.shifted_softplus, x), value_and_grad(schnet_ssp, x)):
        torch.testing.assert_close(u, v, rtol=1e-9, atol=1e-15)


def test_shifted_softplus_keeps_relative_accuracy_at_its_zero() -> None:
    x = torch.tensor([1e-8, -3e-30, 1e-40], dtype=torch.float32)
    torch.testing.assert_close(F.shifted_softplus(x), x / 2, rtol=1e-6, atol=0)
    assert schnet_ssp(x)[1].item() == 0.0  # the literal form cancels to 0
