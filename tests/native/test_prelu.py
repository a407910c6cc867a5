"""The PReLU kernels (csrc/rectifier.cpp): forward and both gradients against the declaration, one
slope or one per channel, float32/float64/bfloat16."""

from __future__ import annotations

import pytest
import torch
from ulps import needs_kernels

import actlab

pytestmark = needs_kernels

OPS = torch.ops.actlab


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
@pytest.mark.parametrize(
    "shape, weight", [((4, 3), ()), ((2, 3, 5, 5), (1, 3, 1, 1)), ((8, 3), (1, 3)), ((8, 3), (3,)), ((5,), (1,))]
)
def test_prelu_forward_and_both_gradients(shape: tuple, weight: tuple, dtype: torch.dtype) -> None:
    decl = actlab.declaration("PReLU")
    g0 = torch.Generator().manual_seed(0)
    x, g = torch.randn(shape, generator=g0).to(dtype), torch.randn(shape, generator=g0).to(dtype)
    w = torch.rand(weight, generator=g0).to(dtype)
    up = (lambda t: t.float()) if dtype == torch.bfloat16 else (lambda t: t)
    assert torch.equal(OPS.prelu(x, w), decl.forward(up(x), up(w)).to(dtype))
    gx, gw = OPS.prelu_backward(g, x, w)
    gxd, gwd = decl.vjp(up(g), up(x), up(w))
    assert gw.shape == w.shape and gw.dtype == dtype
    assert torch.equal(gx, gxd.to(dtype))
    torch.testing.assert_close(gw, gwd.to(dtype), rtol=1e-5 if dtype != torch.bfloat16 else 1e-2, atol=1e-6)


@pytest.mark.parametrize("shape, channels", [((6, 4), 4), ((6, 4), 1), ((7,), 1), ((2, 3, 4, 4), 3), ((2, 3, 4, 4), 1)])
def test_module_matches_torch_and_views_the_weight_only_when_it_must(shape: tuple, channels: int) -> None:
    """A (C,) or (1,) weight that already broadcasts goes to the op as it is: no view node
    between the output and the weight's AccumulateGrad (a node costs microseconds a call)."""
    x = torch.randn(shape, requires_grad=True)
    ours, theirs = actlab.nn.PReLU(channels, init=0.3), torch.nn.PReLU(channels, init=0.3)
    y, yt = ours(x), theirs(x)
    torch.testing.assert_close(y, yt, rtol=0, atol=0)
    g = torch.randn(shape)
    expected = torch.autograd.grad(yt, (x, theirs.weight), g)
    torch.testing.assert_close(torch.autograd.grad(y, (x, ours.weight), g), expected)
    weight_node = y.grad_fn.next_functions[1][0]
    viewed = len(shape) > 2 and channels > 1
    assert (type(weight_node).__name__ == "AccumulateGrad") != viewed
