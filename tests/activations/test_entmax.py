"""alpha-entmax by bisection (actlab.activations.entmax) and the top-k / threshold helpers of the
sort-based sparse maps: exactness at alpha = 1.5 and 2, the softmax limit, the learnable alpha's
first and second derivatives, agreement with the entmax package, and clear errors."""

from __future__ import annotations

import entmax
import pytest
import torch
from torch.func import jacfwd, jacrev

import actlab
from actlab import functional as F
from actlab.activations.entmax import alpha_direction
from actlab.errors import ParameterError

F64 = torch.float64
EPS = torch.finfo(F64).eps


def _x(*shape: int, seed: int = 0, scale: float = 2.0) -> torch.Tensor:
    return scale * torch.randn(*shape, dtype=F64, generator=torch.Generator().manual_seed(seed))


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
