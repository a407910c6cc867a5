"""alpha-entmax by bisection's row kernels (csrc/entmax_bisect.cpp: EntmaxBisect's forward and
backward) against the declaration: along every dim, alpha in {1.1, 1.25, 1.5, 2, 2.5, 0.5} and one
alpha per row, float64/float32 (bfloat16/half: float32 rounded once), rows of 1 to 1100 entries and
spreads from 1e-3 to 1e4, ties, -inf entries, +inf and NaN rows, layouts, threads, the ParameterError
of a bad alpha and grad_alpha's shape."""

from __future__ import annotations

import pytest
import torch
from special_rows import LIMITS, PLAIN, check_limits
from ulps import needs_kernels, on_threads

import actlab
from actlab.activations.normalizer import _parts, _phi, _psi
from actlab.errors import ParameterError, ShapeError

pytestmark = needs_kernels

OPS = torch.ops.actlab
DECL = actlab.declaration("EntmaxBisect")
ALPHAS = [1.1, 1.25, 1.5, 2.0, 2.5, 0.5]
INF, NAN = float("inf"), float("nan")


def _rows(shape: tuple[int, ...], scale: float, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g, dtype=torch.float64) * scale


def _alpha(value: float | torch.Tensor, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    return torch.as_tensor(value, dtype=torch.float64).to(dtype)


def forward(x: torch.Tensor, alpha: torch.Tensor, dim: int, n_iter: int = 50, ensure: bool = True) -> torch.Tensor:
    return OPS.entmax_bisect(x, alpha.to(x.dtype), dim, n_iter, ensure)


def backward(g: torch.Tensor, y: torch.Tensor, alpha: torch.Tensor, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    return OPS.entmax_bisect_backward(g, alpha.to(y.dtype), y, dim, 50, True)


def _close(k: torch.Tensor, d: torch.Tensor, ulps: float, scale: torch.Tensor | float = 1.0) -> None:
    """|k - d| <= ulps eps(k) scale, NaN where the declaration has NaN. y <= 1 and the Jacobian's
    entries are O(1): their errors are absolute, in eps of the kernel's dtype (times |g|)."""
    assert torch.equal(k.isnan(), d.isnan())
    err = (k.double() - d.double()).abs().nan_to_num(0.0)
    bound = ulps * torch.finfo(k.dtype).eps * torch.as_tensor(scale, dtype=torch.float64)
    assert bool((err <= bound).all()), float((err - bound).max())


def galpha_scale(g: torch.Tensor, y: torch.Tensor, alpha: torch.Tensor, dim: int) -> torch.Tensor:
    """The size of the terms of sum g v, summed to alpha's shape: sum |g| y (|Q| + l^2 psi + |l|(|P| +
    phi |H|))/|T| (alpha_direction's bracket before it cancels), + 1. An error of a few eps of this is
    what rounding the terms (in either order) makes."""
    beta = alpha - 1.0
    on, ell, _, _ = _parts(y, beta, dim)
    t = -beta * ell
    phi, psi = _phi(t), _psi(t)
    yl = torch.where(on, y * ell, 0.0)
    p, q, h = (yl * phi).sum(dim, True), (yl * ell * psi).sum(dim, True), yl.sum(dim, True)
    terms = torch.where(on, y * (q.abs() + ell * ell * psi + ell.abs() * (p.abs() + phi * h.abs())), 0.0)
    row = (g.abs() * terms).sum(dim, True) / (1.0 - beta * p).abs()
    return row.nan_to_num(0.0).sum_to_size(alpha.shape) + 1.0


SHAPES = [
    ((7,), 0),
    ((64, 1024), -1),  # the benchmark's row length
    ((97, 64), -1),
    ((3, 1100), 0),  # dim not last: copied into rows and back
    ((2, 5, 33), 1),
    ((2, 8, 5, 9), -3),
    ((4, 1), -1),  # rows of one entry: 1
]


@pytest.mark.parametrize("scale", [1e-3, 1.0, 30.0])
@pytest.mark.parametrize("shape, dim", SHAPES, ids=[f"{s}-dim{d}" for s, d in SHAPES])
@pytest.mark.parametrize("alpha", ALPHAS)
def test_the_kernels_match_the_declaration(alpha: float, shape: tuple, dim: int, scale: float) -> None:
    """float64: the declaration's bisection in its order, the sums in another: a few eps. float32:
    against the float64 declaration on the same (float32) x within 4 eps (measured <= 0.7): w = 1 + u
    is kept in double and carried as two floats into log (< 0.9 ulp), exp_inline (<= 0.55 ulp), the
    float64 sums of float32 terms move rho by about an eps; y <= 1, so absolute eps."""
    x = _rows(shape, scale)
    a = _alpha(alpha)
    y = DECL.forward(x, a, dim)
    _close(forward(x, a, dim), y, 8)
    _close(forward(x.float(), a, dim), DECL.forward(x.float().double(), a, dim), 4)
    g = _rows(shape, 1.0, 1)
    gx, ga = DECL.vjp(g, y, a, dim)
    kgx, kga = backward(g, y, a, dim)
    # gx = s (g - <s, g>/U): s <= 1 for alpha <= 2; s = y^(2 - alpha) up to d^(alpha - 2) beyond
    scale_g = g.abs().amax() * y.nan_to_num(1.0).clamp(min=y.new_tensor(1.0 / max(x.numel(), 1))).pow(2 - alpha).amax()
    _close(kgx, gx, 16, scale_g)
    assert kga.shape == a.shape
    _close(kga, ga, 16, galpha_scale(g, y, a, dim))
    y32 = y.float()
    gx32, ga32 = DECL.vjp(g, y32.double(), a, dim)  # the kernel's own y, exactly
    kgx32, kga32 = backward(g.float(), y32, a, dim)
    _close(kgx32, gx32, 16, scale_g)
    _close(kga32, ga32, 16, galpha_scale(g, y32.double(), a, dim))


@pytest.mark.parametrize("alpha", [1.5, 0.5])
def test_big_spreads_and_large_values(alpha: float) -> None:
    """Spreads of 1e4 (every row one-hot or nearly) and values near float32's range: the shift by
    the max is exact where the declaration's is."""
    a = _alpha(alpha)
    x = _rows((40, 200), 1e4)
    _close(forward(x, a, -1), DECL.forward(x, a, -1), 8)
    _close(forward(x.float(), a, -1), DECL.forward(x.float().double(), a, -1), 8)
    big = torch.tensor([[1e30, -1e30, 0.0, 1e30], [3e38, -3e38, 1.0, -1.0], [3e38, 3e38, 3e38 * 0.999, 0.0]])
    _close(forward(big, a, -1), DECL.forward(big.double(), a, -1), 8)


@pytest.mark.parametrize("alpha", ALPHAS)
def test_special_rows(alpha: float) -> None:
    """NaN anywhere or all -inf: NaN; +inf entries: uniform over them; -inf entries: 0; ties; a row
    of one entry: 1; the declaration's values on all of them; the backward on the same rows."""
    x = torch.tensor(LIMITS + PLAIN, dtype=torch.float64)
    a = _alpha(alpha)
    yd = DECL.forward(x, a, -1)
    for dtype in (torch.float64, torch.float32):
        y = forward(x.to(dtype), a, -1)
        check_limits(y)
        assert y[2, 0] == 0.5
        _close(y, yd, 4)
        assert torch.equal(forward(x.to(dtype).t(), a, 0), y.t().contiguous()) or torch.allclose(
            forward(x.to(dtype).t(), a, 0), y.t(), rtol=0, atol=0, equal_nan=True
        )
    g = torch.linspace(-1, 1, x.numel(), dtype=torch.float64).reshape(x.shape)
    gx, ga = DECL.vjp(g, yd, a, -1)
    kgx, kga = backward(g, yd, a, -1)
    _close(kgx, gx, 16)
    _close(kga, ga, 16, galpha_scale(g, yd, a, -1))
    one = torch.tensor([[5.0], [-INF], [INF]], dtype=torch.float64)
    assert torch.equal(forward(one, a, -1).isnan(), DECL.forward(one, a, -1).isnan())
    assert forward(one, a, -1)[0, 0] == 1 and forward(one, a, -1)[2, 0] == 1


@pytest.mark.parametrize("alpha", [1.25, 2.0, 0.5])
def test_iterations_and_no_renormalisation(alpha: float) -> None:
    """n_iter and ensure_sum_one as the declaration: 5 bisection steps (then Newton), without the
    final division (the declaration's order: the same bracket, the same steps)."""
    x = _rows((20, 100), 1.5)
    a = _alpha(alpha)
    for n_iter, ensure in ((5, False), (5, True), (1, False), (50, False)):
        _close(forward(x, a, -1, n_iter, ensure), DECL.forward(x, a, -1, n_iter, ensure), 16)


def test_one_alpha_per_row() -> None:
    """alpha with size 1 along dim (one per row, any of the six values), and broadcast shapes: the
    rows' own alphas, grad_alpha summed to alpha's shape."""
    x = _rows((4, 6, 30), 2.0)
    g = _rows(x.shape, 1.0, 1)
    gen = torch.Generator().manual_seed(3)
    pick = lambda shape: torch.tensor(ALPHAS, dtype=torch.float64)[torch.randint(0, 6, shape, generator=gen)]  # noqa: E731
    for dim, shape in ((-1, (4, 6, 1)), (1, (4, 1, 30)), (-1, (6, 1)), (-1, (1, 6, 1)), (0, (1, 6, 30)), (-1, (1,))):
        a = pick(shape)
        y = DECL.forward(x, a, dim)
        _close(forward(x, a, dim), y, 8)
        _close(forward(x.float(), a, dim), DECL.forward(x.float().double(), a, dim), 8)
        gx, ga = DECL.vjp(g, y, a, dim)
        kgx, kga = backward(g, y, a, dim)
        assert kga.shape == a.shape and kga.dtype == a.dtype
        _close(kgx, gx, 16, 4.0)
        _close(kga, ga, 16, galpha_scale(g, y, a, dim))
        kga32 = backward(g.float(), y.float(), a.float(), dim)[1]
        assert kga32.shape == a.shape and kga32.dtype == torch.float32
    with pytest.raises(ShapeError, match="must broadcast to"):
        forward(x, pick((4, 6, 30)), -1)


@pytest.mark.parametrize("bad", [1.0, 0.0, -0.0, -1.5, NAN, INF, -INF, 1e-5, 3e20])
def test_a_bad_alpha_raises_the_declarations_parameter_error(bad: float) -> None:
    """alpha not finite, <= 0 or 1: the declaration's ParameterError and message, also when one
    alpha of a row's is bad; good small and large alphas pass."""
    x = _rows((3, 5), 1.0)
    for a in (_alpha(bad), torch.tensor([[1.5], [bad], [2.0]], dtype=torch.float64)):
        if bad in (1e-5, 3e20):
            _close(forward(x, a, -1), DECL.forward(x, a, -1), 8)
            continue
        with pytest.raises(ParameterError) as ours:
            forward(x, a, -1)
        with pytest.raises(ParameterError) as theirs:
            DECL.forward(x, a, -1)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ParameterError, match="got -0.10000000149011612"):  # float32 alpha: its value
        forward(x.float(), torch.tensor(-0.1, dtype=torch.float32), -1)


def test_empty_and_zero_dim_inputs() -> None:
    a = _alpha(1.5)
    for e in (torch.empty(0, 5), torch.empty(3, 0)):
        assert forward(e, a, -1).shape == e.shape
        gx, ga = backward(e, e, a, -1)
        assert gx.shape == e.shape and ga.shape == () and ga == 0
    s = torch.tensor(-3.0)
    assert forward(s, a, 0) == 1 and forward(torch.tensor(NAN), a, 0) == DECL.forward(torch.tensor(NAN), a, 0)
    gx, ga = backward(torch.tensor(0.5), torch.tensor(1.0), a, 0)
    dgx, dga = DECL.vjp(torch.tensor(0.5), torch.tensor(1.0), a.float(), 0)
    assert gx == dgx and ga == dga and ga.shape == ()
    with pytest.raises(ParameterError):
        forward(torch.empty(0, 5), _alpha(1.0), -1)


HALF_SHAPES = [((4, 50), -1), ((2, 8, 5, 9), -3), ((3, 700), 0)]


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("shape, dim", HALF_SHAPES, ids=[f"{s}-dim{d}" for s, d in HALF_SHAPES])
@pytest.mark.parametrize("alpha", [1.5, 0.5])
def test_half_precision_is_float32_rounded_once(alpha: float, shape: tuple, dim: int, dtype: torch.dtype) -> None:
    a = _alpha(alpha, dtype)
    x = _rows(shape, 2.0).to(dtype)
    y = forward(x, a, dim)
    assert y.dtype == dtype and torch.equal(y, forward(x.float(), a.float(), dim).to(dtype))
    g = _rows(shape, 1.0, 1).to(dtype)
    gx, ga = backward(g, y, a, dim)
    fgx, fga = backward(g.float(), y.float(), a.float(), dim)
    assert gx.dtype == dtype and torch.equal(gx, fgx.to(dtype)) and ga.dtype == dtype


@pytest.mark.parametrize("alpha", [1.5, 1.1])
def test_layouts_threads(alpha: float) -> None:
    """Non-contiguous inputs give the contiguous input's values in the input's layout; 1 and 2
    threads the same bits (rows are independent; grad_alpha summed in row order)."""
    a = _alpha(alpha, torch.float32)
    x = _rows((6, 40, 30), 2.0).float()
    t = x.transpose(0, 2)
    y = forward(t, a, 1)
    assert torch.equal(y, forward(t.contiguous(), a, 1)) and y.stride() == torch.empty_like(t).stride()
    s = x[:, ::2, 1::3]
    assert torch.equal(forward(s, a, -1), forward(s.contiguous(), a, -1))
    cl = _rows((2, 3, 4, 5), 2.0).float().contiguous(memory_format=torch.channels_last)
    assert torch.equal(forward(cl, a, 1), forward(cl.contiguous(), a, 1))
    g = _rows(y.shape, 1.0, 1).float()
    assert all(torch.equal(p, q) for p, q in zip(backward(g.expand_as(y), y, a, 1), backward(g, y.contiguous(), a, 1)))
    big = _rows((512, 1024), 1.0).float()
    rows = torch.linspace(0.6, 2.4, 512).reshape(512, 1)

    def run() -> tuple:
        yb = forward(big, a, -1)
        return (yb, *backward(big, yb, a, -1), *backward(big, forward(big, rows, -1), rows, -1))

    runs = on_threads(run)
    assert all(torch.equal(p, q) for p, q in zip(*runs))


def test_gradients_through_the_kernels() -> None:
    """gradcheck of the functional path (the native forward and backward) in float64, x and a
    per-row alpha, inside supports; the double backward is the declaration's composite."""
    x = _rows((3, 9), 0.7).requires_grad_()
    a = torch.tensor([[1.3], [1.7], [0.6]], dtype=torch.float64, requires_grad=True)
    fn = actlab.functional.entmax_bisect
    assert torch.autograd.gradcheck(lambda v, w: fn(v, alpha=w, dim=-1), (x, a))
    assert torch.autograd.gradgradcheck(lambda v, w: fn(v, alpha=w, dim=-1), (x, a))
