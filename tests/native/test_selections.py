"""The selections' kernels (csrc/selections.cpp: Maxout, LWTA, k-WTA, CReLU) against their declarations,
bit for bit (they choose entries, no arithmetic): every dim, group sizes 1 to 20, k-WTA's ratios
(topk's partial sort and nth_element sizes, ties straddling the k-th place), +-0, +-inf and NaN,
every float dtype, layouts, threads, the declarations' errors; CReLU's blocks at every dim, +-0 of
x and of g."""

from __future__ import annotations

import pytest
import torch
from test_sorted_groups import _entries, _same
from ulps import needs_kernels, on_threads

import actlab
from actlab.errors import ShapeError

pytestmark = needs_kernels

OPS = torch.ops.actlab

CASES = [  # (op, its parameter after dim, shape, dim)
    ("maxout", 2, (6, 8), -1),
    ("maxout", 3, (2, 6, 5, 3), 1),
    ("maxout", 2, (4, 3), 0),
    ("maxout", 1, (3, 7), -1),
    ("maxout", 20, (3, 40, 17), 1),  # vectors of inner positions and their scalar tail
    ("lwta", 2, (2, 6, 5, 3), 1),
    ("lwta", 4, (5, 12), -1),
    ("lwta", 5, (2, 10, 33), 1),
    ("lwta", 7, (7,), 0),
    ("maxout", 2, (3, 70), -1),  # pairs along the last dim: deinterleaved vectors and their tail
    ("maxout", 3, (4, 99), -1),  # groups along the last dim: transposed vectors and their tail
    ("lwta", 16, (3, 352), -1),
    ("lwta", 17, (2, 68), -1),  # beyond the transposed buffer: scalar
    ("lwta", 2, (2, 70), -1),
    ("kwta", 0.3, (6, 24), -1),
    ("kwta", 0.6, (2, 12, 5, 3), 1),
    ("kwta", 0.01, (3, 2000), -1),  # k * 64 <= n: topk's partial sort
    ("kwta", 1.0, (4, 9), 1),
    ("kwta", 0.2, (8, 64), -1),  # one histogram round, then the sort
    ("kwta", 0.5, (4, 1000), -1),  # rounds down to equal keys (ties) or few candidates
    ("kwta", 0.05, (5,), 0),  # k = max(1, 0)
]


def _decl(fn: str):  # noqa: ANN202
    return next(d for d in actlab.declarations() if d.function == fn)


@pytest.mark.parametrize("draw", ["ties", "normal"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.float16])
@pytest.mark.parametrize("fn, param, shape, dim", CASES)
def test_the_kernels_are_the_declaration(fn: str, param: float, shape: tuple, dim: int, dtype: torch.dtype,
                                         draw: str) -> None:  # fmt: skip
    decl = _decl(fn)
    name = list(decl.op_params())[1]
    x = (_entries(shape) if draw == "ties" else torch.randn(shape, dtype=torch.float64)).to(dtype)
    y = getattr(OPS, fn)(x, dim, param)
    _same(y, decl.forward(x.float() if dtype != torch.float64 else x, dim, **{name: param}).to(dtype))
    g = torch.randn(y.shape, generator=torch.Generator().manual_seed(1)).to(dtype)
    expected = decl.vjp(g.double(), x.double(), dim, **{name: param}).to(dtype)
    _same(getattr(OPS, f"{fn}_backward")(g, x, dim, param), expected)


