"""PReLU's Triton kernels (src/actlab/gpu/prelu.py) under the interpreter: one slope and one per
channel, for 1-D to 4-D inputs and any layout; backward and double backward (the weight's gradient
summed by torch) against the declaration; bfloat16 as the float32 kernel rounded once."""

from __future__ import annotations

import pytest
import torch
from triton_cases import interpreted

import actlab

pytestmark = interpreted
OPS = torch.ops.actlab
SHAPES = [((7,), (1,)), ((5, 7), (1, 7)), ((2, 3, 4, 5), (1, 3, 1, 1)), ((2, 3, 4, 5), ()), ((6,), (6,))]


@pytest.mark.parametrize("shape,wshape", SHAPES, ids=[f"{s}-{w}" for s, w in SHAPES])
def test_prelu_ops_match_the_declaration(shape: tuple, wshape: tuple) -> None:
    decl = actlab.declaration("PReLU")
    gen = torch.Generator().manual_seed(len(shape))
    x, g = torch.randn(shape, generator=gen), torch.randn(shape, generator=gen)
    w = torch.rand(wshape, generator=gen)
    ggx, ggw = torch.randn(shape, generator=gen), torch.randn(wshape, generator=gen)
    assert torch.equal(OPS.prelu(x, w), decl.forward(x, w))
    gx, gw = OPS.prelu_backward(g, x, w)
    gx64, gw64 = decl.vjp(g.double(), x.double(), w.double())
    assert torch.equal(gx, gx64.float()) and gw.shape == w.shape
    torch.testing.assert_close(gw.double(), gw64, rtol=1e-5, atol=1e-6)
    for k, ref in zip(OPS.prelu_double_backward(ggx, ggw, g, x, w), decl.vjp2((ggx, ggw), g, x, w)):
        assert k.shape == ref.shape
        torch.testing.assert_close(k, ref, rtol=1e-5, atol=1e-6)


def test_layouts_and_half_precision() -> None:
    x = torch.randn(2, 3, 4, 5, generator=torch.Generator().manual_seed(1)).contiguous(
        memory_format=torch.channels_last
    )
    w = torch.tensor([0.1, 0.2, 0.3]).reshape(1, 3, 1, 1)
    y = OPS.prelu(x, w)
    assert y.stride() == x.stride() and torch.equal(y, OPS.prelu(x.contiguous(), w))
    for dtype in (torch.bfloat16, torch.float16):
        xh, wh = x.to(dtype), w.to(dtype)
        assert torch.equal(OPS.prelu(xh, wh), OPS.prelu(xh.float(), wh.float()).to(dtype))
