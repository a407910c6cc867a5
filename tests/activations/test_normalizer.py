"""The normalizer family's catalog members (activations/normalizer.py): Sparsemax and 1.5-entmax
(forward and first derivative as the ``entmax`` package, first and second derivatives by
gradcheck/gradgradcheck where the package's entmax15 fails, exact zeros and the simplex, +-inf / NaN /
0-d / empty input); alpha-entmax by bisection (exactness at alpha = 1.5 and 2, the softmax limit, the
learnable alpha's first and second derivatives, the top-k / threshold helpers, clear errors; the
entmax package's own tests with actlab in place); SoLU and timm's RadixSoftmax. torch.nn's softmax
family is tested against torch (tests/test_functional.py, tests/ops, tests/native)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import entmax
import pytest
import torch
from torch import Tensor
from torch.func import jacfwd, jacrev

import actlab
from actlab import functional as F
from actlab.activations.normalizer import alpha_direction
from actlab.errors import ParameterError, ShapeError
from actlab.kinds import Normalizer

# ==== Sparsemax and 1.5-entmax ===========================================================================
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
    decl = actlab.declaration(name)
    m = actlab.get(name, dim=0)
    assert isinstance(m, decl.module_class) and m.dim == 0 and repr(m) == f"{name}(dim=0, k=None)"
    x = _x(4, 3)
    torch.testing.assert_close(m(x), OURS[decl.function](x, dim=0))
    assert issubclass(decl, Normalizer) and not decl.in_torch and decl.function in F.__all__


# ==== alpha-entmax by bisection ==========================================================================
EPS = torch.finfo(F64).eps


def test_float64_exact_at_one_and_a_half_and_two() -> None:
    """alpha = 1.5 is Entmax15 and alpha = 2 Sparsemax to a few float64 epsilons (the sort-based maps)."""
    x = _x(64, 9)
    assert (F.entmax_bisect(x, 1.5) - F.entmax15(x)).abs().max() <= 4 * EPS
    assert (F.entmax_bisect(x, 2.0) - F.sparsemax(x)).abs().max() <= 4 * EPS
    y = F.entmax_bisect(x, 1.5)
    assert ((F.entmax15(x) == 0) == (y == 0)).all()  # the same support
    assert (y.sum(-1) - 1).abs().max() <= 2 * EPS


@pytest.mark.parametrize("alpha", [1 + 1e-4, 1 - 1e-4])
def test_tends_to_softmax_as_alpha_tends_to_one(alpha: float) -> None:
    x = _x(8, 7, seed=1)
    gap = (F.entmax_bisect(x, alpha) - torch.softmax(x, -1)).abs().max()
    assert gap < 5e-4  # O(alpha - 1); the log1p form has no cancellation as alpha -> 1
    assert gap > 0


@pytest.mark.parametrize("alpha", [0.5, 1.25, 1.5, 1.75, 2.0, 3.0])
def test_values_and_gradients_match_the_entmax_package(alpha: float) -> None:
    x = _x(6, 11, seed=2).requires_grad_()
    a = torch.tensor(alpha, dtype=F64, requires_grad=True)
    ours, theirs = F.entmax_bisect(x, a), entmax.entmax_bisect(x, a)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-12)
    w = torch.linspace(-1, 1, 66, dtype=F64).reshape(6, 11)
    g1 = torch.autograd.grad((ours * w).sum(), (x, a))
    g2 = torch.autograd.grad((theirs * w).sum(), (x, a))
    for u, v in zip(g1, g2):
        torch.testing.assert_close(u, v, rtol=1e-9, atol=1e-11)


def test_one_alpha_per_row_along_any_dim() -> None:
    x = _x(3, 5, 4, seed=3)
    alpha = 1.1 + torch.rand(3, 1, 4, dtype=F64, generator=torch.Generator().manual_seed(3))
    y = F.entmax_bisect(x, alpha, dim=1)
    for i in range(3):
        for j in range(4):
            torch.testing.assert_close(y[i, :, j], F.entmax_bisect(x[i, :, j], alpha[i, 0, j].item(), dim=0))
    with pytest.raises(ValueError, match="size 1 along dim"):
        F.entmax_bisect(x, torch.full((3, 5, 4), 1.5, dtype=F64), dim=1)


def test_alpha_gradient_and_its_derivatives() -> None:
    """d y/d alpha against central differences, and the full second derivatives (alpha included)."""
    x = _x(3, 6, seed=4)
    for alpha in (1.2, 1.5, 2.5):
        h = 1e-6
        fd = (F.entmax_bisect(x, alpha + h) - F.entmax_bisect(x, alpha - h)) / (2 * h)
        y = F.entmax_bisect(x, alpha)
        v = alpha_direction(y, torch.tensor(alpha - 1.0, dtype=F64), -1)
        torch.testing.assert_close(v, fd, rtol=1e-5, atol=1e-8)
    a = torch.tensor([[1.3], [1.7], [2.4]], dtype=F64, requires_grad=True)
    xr = x.clone().requires_grad_()
    assert torch.autograd.gradcheck(F.entmax_bisect, (xr, a), check_forward_ad=True)
    assert torch.autograd.gradgradcheck(F.entmax_bisect, (xr, a), check_fwd_over_rev=True)


def test_alpha_derivative_has_no_cancellation_near_one() -> None:
    """The closed form (y - s/U)/beta^2 - ... cancels as alpha -> 1; the stable form tends to the
    softmax limit -y/2 (log^2 y - <log^2 y>) smoothly."""
    x = _x(4, 5, seed=5, scale=1.0)
    y = torch.softmax(x, -1)
    ell = torch.log(y)
    limit = -0.5 * y * (ell * ell - (y * ell * ell).sum(-1, keepdim=True))
    for beta in (1e-3, 1e-6, 1e-9):
        b = torch.tensor(beta, dtype=F64)
        v = alpha_direction(F.entmax_bisect(x, 1.0 + beta), b, -1)
        assert (v - limit).abs().max() < 20 * beta + 1e-12


def test_torch_func_and_the_learnable_module() -> None:
    x = _x(2, 5, seed=6)
    j1 = jacrev(lambda t: F.entmax_bisect(t, 1.4))(x)
    j2 = jacfwd(lambda t: F.entmax_bisect(t, 1.4))(x)
    torch.testing.assert_close(j1, j2, rtol=1e-9, atol=1e-12)
    m = actlab.get("EntmaxBisect", alpha=1.6, dim=-1).double()
    assert isinstance(m.alpha, torch.nn.Parameter) and list(m.state_dict()) == ["alpha"]
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    loss = (m(x) * torch.linspace(-1.0, 1.0, 5, dtype=F64)).sum()
    loss.backward()
    assert m.alpha.grad is not None and m.alpha.grad.abs() > 0
    opt.step()
    assert m.alpha.item() != 1.6


def test_masked_rows_and_extremes() -> None:
    """-inf entries get 0 and leave the rest as without them (the package's test_mask); +inf
    entries share the mass; NaN rows stay NaN."""
    x = _x(2, 6, seed=7)
    x[:, 3:] = float("-inf")
    for alpha in (1.25, 1.5, 2.0, 0.7):
        y = F.entmax_bisect(x, alpha)
        torch.testing.assert_close(y[:, :3], F.entmax_bisect(x[:, :3], alpha), rtol=0, atol=1e-15)
        assert (y[:, 3:] == 0).all()
    z = torch.tensor([[float("inf"), 1.0, float("inf")], [float("nan"), 0.0, 1.0]], dtype=F64)
    y = F.entmax_bisect(z, 1.5)
    assert y[0].tolist() == [0.5, 0.0, 0.5] and torch.isnan(y[1]).all()
    assert F.entmax_bisect(torch.tensor(3.0, dtype=F64), 1.5).item() == 1.0


def test_bad_alpha_is_a_clear_error() -> None:
    x = _x(2, 3)
    for bad in (1.0, 0.0, -0.5, float("nan")):
        with pytest.raises(ParameterError, match="alpha"):
            F.entmax_bisect(x, bad)
    with pytest.raises(ParameterError, match="alpha = 1 is softmax"):
        F.entmax_bisect(x, torch.tensor([[1.5], [1.0]], dtype=F64))
    with pytest.raises(ParameterError, match="n_iter"):
        F.entmax_bisect(x, 1.5, -1, 0)


@pytest.mark.parametrize("dim", [0, 1, 2])
@pytest.mark.parametrize("coef", [1e-5, 0.5, 1e4])
def test_top_k_thresholds_do_not_depend_on_k(dim: int, coef: float) -> None:
    """The entmax package's top-k tests against actlab's threshold helpers (bitwise), and
    the thresholds agree with the package's."""
    x = coef * _x(3, 4, 5, seed=dim, scale=1.0)
    for fn, pkg in (
        (F.sparsemax_threshold_and_support, entmax.activations._sparsemax_threshold_and_support),
        (F.entmax15_threshold_and_support, entmax.activations._entmax_threshold_and_support),
    ):
        t1, s1 = fn(x, dim=dim, k=None)
        for k in (1, 2, 5, 30):
            t2, s2 = fn(x, dim=dim, k=k)
            assert torch.equal(t1, t2) and torch.equal(s1, s2)
        tp, sp = pkg(x, dim=dim)
        assert torch.equal(s1, sp)
        torch.testing.assert_close(t1, tp, rtol=1e-12, atol=1e-12 * coef)


def test_top_k_in_the_maps_and_modules() -> None:
    x = _x(4, 50, seed=8)
    for name in ("sparsemax", "entmax15"):
        fn = getattr(F, name)
        assert torch.equal(fn(x, -1, 3), fn(x))  # k = 3 < support: doubled until it fits
        m = actlab.get(name, dim=-1, k=3)
        assert m.k == 3 and torch.equal(m(x), fn(x))
        with pytest.raises(ParameterError, match="k must be"):
            fn(x, -1, 0)
    t = F.entmax_bisect_threshold(x, 1.5)
    torch.testing.assert_close(torch.clamp(0.5 * x - t, min=0) ** 2, F.entmax_bisect(x, 1.5, ensure_sum_one=False))


# ==== SoLU and RadixSoftmax =================================================================================
def test_solu_limits_and_its_pair_view_is_silu() -> None:
    """y_0 of SoLU((x, 0)) is x sigma(x) (SiLU); -inf entries give the limit 0 with a finite gradient,
    a single +inf entry gives inf there and an identity Jacobian row."""
    t = torch.linspace(-5, 5, 11, dtype=F64)
    pair = torch.stack([t, torch.zeros_like(t)], -1)
    torch.testing.assert_close(F.solu(pair)[:, 0], torch.nn.functional.silu(t))
    x = torch.tensor([float("-inf"), 0.5, -1.0], dtype=F64, requires_grad=True)
    y = F.solu(x, 0)
    (g,) = torch.autograd.grad(y.sum(), x)
    assert y[0] == 0 and torch.isfinite(g).all() and g[0] == 0
    z = torch.tensor([float("inf"), 0.5, -1.0], dtype=F64, requires_grad=True)
    yz = F.solu(z, 0)
    (gz,) = torch.autograd.grad(yz[0], z)
    assert yz.tolist() == [float("inf"), 0.0, 0.0] and gz.tolist() == [1.0, 0.0, 0.0]


def _timm_radix_softmax(x: Tensor, radix: int, cardinality: int) -> Tensor:
    """timm.layers.split_attn.RadixSoftmax.forward (from its source)."""
    batch = x.size(0)
    if radix > 1:
        x = x.view(batch, cardinality, radix, -1).transpose(1, 2)
        x = torch.softmax(x, dim=1)
        return x.reshape(batch, -1)
    return torch.sigmoid(x)


@pytest.mark.parametrize("radix, cardinality", [(2, 1), (2, 2), (4, 2), (1, 3)])
def test_radix_softmax_is_timms(radix: int, cardinality: int) -> None:
    x = _x(3, radix * cardinality * 3, seed=radix + cardinality)
    torch.testing.assert_close(F.radix_softmax(x, 1, radix, cardinality), _timm_radix_softmax(x, radix, cardinality))
    x4 = x.view(3, -1, 1, 1)  # timm's split attention input: (B, C, 1, 1), output (B, C)
    ours = F.radix_softmax(x4, 1, radix, cardinality)
    torch.testing.assert_close(ours.reshape(3, -1), _timm_radix_softmax(x4, radix, cardinality).reshape(3, -1))


def test_radix_softmax_errors() -> None:
    with pytest.raises(ShapeError, match="radix"):
        F.radix_softmax(_x(2, 5), 1, 2, 1)
    x = _x(3, 6, 2)
    torch.testing.assert_close(F.solu(x, dim=1), x * torch.softmax(x, 1), rtol=1e-15, atol=1e-16)


# ==== the entmax package's tests ========================================================================
TESTS = Path(__file__).resolve().parents[1]
PACKAGE_TESTS = Path(entmax.__file__).parent
FILES = ["test_topk.py", "test_mask.py", "test_root_finding.py", "test_losses.py"]
SKIP = "normmax or Normmax or budget or (test_loss and sum) or (test_loss and True)"


@pytest.mark.slow
def test_the_entmax_packages_tests_pass_with_actlab_in_place(tmp_path: Path) -> None:
    if not all((PACKAGE_TESTS / f).exists() for f in FILES):
        pytest.skip("this entmax installation ships no tests")
    src = str(TESTS.parent / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, str(TESTS)]), "OMP_NUM_THREADS": "1"}
    args = [sys.executable, "-m", "pytest", "-q", "-p", "entmax_actlab", "-p", "no:cacheprovider"]
    run = subprocess.run(
        [*args, "-k", f"not ({SKIP})", *(str(PACKAGE_TESTS / f) for f in FILES), "--rootdir", str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    tail = run.stdout.strip().splitlines()[-1]
    assert run.returncode == 0, run.stdout[-4000:]
    assert " passed" in tail and "failed" not in tail and int(tail.split()[0]) >= 60, tail


def test_top_k_below_one_is_refused_by_the_declarations_too() -> None:
    """The declarations' own forward (not only the validated module/functional calls): k = 0 would
    never fill a support, so the doubling of k would not end."""
    x = torch.randn(3, 6)
    for name in ("Sparsemax", "Entmax15"):
        decl = actlab.declaration(name)
        with pytest.raises(ParameterError, match="k must be None or an int >= 1"):
            decl.forward(x, -1, k=0)
        torch.testing.assert_close(decl.forward(x, -1, k=1), decl.forward(x, -1))
