"""The sorting maps' kernels (csrc/sorted_groups.cpp: GroupSort, MaxMin) against their
declarations, bit for bit (they move entries, no arithmetic): every dim, group sizes 1 to 20 (the
insertion sort and std::stable_sort), ties, +-0, +-inf and NaN, every float dtype, layouts, threads,
the declarations' errors."""

from __future__ import annotations

import pytest
import torch
from ulps import needs_kernels

import actlab
from actlab.errors import ShapeError

pytestmark = needs_kernels

OPS = torch.ops.actlab
INF, NAN = float("inf"), float("nan")


def _same(a: torch.Tensor, b: torch.Tensor) -> None:
    """Equal bits (NaN payloads aside) and dtype."""
    assert a.dtype == b.dtype
    torch.testing.assert_close(a, b, rtol=0, atol=0, equal_nan=True)
    assert torch.equal(a.signbit() & ~a.isnan(), b.signbit() & ~b.isnan())  # +-0 in place


def _entries(shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    """Integers in [-3, 3] (many ties), with +-0, +-inf and NaN sprinkled in."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(-3, 4, shape, generator=g).double()
    special = torch.tensor([0.0, -0.0, INF, -INF, NAN], dtype=torch.float64)
    pick = torch.rand(shape, generator=g) < 0.15
    return torch.where(pick, special[torch.randint(0, 5, shape, generator=g)], x)


CASES = [  # (op args after dim, shape, dim)
    ("max_min", (), (6, 8), -1),
    ("max_min", (), (2, 6, 5, 3), 1),
    ("max_min", (), (4, 3), 0),
    ("group_sort", (2,), (2, 6, 5, 3), 1),
    ("group_sort", (1,), (3, 7), -1),
    ("group_sort", (3,), (5, 12), -1),
    ("group_sort", (4,), (2, 8, 9), 1),
    ("group_sort", (20,), (3, 40, 2), 1),  # std::stable_sort
    ("group_sort", (7,), (7,), 0),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.float16])
@pytest.mark.parametrize("fn, extra, shape, dim", CASES)
def test_the_kernels_are_the_declaration(fn: str, extra: tuple, shape: tuple, dim: int, dtype: torch.dtype) -> None:
    decl = next(d for d in actlab.declarations() if d.function == fn)
    params = dict(zip(list(decl.op_params())[1:], extra))
    x = _entries(shape).to(dtype)
    g = torch.randn(shape, generator=torch.Generator().manual_seed(1)).to(dtype)
    _same(
        getattr(OPS, fn)(x, dim, *extra),
        decl.forward(x.float() if dtype != torch.float64 else x, dim, **params).to(dtype),
    )
    expected = decl.vjp(g.double(), x.double(), dim, **params).to(dtype)
    _same(getattr(OPS, f"{fn}_backward")(g, x, dim, *extra), expected)


def test_layouts_threads_and_errors() -> None:
    x = _entries((6, 40, 30)).float()
    t = x.transpose(0, 2)
    y = OPS.max_min(t, 1)
    _same(y, OPS.max_min(t.contiguous(), 1))
    assert y.stride() == torch.empty_like(t).stride()
    s = x[:, ::2, 1::3]
    _same(OPS.group_sort(s, 1, 4), OPS.group_sort(s.contiguous(), 1, 4))
    g = torch.randn(1, 40, 1).expand(6, 40, 30)  # stride-0 grad
    _same(OPS.group_sort_backward(g, x, 1, 5), OPS.group_sort_backward(g.contiguous(), x, 1, 5))
    big = _entries((64, 512, 16)).float()
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = OPS.max_min(big, 1), OPS.group_sort_backward(big, big, 1, 4)
        torch.set_num_threads(2)
        two = OPS.max_min(big, 1), OPS.group_sort_backward(big, big, 1, 4)
    finally:
        torch.set_num_threads(threads)
    for a, b in zip(one, two):
        _same(a, b)
    assert OPS.max_min(torch.empty(0, 4), 1).shape == (0, 4)
    with pytest.raises(ShapeError, match="max_min: the size of dim 1 \\(5\\) is not a multiple of the group size 2"):
        OPS.max_min(torch.randn(3, 5), 1)
    with pytest.raises(ShapeError, match="group_sort: expected an input with at least one dimension"):
        OPS.group_sort(torch.tensor(1.0), 0, 2)


def test_gradients_through_the_kernels() -> None:
    x = torch.randn(3, 8, dtype=torch.float64, requires_grad=True)
    for fn in (
        lambda v: actlab.functional.max_min(v, dim=-1),
        lambda v: actlab.functional.group_sort(v, dim=1, group_size=4),
    ):
        assert torch.autograd.gradcheck(fn, (x,))
        assert torch.autograd.gradgradcheck(fn, (x,))
