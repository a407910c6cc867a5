"""Sparsemax and 1.5-entmax (src/actlab/activations/sparse.py): forward and first derivative
as the ``entmax`` package, first and second derivatives by gradcheck/gradgradcheck (where the
package's entmax15 fails), exact zeros and the simplex, and +-inf / NaN / 0-d / empty input."""

from __future__ import annotations

import math

import entmax
import pytest
import torch
from torch import Tensor

import actlab
from actlab import functional as F
from actlab.spec import Normalizer

F64 = torch.float64
INF, NAN = float("inf"), float("nan")
OURS = {"sparsemax": F.sparsemax, "entmax15": F.entmax15}
PACKAGE = {"sparsemax": entmax.sparsemax, "entmax15": entmax.entmax15}
NAMES = list(OURS)


def _x(*shape: int, scale: float = 2.0, seed: int = 0) -> Tensor:
    return scale * torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", NAMES)
def test_forward_and_backward_match_the_entmax_package(name: str, dim: int) -> None:
    x = _x(6, 7, 5)
    ours, ref = x.clone().requires_grad_(), x.clone().requires_grad_()
    y, yr = OURS[name](ours, dim=dim), PACKAGE[name](ref, dim=dim)
    torch.testing.assert_close(y, yr, rtol=1e-12, atol=1e-14)
    assert torch.equal(y == 0, yr == 0)  # the same supports
    g = _x(*y.shape, seed=1)
    (gy,), (gr,) = torch.autograd.grad(y, ours, g), torch.autograd.grad(yr, ref, g)
    torch.testing.assert_close(gy, gr, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name, bound, vs_package", [("sparsemax", 1e-7, 1.5), ("entmax15", 2e-7, 0.6)])
def test_float32_forward_accuracy(name: str, bound: float, vs_package: float) -> None:
    """Max abs error in float32 against float64 on the same inputs (rows of 200, wide supports):
    entmax15's two-pass threshold is 2-4x more accurate than the package's cumulative sums."""
    x = (_x(300, 200, scale=1.0, seed=2) + 100.0).float()
    truth = OURS[name](x.double())
    ours = (OURS[name](x).double() - truth).abs().max().item()
    theirs = (PACKAGE[name](x).double() - truth).abs().max().item()
    assert ours < bound and ours <= vs_package * theirs, (ours, theirs)


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_and_gradgradcheck(name: str, dim: int) -> None:
    x = _x(4, 5).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: OURS[name](t, dim=dim), (x,))
    assert torch.autograd.gradgradcheck(lambda t: OURS[name](t, dim=dim), (x,))


def test_entmax_package_entmax15_fails_gradgradcheck_ours_passes() -> None:
    """entmax 1.3 differentiates its backward through sqrt(y) at y = 0 (off the support)."""
    x = _x(3, 5).requires_grad_()
    assert not torch.autograd.gradgradcheck(lambda t: entmax.entmax15(t, dim=-1), (x,), raise_exception=False)
    assert torch.autograd.gradgradcheck(lambda t: F.entmax15(t, dim=-1), (x,))


def test_sparsemax_second_derivative_is_zero() -> None:
    """J is constant on a support: d/dx <v, J^T g> = 0, while d/dg = J v."""
    x = _x(3, 6).requires_grad_()
    g = _x(3, 6, seed=1).requires_grad_()
    v = _x(3, 6, seed=2)
    y = F.sparsemax(x, dim=-1)
    (jg,) = torch.autograd.grad(y, x, g, create_graph=True)
    dx, dg = torch.autograd.grad((jg * v).sum(), (x, g))
    assert torch.equal(dx, torch.zeros_like(x))
    s = (y > 0).to(F64)
    expected = s * (v - (v * s).sum(-1, keepdim=True) / s.sum(-1, keepdim=True))
    torch.testing.assert_close(dg, expected, rtol=1e-14, atol=1e-15)


