"""The learnable smooth catalog activations SinLU, SMU and xIELU (learnable_smooth.py, with the
rules of partials.py): gradients in x and the tensors in every mode (shared and per-channel),
modules and state dicts, limits at +-inf, kink conventions, and agreement with torch-activation
1.0.0 and with the papers' reference code written out literally."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as TF
from torch import Tensor
from torch.func import jacfwd, jacrev

import actlab
from actlab import functional as F
from actlab.activations import learnable_smooth
from catalog_checks import F64, check_gradients, declarations_in, derivatives_at, grid, ids, torch_activation

DECLS = declarations_in(learnable_smooth)
INF, NAN = math.inf, math.nan


def test_the_family_is_complete() -> None:
    assert ids(DECLS) == ["SinLU", "SMU", "xIELU"]


@pytest.mark.parametrize("decl", DECLS, ids=ids(DECLS))
def test_gradients_through_the_operator(decl) -> None:
    check_gradients(decl)


def _grads(fn, x: Tensor, *ws: Tensor) -> list[Tensor]:
    leaves = [t.detach().clone().requires_grad_() for t in (x, *ws)]
    y = fn(*leaves)
    return [y.detach(), *torch.autograd.grad(y.sum(), leaves)]


def test_modules_hold_learnable_tensors_per_channel() -> None:
    m = actlab.nn.SinLU(num_parameters=3)
    assert list(m.state_dict()) == ["alpha", "beta"] and m.alpha.shape == (3,) and m.alpha.requires_grad
    assert torch.equal(m.alpha.detach(), torch.ones(3)) and torch.equal(m.beta.detach(), torch.ones(3))
    smu = actlab.nn.SMU()
    assert smu.mu.item() == 1e6 and list(smu.state_dict()) == ["mu"]
    xielu = actlab.nn.xIELU()
    assert list(xielu.state_dict()) == ["alpha_p", "alpha_n"]  # the reference code's names and values
    assert TF.softplus(xielu.alpha_p).item() == pytest.approx(0.8) and 0.5 + TF.softplus(
        xielu.alpha_n
    ).item() == pytest.approx(0.8)
    x = torch.randn(2, 3, 4)
    y = m(x)
    y.sum().backward()
    assert m.alpha.grad.shape == (3,) and m.beta.grad.shape == (3,)


# ---- limits and special inputs ------------------------------------------------------------------------
def test_limits_at_infinity_and_nan() -> None:
    x = torch.tensor([-INF, INF, NAN], dtype=F64)
    w = torch.tensor(0.7, dtype=F64)
    y, gx, gmu = _grads(F.smu, x, w)
    assert y[:2].tolist() == [-INF, INF] and gx[:2].tolist() == [0.25, 1.0] and y[2].isnan()
    assert gmu.isnan()  # the NaN entry reaches the summed parameter gradient
    y, gx, gmu = _grads(F.smu, x[:2], w)
    assert gmu.item() == 0.0
    rp, rn = torch.tensor(0.3, dtype=F64), torch.tensor(-0.4, dtype=F64)
    y, gx, gp, gn = _grads(F.xielu, x[:2], rp, rn)
    an = 0.5 + TF.softplus(rn).item()
    assert y.tolist() == [INF, INF] and gx.tolist() == [pytest.approx(0.5 - an, rel=1e-15), INF]
    assert gp.item() == INF and gn.item() == INF
    a, b = torch.tensor(0.6, dtype=F64), torch.tensor(1.3, dtype=F64)
    y, gx, ga, gb = _grads(F.sinlu, x[:1], a, b)
    assert y.tolist() == [0.0] and gx.tolist() == [0.0] and ga.item() == 0.0 and gb.item() == 0.0
    assert F.sinlu(torch.tensor([INF], dtype=F64), a, b).item() == INF  # f'(+inf) oscillates: no limit


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


# ---- reference code ------------------------------------------------------------------------------
def xielu_reference(x: Tensor, alpha_p: Tensor, alpha_n: Tensor, beta: float = 0.5, eps: float = -1e-6) -> Tensor:
    """Huang & Schlag's xIELU (the reference implementation's Python path)."""
    ap = TF.softplus(alpha_p)
    an = beta + TF.softplus(alpha_n)
    return torch.where(
        x > 0, ap * x * x + beta * x, (torch.expm1(torch.min(x, torch.tensor(eps, dtype=x.dtype))) - x) * an + beta * x
    )


def smu_reference(x: Tensor, mu: Tensor, alpha: float = 0.25) -> Tensor:
    """Biswas et al.'s SMU (the official code)."""
    return ((1 + alpha) * x + (1 - alpha) * x * torch.erf(mu * (1 - alpha) * x)) / 2


def test_xielu_matches_the_reference_code() -> None:
    x = grid(-6.0, 4.0, kinks=(-1e-6, 0.0))
    for rp, rn in ((0.287, -1.05), (-0.5, 0.8)):
        ws = (torch.tensor([rp], dtype=F64), torch.tensor([rn], dtype=F64))
        for u, v in zip(_grads(F.xielu, x, *ws), _grads(xielu_reference, x, *ws)):
            torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mu", [0.7, 3.0, 1e6])
def test_smu_matches_the_official_code(mu: float) -> None:
    x = grid(-5.0, 5.0)
    w = torch.tensor(mu, dtype=F64)
    for u, v in zip(_grads(F.smu, x, w), _grads(smu_reference, x, w)):
        torch.testing.assert_close(u, v, rtol=1e-12, atol=1e-12)


TA = torch_activation()


def test_sinlu_agrees_with_torch_activation() -> None:
    theirs = TA.classical.sigmoid_weighted.SinLU(a=0.625, b=1.75).double()
    x = grid(-8.0, 8.0)
    ours = _grads(F.sinlu, x, torch.tensor(0.625, dtype=F64), torch.tensor(1.75, dtype=F64))
    xr = x.clone().requires_grad_()
    y = theirs(xr)
    ref = [y.detach(), *torch.autograd.grad(y.sum(), [xr, theirs.alpha, theirs.beta])]  # its Parameters
    for u, v in zip(ours, ref):
        torch.testing.assert_close(u, v.reshape(u.shape), rtol=1e-12, atol=1e-12)


def test_smu_agrees_with_torch_activation() -> None:
    theirs = TA.adaptive.relu.SMU(a=0.25, b=2.5, learnable=True).double()
    x = grid(-5.0, 5.0)
    ours = _grads(F.smu, x, torch.tensor(2.5, dtype=F64))
    xr = x.clone().requires_grad_()
    y = theirs(xr)
    ref = [y.detach(), *torch.autograd.grad(y.sum(), [xr, theirs.b])]
    for u, v in zip(ours, ref):
        torch.testing.assert_close(u, v.reshape(u.shape), rtol=1e-12, atol=1e-12)
