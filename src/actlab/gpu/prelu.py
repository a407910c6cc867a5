r"""PReLU as Triton kernels (``native/csrc/prelu.cpp``): y = x if x > 0 else w x, w one slope or one
per channel (the functional layer shapes it to broadcast: (1, C, 1, ...)). The slope of element e
of a contiguous x is w[(e // inner) % C]. Backward (g or g w, and the sum of g x where x <= 0 to
w's shape, by torch); double backward PReLU.vjp2: d/dg = ggx (x > 0) or ggx w + ggw x, d/dx = 0 or
ggw g, d/dw = the sum of ggx g where x <= 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
import triton
import triton.language as tl
from torch import Tensor

from .elementwise import block_offsets, launch, served
from .storage import code, load, store


@triton.jit
def channel(n, inner, c, BLOCK: tl.constexpr):
    """This block's offsets, mask and each element's channel (its slope's index)."""
    offs, mask = block_offsets(n, BLOCK)
    return offs, mask, (offs // inner) % c


@triton.jit
def prelu_forward(x_ptr, w_ptr, y_ptr, n, inner, c, IO: tl.constexpr, BLOCK: tl.constexpr):
    offs, mask, ch = channel(n, inner, c, BLOCK)
    x = load(x_ptr, offs, mask, IO)
    w = load(w_ptr, ch, mask, IO)
    store(y_ptr, offs, tl.where(x > 0.0, x, w * x), mask, IO)


@triton.jit
def prelu_backward(g_ptr, x_ptr, w_ptr, gx_ptr, gxw_ptr, n, inner, c, IO: tl.constexpr, BLOCK: tl.constexpr):
    """gx = g or g w; gxw = 0 or g x (summed to w's shape by the caller)."""
    offs, mask, ch = channel(n, inner, c, BLOCK)
    g = load(g_ptr, offs, mask, IO)
    x = load(x_ptr, offs, mask, IO)
    w = load(w_ptr, ch, mask, IO)
    pos = x > 0.0
    store(gx_ptr, offs, tl.where(pos, g, g * w), mask, IO)
    store(gxw_ptr, offs, tl.where(pos, 0.0, g * x), mask, IO)


@triton.jit
def prelu_double(
    a_ptr, b_ptr, g_ptr, x_ptr, w_ptr, dg_ptr, dx_ptr, dwx_ptr, n, inner, c, IO: tl.constexpr, BLOCK: tl.constexpr
):
    """a = ggx, b = ggw (per channel): d/dg, d/dx and d/dw's terms (summed by the caller)."""
    offs, mask, ch = channel(n, inner, c, BLOCK)
    a = load(a_ptr, offs, mask, IO)
    b = load(b_ptr, ch, mask, IO)
    g = load(g_ptr, offs, mask, IO)
    x = load(x_ptr, offs, mask, IO)
    w = load(w_ptr, ch, mask, IO)
    pos = x > 0.0
    store(dg_ptr, offs, tl.where(pos, a, a * w + b * x), mask, IO)
    store(dx_ptr, offs, tl.where(pos, 0.0, b * g), mask, IO)
    store(dwx_ptr, offs, tl.where(pos, 0.0, a * g), mask, IO)


def channels(x: Tensor, w: Tensor) -> tuple[int, int] | None:
    """(inner, C) of a slope tensor w broadcast against x: one slope, or one per entry of a single
    dim of x; None for other shapes (the composite kernel runs)."""
    if w.numel() == 1:
        return 1, 1
    if w.dim() > x.dim():
        return None
    wide = [d for d in range(w.dim()) if w.size(d) != 1]
    if len(wide) != 1:
        return None
    d = x.dim() - w.dim() + wide[0]
    if x.size(d) != w.numel():
        return None
    return int(torch.Size(x.shape[d + 1 :]).numel()), w.numel()


def like_x(y: Tensor, x: Tensor) -> Tensor:
    return y if x.is_contiguous() else torch.empty_like(x).copy_(y)


class PreluOps:
    """prelu, prelu_backward, prelu_double_backward; None where not served."""

    @staticmethod
    def forward(x: Tensor, weight: Tensor) -> Tensor | None:
        sizes = channels(x, weight)
        if sizes is None or not served(x) or weight.dtype != x.dtype or weight.device != x.device:
            return None
        xc, w = x.contiguous(), weight.reshape(-1).contiguous()
        y = torch.empty_like(xc)
        run(prelu_forward, (xc, w), (y,), sizes)
        return like_x(y, x)

    @staticmethod
    def backward(g: Tensor, x: Tensor, weight: Tensor) -> tuple[Tensor, Tensor] | None:
        sizes = channels(x, weight)
        if sizes is None or not served(g, x) or weight.dtype != x.dtype or weight.device != x.device:
            return None
        xc, w = x.contiguous(), weight.reshape(-1).contiguous()
        gx, gxw = torch.empty_like(xc), torch.empty_like(xc)
        run(prelu_backward, (g.contiguous(), xc, w), (gx, gxw), sizes)
        return like_x(gx, x), gxw.sum_to_size(weight.shape)

    @staticmethod
    def double(ggx: Tensor, ggw: Tensor, g: Tensor, x: Tensor, weight: Tensor) -> tuple[Tensor, Tensor, Tensor] | None:
        sizes = channels(x, weight)
        same = ggw.shape == weight.shape and ggw.dtype == weight.dtype == x.dtype and weight.device == x.device
        if sizes is None or not served(ggx, g, x) or not same:
            return None
        xc = x.contiguous()
        dg, dx, dwx = torch.empty_like(xc), torch.empty_like(xc), torch.empty_like(xc)
        ins = (ggx.contiguous(), ggw.reshape(-1).contiguous(), g.contiguous(), xc, weight.reshape(-1).contiguous())
        run(prelu_double, ins, (dg, dx, dwx), sizes)
        return like_x(dg, g), like_x(dx, x), dwx.sum_to_size(weight.shape)


def run(kernel: Any, ins: tuple[Tensor, ...], outs: tuple[Tensor, ...], sizes: tuple[int, int]) -> None:
    """kernel(ins..., outs..., n, inner, C) over the elements of x (outs[0]'s shape)."""
    n = outs[0].numel()
    launch(kernel, n, (*ins, *outs), n, *sizes, io=code(outs[0].dtype))


def prelu_ops() -> Iterator[tuple[str, Any]]:
    yield "prelu", PreluOps.forward
    yield "prelu_backward", PreluOps.backward
    yield "prelu_double_backward", PreluOps.double
