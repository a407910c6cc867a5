"""SoLU's and RadixSoftmax's kernels (csrc/softmax_maps.cpp: SoLU's fused softmax rows, RadixSoftmax
on the softmax kernels along the radix axis) against the declarations in float64: within a few
float eps of the row's scale on every dtype, dim and layout; the limits at +-inf, NaN rows, scalars,
empty tensors; the same bits on 1 and 2 threads; RadixSoftmax's shape errors."""

from __future__ import annotations

import re

import pytest
import torch
from ulps import needs_kernels

import actlab
from actlab.errors import ShapeError

pytestmark = needs_kernels

OPS = torch.ops.actlab
SOLU = next(d for d in actlab.declarations() if d.function == "solu")
RADIX = next(d for d in actlab.declarations() if d.function == "radix_softmax")
DTYPES = [torch.float32, torch.float64, torch.bfloat16, torch.float16]
INF, NAN = float("inf"), float("nan")


def _close(a: torch.Tensor, b: torch.Tensor, dtype: torch.dtype) -> None:
    """a (dtype) within 8 eps of dtype of b (float64), relative to b's finite scale (1 at least)."""
    assert a.dtype == dtype
    tol = 8 * torch.finfo(dtype).eps * max(float(b[b.isfinite()].abs().max()) if b.isfinite().any() else 1.0, 1.0)
    torch.testing.assert_close(a.double(), b, rtol=0, atol=tol, equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape, dim",
    [((6, 40), -1), ((3, 17, 5), 1), ((9,), 0), ((4, 3), 0), ((5, 7, 33), 0), ((4, 6, 70), 2), ((2, 3, 21), 1)],
)
def test_the_kernels_are_the_declaration(shape: tuple, dim: int, dtype: torch.dtype) -> None:
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(shape, generator=gen, dtype=torch.float64) * 3).to(dtype)
    g = torch.randn(shape, generator=gen, dtype=torch.float64).to(dtype)
    _close(OPS.solu(x, dim), SOLU.forward(x.double(), dim), dtype)
    _close(OPS.solu_backward(g, x, dim), SOLU.vjp(g.double(), x.double(), dim), dtype)


def test_special_rows_layouts_and_gradients() -> None:
    x = torch.tensor([[1.0, -INF, 2.0], [INF, 0.5, -1.0], [INF, INF, 0.0], [NAN, 1.0, 2.0], [-INF, -INF, -INF]])
    g = torch.ones_like(x)
    _close(OPS.solu(x, -1), SOLU.forward(x.double(), -1), torch.float32)
    _close(OPS.solu_backward(g, x, -1), SOLU.vjp(g.double(), x.double(), -1), torch.float32)
    t = torch.randn(5, 7, 3).transpose(0, 2)
    y = OPS.solu(t, 1)
    assert y.stride() == torch.empty_like(t).stride()
    torch.testing.assert_close(y, OPS.solu(t.contiguous(), 1), rtol=0, atol=0)
    assert OPS.solu(torch.tensor(2.0), 0).shape == ()
    assert OPS.solu(torch.empty(0, 3), 1).shape == (0, 3)
    v = torch.randn(3, 6, dtype=torch.float64, requires_grad=True)
    fn = lambda u: actlab.functional.solu(u, dim=-1)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (v,))
    assert torch.autograd.gradgradcheck(fn, (v,))


