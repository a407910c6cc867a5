"""SoLU's kernels (csrc/softmax_maps.cpp: x times the softmax kernel's sigma, J^T g through the
softmax backward kernel) against the declaration in float64: within a few float eps of the row's
scale on every dtype, dim and layout; the limits at +-inf, NaN rows, scalars, empty tensors."""

from __future__ import annotations

import pytest
import torch
from ulps import needs_kernels

import actlab

pytestmark = needs_kernels

OPS = torch.ops.actlab
SOLU = next(d for d in actlab.declarations() if d.function == "solu")
INF, NAN = float("inf"), float("nan")


def _close(a: torch.Tensor, b: torch.Tensor, dtype: torch.dtype) -> None:
    """a (dtype) within 8 eps of dtype of b (float64), relative to b's finite scale (1 at least)."""
    assert a.dtype == dtype
    tol = 8 * torch.finfo(dtype).eps * max(float(b[b.isfinite()].abs().max()) if b.isfinite().any() else 1.0, 1.0)
    torch.testing.assert_close(a.double(), b, rtol=0, atol=tol, equal_nan=True)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.float16])
@pytest.mark.parametrize("shape, dim", [((6, 40), -1), ((3, 17, 5), 1), ((9,), 0), ((4, 3), 0)])
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