def test_entmax15_hessian_vector_product_by_finite_differences() -> None:
    """d/dx <v, J(x)^T g> against central differences of the first derivative."""
    x, g, v = _x(2, 6), _x(2, 6, seed=1), _x(2, 6, seed=2)

    def jtg(t: Tensor) -> Tensor:
        t = t.clone().requires_grad_()
        return torch.autograd.grad(F.entmax15(t, dim=-1), t, g)[0]

    xr = x.clone().requires_grad_()
    (jg,) = torch.autograd.grad(F.entmax15(xr, dim=-1), xr, g, create_graph=True)
    (hv,) = torch.autograd.grad((jg * v).sum(), xr)
    h = 1e-6
    for i in range(x.numel()):
        e = torch.zeros(x.numel(), dtype=F64)
        e[i] = h
        e = e.view_as(x)
        fd = ((jtg(x + e) - jtg(x - e)) * v).sum() / (2 * h)
        assert hv.view(-1)[i].item() == pytest.approx(fd.item(), rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_simplex_exact_zeros_and_shift_invariance(name: str) -> None:
    x = _x(50, 9, scale=3.0)
    y = OURS[name](x)
    torch.testing.assert_close(y.sum(-1), torch.ones(50, dtype=F64), rtol=0, atol=1e-14)
    assert (y >= 0).all() and (y == 0).any()
    torch.testing.assert_close(OURS[name](x + 1e3), y, rtol=0, atol=1e-12)


def test_closed_forms_for_two_entries() -> None:
    """sparsemax([t, 0]) = [clip((t + 1)/2, 0, 1), ...]; entmax15([t, 0]) with
    u1 - u2 = t/2, u1^2 + u2^2 = 1 inside the support."""
    t = torch.tensor([-3.0, -1.0, 0.3, 1.9, 2.5], dtype=F64)
    x = torch.stack([t, torch.zeros_like(t)], -1)
    torch.testing.assert_close(F.sparsemax(x)[:, 0], ((t + 1) / 2).clamp(0, 1), rtol=0, atol=1e-15)
    d = t / 2
    u1 = (d + torch.sqrt(2 - d * d)) / 2  # from u1 - u2 = d, u1^2 + u2^2 = 1
    expected = torch.where(d.abs() < 1, u1 * u1, (d > 0).to(F64))
    torch.testing.assert_close(F.entmax15(x)[:, 0], expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_infinite_and_nan_inputs(name: str) -> None:
    fn = OURS[name]
    x = torch.tensor([[1.0, -INF, 0.5, -INF], [INF, 0.0, INF, 3.0], [NAN, 1.0, 2.0, 3.0]], dtype=F64)
    xs = x.clone().requires_grad_()
    y = fn(xs, dim=-1)
    assert y[0, 1].item() == 0.0 and y[0, 3].item() == 0.0
    torch.testing.assert_close(y[0, [0, 2]], fn(torch.tensor([1.0, 0.5], dtype=F64)))
    limit = torch.tensor([0.5, 0.0, 0.5, 0.0], dtype=F64)  # uniform over the +inf entries
    torch.testing.assert_close(y[1], limit, rtol=0, atol=1e-15)
    assert all(math.isnan(v) for v in y[2].tolist())
    g = torch.tensor([[1.0, 2.0, -1.0, 0.5], [1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0]], dtype=F64)
    (gx,) = torch.autograd.grad(y, xs, g)
    assert torch.isfinite(gx[:2]).all()
    assert gx[0, 1].item() == 0.0 and gx[0, 3].item() == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_0d_empty_dtypes_and_errors(name: str) -> None:
    fn = OURS[name]
    x0 = torch.tensor(0.7, dtype=F64, requires_grad=True)
    y0 = fn(x0)
    assert y0.shape == () and y0.item() == 1.0
    assert torch.autograd.grad(y0, x0)[0].item() == 0.0
    assert fn(torch.empty(0, 4)).shape == (0, 4) and fn(torch.empty(3, 0)).shape == (3, 0)
    for dt in (torch.float32, torch.bfloat16, torch.float16):
        y = fn(torch.randn(3, 5).to(dt))
        assert y.dtype == dt
    with pytest.raises(TypeError, match="floating-point"):
        fn(torch.arange(4))
    with pytest.raises(TypeError, match="dim"):
        fn(torch.randn(3), dim=None)
    with pytest.raises(IndexError):
        fn(torch.randn(3), dim=2)


@pytest.mark.parametrize("name", ["Sparsemax", "Entmax15"])
def test_modules_and_registry(name: str) -> None:
    decl = actlab.spec(name)
    m = actlab.get(name, dim=0)
    assert isinstance(m, decl.module_class) and m.dim == 0 and repr(m) == f"{name}(dim=0, k=None)"
    x = _x(4, 3)
    torch.testing.assert_close(m(x), OURS[decl.function](x, dim=0))
    assert issubclass(decl, Normalizer) and decl.torch_name is None and decl.function in F.__all__