SPECIAL = [
    [1.0, -INF, 2.0, 0.5],
    [INF, 0.5, -1.0, 3.0],
    [INF, INF, 0.0, 1.0],
    [NAN, 1.0, 2.0, 0.0],
    [-INF] * 4,
    [-INF, 7.0, -INF, -INF],
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1])
def test_special_rows_along_any_dim(dim: int, dtype: torch.dtype) -> None:
    """+-inf and NaN rows (row kernels along the last dim, lane kernels across rows): as the declaration."""
    x = torch.tensor(SPECIAL, dtype=torch.float64)
    x = (x if dim == 1 else x.t().contiguous()).to(dtype)
    g = torch.randn(x.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64).to(dtype)
    _close(OPS.solu(x, dim), SOLU.forward(x.double(), dim), dtype)
    _close(OPS.solu_backward(g, x, dim), SOLU.vjp(g.double(), x.double(), dim), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_non_contiguous_inputs(dtype: torch.dtype) -> None:
    gen = torch.Generator().manual_seed(2)
    x = (torch.randn(8, 40, 6, generator=gen, dtype=torch.float64) * 3).to(dtype)
    g = torch.randn(8, 40, 6, generator=gen, dtype=torch.float64).to(dtype)
    for xv, gv, dim in [
        (x.transpose(1, 2), g.transpose(1, 2), -1),
        (x[:, ::3], g[:, ::3], 1),
        (x[..., 1:4], g.transpose(0, 1).contiguous().transpose(0, 1)[..., 1:4], 1),
    ]:
        y = OPS.solu(xv, dim)
        assert y.stride() == torch.empty_like(xv).stride()
        _close(y, SOLU.forward(xv.double(), dim), dtype)
        _close(OPS.solu_backward(gv, xv, dim), SOLU.vjp(gv.double(), xv.double(), dim), dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("shape, dim", [((512, 300), -1), ((64, 72, 40), 1)])
def test_threads_give_the_same_bits(shape: tuple, dim: int, dtype: torch.dtype) -> None:
    gen = torch.Generator().manual_seed(3)
    x = (torch.randn(shape, generator=gen) * 4).to(dtype)
    g = torch.randn(shape, generator=gen).to(dtype)
    before = torch.get_num_threads()
    try:
        runs = []
        for n in (1, 2):
            torch.set_num_threads(n)
            runs.append((OPS.solu(x, dim), OPS.solu_backward(g, x, dim), OPS.radix_softmax(x, dim, 2, 2)))
    finally:
        torch.set_num_threads(before)
    for a, b in zip(*runs):
        assert torch.equal(a.view(torch.uint8), b.view(torch.uint8))  # bits (no NaN here)


# ---- RadixSoftmax ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("radix, cardinality", [(1, 1), (1, 2), (2, 1), (2, 2), (4, 1), (4, 2)])
@pytest.mark.parametrize("shape, dim", [((5, 48), 1), ((3, 16, 2, 3), 1), ((24,), 0), ((2, 3, 40), -1), ((16, 3), 0)])
def test_radix_softmax_is_the_declaration(
    shape: tuple, dim: int, radix: int, cardinality: int, dtype: torch.dtype
) -> None:
    gen = torch.Generator().manual_seed(4)
    x = (torch.randn(shape, generator=gen, dtype=torch.float64) * 3).to(dtype)
    g = torch.randn(shape, generator=gen, dtype=torch.float64).to(dtype)
    args = (dim, radix, cardinality)
    _close(OPS.radix_softmax(x, *args), RADIX.forward(x.double(), *args), dtype)
    _close(OPS.radix_softmax_backward(g, x, *args), RADIX.vjp(g.double(), x.double(), *args), dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_radix_softmax_layouts_and_special_values(dtype: torch.dtype) -> None:
    gen = torch.Generator().manual_seed(5)
    x = (torch.randn(4, 8, 3, 5, generator=gen, dtype=torch.float64) * 3).to(dtype)
    x[0, 0, 0, 0], x[1, 2, 1, 1], x[2, 3, 2, 2], x[3, 5, 0, 4] = INF, -INF, NAN, INF
    g = torch.randn(x.shape, generator=gen, dtype=torch.float64).to(dtype)
    for xv, gv in [
        (x.contiguous(memory_format=torch.channels_last), g),
        (x.transpose(2, 3), g.transpose(2, 3)),
        (x[..., ::2], g[..., ::2]),
    ]:
        for args in [(1, 2, 2), (1, 4, 1), (-3, 1, 1)]:
            _close(OPS.radix_softmax(xv, *args), RADIX.forward(xv.double(), *args), dtype)
            _close(OPS.radix_softmax_backward(gv, xv, *args), RADIX.vjp(gv.double(), xv.double(), *args), dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
@pytest.mark.parametrize(
    "shape, radix, cardinality", [((37, 128), 2, 1), ((37, 128), 2, 2), ((6, 8, 16), 2, 2), ((5, 4, 32), 4, 1)]
)
def test_radix_softmax_small_groups(shape: tuple, radix: int, cardinality: int, dtype: torch.dtype) -> None:
    """Radix groups of a few vectors' lanes each (64, 32 and 16 float lanes: a block per group, one call each),
    +-inf and NaN in some (their blocks one vector at a time): the declaration's values, the same bits on 1 and 2
    threads."""
    gen = torch.Generator().manual_seed(6)
    x = torch.randn(shape, generator=gen, dtype=torch.float64) * 3
    x.view(-1)[torch.tensor([5, 300, 301, 517])] = torch.tensor([INF, NAN, -INF, INF], dtype=torch.float64)
    x = x.to(dtype)
    g = torch.randn(shape, generator=gen, dtype=torch.float64).to(dtype)
    args = (1, radix, cardinality)
    before = torch.get_num_threads()
    try:
        runs = []
        for n in (1, 2):
            torch.set_num_threads(n)
            runs.append((OPS.radix_softmax(x, *args), OPS.radix_softmax_backward(g, x, *args)))
    finally:
        torch.set_num_threads(before)
    for a, b in zip(*runs):
        assert torch.equal(a.view(torch.uint8), b.view(torch.uint8))
    _close(runs[0][0], RADIX.forward(x.double(), *args), dtype)
    _close(runs[0][1], RADIX.vjp(g.double(), x.double(), *args), dtype)


def test_radix_softmax_shape_errors() -> None:
    msg = "radix_softmax: the size of dim 1 (6) is not a multiple of radix * cardinality = 4"
    for op in (lambda x: OPS.radix_softmax(x, -1, 2, 2), lambda x: OPS.radix_softmax_backward(x, x, -1, 2, 2)):
        with pytest.raises(ShapeError, match=re.escape(msg)):
            op(torch.randn(3, 6))
        with pytest.raises(ShapeError, match="expected an input with at least one dimension, got a scalar"):
            op(torch.tensor(1.0))
    for call in (lambda: RADIX.forward(torch.randn(3, 6), -1, 2, 2), lambda: RADIX.forward(torch.tensor(1.0), 0, 2, 1)):
        with pytest.raises(ShapeError):  # the declaration's own errors, which the kernels' repeat
            call()
    assert OPS.radix_softmax(torch.randn(3, 6), 1, 3, 2).shape == (3, 6)
    v = torch.randn(2, 8, dtype=torch.float64, requires_grad=True)
    fn = lambda u: actlab.functional.radix_softmax(u, dim=1, radix=2, cardinality=2)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (v,))
    assert torch.autograd.gradgradcheck(fn, (v,))
