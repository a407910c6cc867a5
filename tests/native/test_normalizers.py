"""The softmax-family kernels (csrc/normalizer.cpp) against the declarations: forward and
backward along every dim of 1- to 4-d inputs (rows in cache with lanes along them, or a row per
lane when dim is not last), rows of spread 1 to 100, the limits of +-inf and NaN rows, float64,
half precision rounded once, layouts, errors."""

from __future__ import annotations

import pytest
import torch
from ulps import needs_kernels

import actlab

pytestmark = needs_kernels

OPS = torch.ops.actlab
NAMES = ["Softmax", "Softmin", "LogSoftmax", "Softmax2d"]


def _rows(shape: tuple[int, ...], dtype: torch.dtype = torch.float32, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    spread = torch.tensor([1.0, 10.0, 30.0, 100.0])[torch.randint(0, 4, shape, generator=g)]
    return ((torch.rand(shape, generator=g) - 0.5) * spread + 40 * (torch.rand(shape, generator=g) - 0.5)).to(dtype)


def _close(k: torch.Tensor, d: torch.Tensor, scale: torch.Tensor, ulps: float) -> bool:
    """|k - d| <= ulps * eps * scale: the kernels sum rows in another order than torch's sum."""
    eps = torch.finfo(d.dtype).eps
    return bool(((k.double() - d.double()).abs() <= ulps * eps * scale.double() + torch.finfo(d.dtype).tiny).all())


SHAPES = [
    ((7,), 0),
    ((3, 1000), -1),
    ((3, 1000), 0),
    ((2, 3, 1100), 1),  # blocks of 512 lanes and a partial one
    ((5, 6, 17), 1),
    ((2, 8, 5, 9), -3),
    ((2, 3, 4, 5), 3),
    ((), 0),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("shape, dim", SHAPES, ids=[f"{s}-dim{d}" for s, d in SHAPES])
@pytest.mark.parametrize("name", NAMES[:3])
def test_forward_and_backward_match_the_declaration(name: str, shape: tuple, dim: int, dtype: torch.dtype) -> None:
    decl = actlab.declaration(name)
    fn = decl.function
    x = _rows(shape, dtype)
    y, yd = getattr(OPS, fn)(x, dim), decl.forward(x, dim)
    # forward: entries within 4 ulps of themselves (log-softmax: of the row's largest |y|, as it
    # subtracts log-sum-exp)
    scale = (
        yd.abs() if name != "LogSoftmax" else yd.abs().amax(dim, keepdim=True).expand_as(yd) if yd.dim() else yd.abs()
    )
    assert _close(y, yd, scale, 4), (y - yd).abs().max()
    g = torch.randn(shape, generator=torch.Generator().manual_seed(1), dtype=dtype)
    b, bd = getattr(OPS, f"{fn}_backward")(g, y, dim), decl.vjp(g, yd, dim)
    # backward: within 8 ulps of the row's |g| |y| + |<g, y>| scale (a dot product and a difference)
    gy = (g.abs() * yd.abs().clamp(max=1)).sum(dim, keepdim=True) if yd.dim() else g.abs()
    assert _close(b, bd, gy.expand_as(bd) + g.abs(), 8), (b - bd).abs().max()


def test_softmax2d_normalises_over_channels() -> None:
    x = _rows((2, 8, 5, 9))
    y = OPS.softmax2d(x, -3)
    assert _close(y, actlab.declaration("Softmax2d").forward(x, -3), y.abs(), 4)
    assert torch.allclose(y.sum(1), torch.ones(2, 5, 9))


INF, NAN = float("inf"), float("nan")


@pytest.mark.parametrize("transposed", [False, True], ids=["rows", "lanes"])
def test_limits_of_infinite_and_nan_rows(transposed: bool) -> None:
    """One +inf: one-hot (log: 0 and -inf), as the declaration documents; several +inf, a NaN, or
    all -inf: NaN; -inf entries of a finite row: 0 (log: -inf)."""
    x = torch.tensor([[1.0, INF, 2.0], [INF, INF, 0.0], [NAN, 1.0, 2.0], [-INF, -INF, -INF], [0.0, -INF, 1.0]])
    dim = -1
    if transposed:
        x, dim = x.t().contiguous(), 0
    sm, lsm = OPS.softmax(x, dim), OPS.log_softmax(x, dim)
    if transposed:
        sm, lsm = sm.t(), lsm.t()
    assert torch.equal(sm[0], torch.tensor([0.0, 1.0, 0.0])) and torch.equal(lsm[0], torch.tensor([-INF, 0.0, -INF]))
    for r in (1, 2, 3):
        assert sm[r].isnan().all() and lsm[r].isnan().all()
    assert sm[4, 1] == 0 and lsm[4, 1] == -INF and torch.isfinite(sm[4, [0, 2]]).all()


def test_log_softmax_keeps_the_small_terms_of_a_dominant_row() -> None:
    """y_max = -log1p(rest), not log(1 + rest) rounded: a row with one dominant entry."""
    x = torch.tensor([[0.0, -30.0, -31.0, -40.0]])
    y = OPS.log_softmax(x, -1)
    expected = -torch.log1p(torch.exp(torch.tensor([-30.0, -31.0, -40.0], dtype=torch.float64)).sum())
    assert y[0, 0].item() == pytest.approx(expected.item(), rel=1e-6)
    assert y[0, 0] != 0


# rows along the last dim; a row per lane (dim not last: blocks of lanes converted into float
# buffers, with partial vectors and blocks); non-contiguous (the whole tensor in float32)
HALF_SHAPES = [((4, 50), -1), ((2, 8, 5, 9), -3), ((2, 3, 1100), 1), ((3, 700, 11), 1), ((4, 50), 0)]


def _within_one_ulp(a: torch.Tensor, b: torch.Tensor) -> bool:
    """a and b (one 16-bit dtype) are equal or neighbours."""
    ia, ib = (t.view(torch.int16).int() for t in (a, b))
    same_sign = (ia < 0) == (ib < 0)
    return bool((((ia - ib).abs() <= 1) & same_sign | (a == b)).all())


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("shape, dim", HALF_SHAPES, ids=[f"{s}-dim{d}" for s, d in HALF_SHAPES])
@pytest.mark.parametrize("name", NAMES[:3])
def test_half_precision_is_float32_rounded_once(name: str, shape: tuple, dim: int, dtype: torch.dtype) -> None:
    """The forward computes in float32 without the low part of x - max (shift_finite: at most
    2^-17 relative before the rounding) and rounds once: the float32 kernel's value rounded, or its
    neighbour when that value lies within 2^-17 of a rounding boundary (here: none or a few entries
    in a thousand), and within one ulp of the float64 kernel. The backward is the float32 kernel
    rounded once, bit for bit."""
    fn = actlab.declaration(name).function
    x = _rows(shape).to(dtype)
    y = getattr(OPS, fn)(x, dim)
    y32 = getattr(OPS, fn)(x.float(), dim).to(dtype)
    assert y.dtype == dtype and _within_one_ulp(y, y32)
    assert (y != y32).float().mean() <= 0.005
    assert _within_one_ulp(y, getattr(OPS, fn)(x.double(), dim).to(dtype))
    g = torch.randn(shape).to(dtype)
    b = getattr(OPS, f"{fn}_backward")(g, y, dim)
    assert torch.equal(b, getattr(OPS, f"{fn}_backward")(g.float(), y.float(), dim).to(dtype))
    t = x.transpose(0, -1)  # another layout: the same values
    assert torch.equal(getattr(OPS, fn)(t, dim), getattr(OPS, fn)(t.contiguous(), dim))


def test_layouts_and_empty_inputs() -> None:
    x = _rows((6, 40))
    t = x.t()  # non-contiguous input: same values, the input's layout
    y = OPS.softmax(t, 0)
    assert torch.equal(y, OPS.softmax(t.contiguous(), 0)) and y.stride() == torch.empty_like(t).stride()
    cl = _rows((2, 3, 4, 5)).contiguous(memory_format=torch.channels_last)
    assert torch.equal(OPS.softmax2d(cl, -3), OPS.softmax2d(cl.contiguous(), -3))
    for e in (torch.empty(0, 5), torch.empty(3, 0)):
        assert OPS.log_softmax(e, -1).shape == e.shape
        assert OPS.softmax_backward(e, e, 0).shape == e.shape


def test_a_bad_dim_raises_index_error_as_torch() -> None:
    with pytest.raises(IndexError, match="Dimension out of range"):
        OPS.softmax(torch.randn(3, 4), 2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        OPS.log_softmax_backward(torch.randn(3), torch.randn(3), -2)
