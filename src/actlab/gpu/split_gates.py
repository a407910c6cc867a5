r"""The GLU family as Triton kernels (``native/csrc/split_gate.h``): x = [a, b] halves along dim,
out = a gate(b), the gate an elementwise activation's f, f', f'' (:mod:`actlab.gpu.activations`):

=====================================  ==========================================================
op                                     computes
=====================================  ==========================================================
``fn(x, dim, p)``                      a gate(b)
``fn_backward(g, x, dim, p)``          [g gate(b), (g a) gate'(b)]
``fn_double_backward(gg, g, x, ...)``  d/dg = gga gate(b) + (ggb a) gate'(b),
                                       d/dx = [(ggb g) gate'(b), (gga g) gate'(b) + ((ggb g) a) gate''(b)]
=====================================  ==========================================================

A contiguous x is (outer, 2, M) with M = half * inner: element k of row o of a is at o 2M + k, of
b at o 2M + M + k; a kernel runs over the outer * M elements of a.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
import triton
import triton.language as tl
from torch import Tensor

from .activations import GELU, RELU, SIGMOID, SILU, Kernels
from .elementwise import block_offsets, launch, served
from .storage import code, load, store


@triton.jit
def halves(n, m, BLOCK: tl.constexpr):
    """The offsets of a and b for this block of the outer * M elements of a, and their mask."""
    offs, mask = block_offsets(n, BLOCK)
    o = offs // m
    ia = offs + o * m
    return offs, ia, ia + m, mask


@triton.jit
def gate_forward(x_ptr, out_ptr, n, m, F: tl.constexpr, IO: tl.constexpr, BLOCK: tl.constexpr):
    offs, ia, ib, mask = halves(n, m, BLOCK)
    a = load(x_ptr, ia, mask, IO)
    store(out_ptr, offs, a * F(load(x_ptr, ib, mask, IO), 0.0, 0.0), mask, IO)


@triton.jit
def gate_backward(
    g_ptr, x_ptr, out_ptr, n, m, F: tl.constexpr, DF: tl.constexpr, IO: tl.constexpr, BLOCK: tl.constexpr
):
    offs, ia, ib, mask = halves(n, m, BLOCK)
    g = load(g_ptr, offs, mask, IO)
    a = load(x_ptr, ia, mask, IO)
    b = load(x_ptr, ib, mask, IO)
    store(out_ptr, ia, g * F(b, 0.0, 0.0), mask, IO)
    store(out_ptr, ib, (g * a) * DF(b, 0.0, 0.0), mask, IO)


@triton.jit
def gate_double(
    gg_ptr,
    g_ptr,
    x_ptr,
    dg_ptr,
    dx_ptr,
    n,
    m,
    F: tl.constexpr,
    DF: tl.constexpr,
    D2F: tl.constexpr,
    IO: tl.constexpr,
    BLOCK: tl.constexpr,
):
    offs, ia, ib, mask = halves(n, m, BLOCK)
    gga = load(gg_ptr, ia, mask, IO)
    ggb = load(gg_ptr, ib, mask, IO)
    g = load(g_ptr, offs, mask, IO)
    a = load(x_ptr, ia, mask, IO)
    b = load(x_ptr, ib, mask, IO)
    da = DF(b, 0.0, 0.0)
    gbg = ggb * g
    store(dg_ptr, offs, gga * F(b, 0.0, 0.0) + (ggb * a) * da, mask, IO)
    store(dx_ptr, ia, gbg * da, mask, IO)
    store(dx_ptr, ib, (gga * g) * da + (gbg * a) * D2F(b, 0.0, 0.0), mask, IO)


def split_sizes(x: Tensor, dim: int) -> tuple[int, int] | None:
    """(outer, M) of x split along dim, or None where the declaration raises (scalars, odd sizes,
    dim out of range): the composite kernel then gives its error."""
    if x.dim() == 0 or not -x.dim() <= dim < x.dim():
        return None
    d = dim % x.dim()
    if x.size(d) % 2:
        return None
    outer = int(torch.Size(x.shape[:d]).numel())
    return outer, (x.size(d) // 2) * int(torch.Size(x.shape[d + 1 :]).numel())


def half_of(g: Tensor, x: Tensor, sizes: tuple[int, int]) -> bool:
    """Whether g is shaped as x's halves, in x's dtype and on its device."""
    return g.dtype == x.dtype and g.device == x.device and g.numel() == sizes[0] * sizes[1] and g.dim() == x.dim()


def in_layout_of(y: Tensor, like: Tensor) -> Tensor:
    """y (contiguous) in like's layout: y itself when like is contiguous."""
    return y if like.is_contiguous() else torch.empty_like(like).copy_(y)


class SplitGateOps:
    """The Triton kernels of one split-gate op family; ``forms(*params)`` gives the gate's kernels
    (None: not served)."""

    def __init__(self, forms: Any):
        self.forms = forms

    @staticmethod
    def launch(kernel: Any, outs: tuple[Tensor, ...], ins: tuple[Tensor, ...], sizes: tuple[int, int], **fns: Any):
        """kernel over the outer * M elements of a."""
        n = sizes[0] * sizes[1]
        launch(kernel, n, (*ins, *outs), n, sizes[1], io=code(ins[0].dtype), **fns)

    def forward(self, x: Tensor, dim: int, *params: Any) -> Tensor | None:
        gate: Kernels | None = self.forms(*params)
        sizes = split_sizes(x, dim)
        if gate is None or sizes is None or not served(x):
            return None
        shape = list(x.shape)
        shape[dim % x.dim()] //= 2
        out = x.new_empty(shape)
        self.launch(gate_forward, (out,), (x.contiguous(),), sizes, F=gate.f)
        return out

    def backward(self, g: Tensor, x: Tensor, dim: int, *params: Any) -> Tensor | None:
        gate = self.forms(*params)
        sizes = split_sizes(x, dim)
        if gate is None or sizes is None or not served(x) or not half_of(g, x, sizes):
            return None
        out = torch.empty(x.shape, dtype=x.dtype, device=x.device)
        self.launch(gate_backward, (out,), (g.contiguous(), x.contiguous()), sizes, F=gate.f, DF=gate.df)
        return in_layout_of(out, x)

    def double(self, gg: Tensor, g: Tensor, x: Tensor, dim: int, *params: Any) -> tuple[Tensor, Tensor] | None:
        gate = self.forms(*params)
        sizes = split_sizes(x, dim)
        if gate is None or sizes is None or not served(gg, x) or not half_of(g, x, sizes):
            return None
        dg = torch.empty(g.shape, dtype=g.dtype, device=g.device)
        dx = torch.empty(x.shape, dtype=x.dtype, device=x.device)
        ins = (gg.contiguous(), g.contiguous(), x.contiguous())
        self.launch(gate_double, (dg, dx), ins, sizes, F=gate.f, DF=gate.df, D2F=gate.d2f)
        return in_layout_of(dg, g), in_layout_of(dx, x)


def split_gate_ops() -> Iterator[tuple[str, Any]]:
    """(op name, kernel) of the GLU family: glu (sigmoid), swiglu (SiLU), reglu (ReLU), geglu (GELU)."""
    families = {
        "glu": lambda: SIGMOID,
        "swiglu": lambda: SILU,
        "reglu": lambda: RELU,
        "geglu": lambda approximate: GELU.get(approximate),
    }
    for fn, forms in families.items():
        ops = SplitGateOps(forms)
        yield fn, ops.forward
        yield f"{fn}_backward", ops.backward
        yield f"{fn}_double_backward", ops.double