def test_layouts_threads_and_errors() -> None:
    x = _entries((6, 40, 30)).float()
    t = x.transpose(0, 2)
    for fn, param in (("lwta", 4), ("kwta", 0.25)):
        y = getattr(OPS, fn)(t, 1, param)
        _same(y, getattr(OPS, fn)(t.contiguous(), 1, param))
        assert y.stride() == torch.empty_like(t).stride()
    s = x[:, ::2, 1::3]
    _same(OPS.maxout(s, 1, 4), OPS.maxout(s.contiguous(), 1, 4))
    assert OPS.maxout(s, 1, 4).is_contiguous()
    g = torch.randn(1, 10, 1).expand(6, 10, 30)  # stride-0 grad
    _same(OPS.maxout_backward(g, x, 1, 4), OPS.maxout_backward(g.contiguous(), x, 1, 4))
    big = torch.randn(64, 512, 16)
    results = on_threads(lambda: (OPS.maxout(big, 1, 4), OPS.lwta_backward(big, big, 1, 4), OPS.kwta(big, -1, 0.3)))
    for a, b in zip(*results):
        _same(a, b)
    assert OPS.maxout(torch.empty(0, 4), 1, 2).shape == (0, 2)
    assert OPS.kwta(torch.empty(0, 4), 1, 0.5).shape == (0, 4)
    with pytest.raises(ShapeError, match="maxout: the size of dim 1 \\(5\\) is not a multiple of the group size 2"):
        OPS.maxout(torch.randn(3, 5), 1, 2)
    with pytest.raises(ShapeError, match="lwta: expected an input with at least one dimension"):
        OPS.lwta(torch.tensor(1.0), 0, 2)
    with pytest.raises(ShapeError, match="kwta: expected an input with at least one dimension"):
        OPS.kwta(torch.tensor(1.0), 0, 0.5)


def test_gradients_through_the_kernels() -> None:
    x = torch.randn(3, 12, dtype=torch.float64, requires_grad=True)
    for fn in (
        lambda v: actlab.functional.maxout(v, dim=-1, pieces=3),
        lambda v: actlab.functional.lwta(v, dim=1, group_size=4),
        lambda v: actlab.functional.kwta(v, dim=-1, ratio=0.4),
    ):
        assert torch.autograd.gradcheck(fn, (x,))
        assert torch.autograd.gradgradcheck(fn, (x,))


CRELU_SHAPES = [((6, 40), -1), ((3, 5, 7), 1), ((4, 3), 0), ((2, 33, 3, 5), 2), ((77,), 0), ((2, 1, 1), 1)]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.float16])
@pytest.mark.parametrize("shape, dim", CRELU_SHAPES)
def test_crelu_is_the_declaration(shape: tuple, dim: int, dtype: torch.dtype) -> None:
    decl = _decl("crelu")
    for draw in ("ties", "normal"):
        x = (_entries(shape) if draw == "ties" else torch.randn(shape, dtype=torch.float64)).to(dtype)
        y = OPS.crelu(x, dim)
        _same(y, decl.forward(x, dim))
        g = _entries(y.shape, seed=1).nan_to_num(0.0).to(dtype)  # +-0 grads: 0 - g2 keeps +0
        _same(OPS.crelu_backward(g, x, dim), decl.vjp(g, x, dim))


def test_crelu_layouts_threads_and_errors() -> None:
    x = _entries((6, 40, 30)).float()
    t = x.transpose(0, 2)
    _same(OPS.crelu(t, 1), OPS.crelu(t.contiguous(), 1))
    g = torch.randn(30, 80, 6)
    gx = OPS.crelu_backward(g, t, 1)
    _same(gx, OPS.crelu_backward(g, t.contiguous(), 1))
    assert gx.stride() == torch.empty_like(t).stride()
    gs = torch.randn(1, 80, 1).expand(30, 80, 6)  # stride-0 grad
    _same(OPS.crelu_backward(gs, t, 1), OPS.crelu_backward(gs.contiguous(), t, 1))
    big = torch.randn(64, 513, 16)
    threads = torch.get_num_threads()
    try:
        results = []
        for n in (1, 2):
            torch.set_num_threads(n)
            results.append((OPS.crelu(big, 1), OPS.crelu_backward(torch.cat([big, -big], 1), big, 1)))
    finally:
        torch.set_num_threads(threads)
    for a, b in zip(*results):
        _same(a, b)
    assert OPS.crelu(torch.empty(0, 4), 1).shape == (0, 8)
    with pytest.raises(ShapeError, match="crelu: expected an input with at least one dimension"):
        OPS.crelu(torch.tensor(1.0), 0)
    xd = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    fn = lambda v: actlab.functional.crelu(v, dim=0)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (xd,))
    assert torch.autograd.gradgradcheck(fn, (xd,))
