"""The generic elementwise kernels, one per arity, and the ops of an elementwise declaration.

Each kernel takes the activation's ``@triton.jit`` functions as ``constexpr`` arguments (Triton
compiles one specialisation per function), its two float32 parameters ``p0, p1`` and the storage
code ``IO`` (:mod:`actlab.gpu.storage`), and runs over flat storage:

=================  ==========================================  ====================================
kernel             computes                                    ops
=================  ==========================================  ====================================
``map_f``          y = F(x)                                    ``fn``, ``fn_`` (y written into x)
``map_grad``       out = g DF(s)                               ``fn_backward``, ``fn_backward_y``
``map_double``     (gg DF(s), (gg g) D2F(s))                   ``fn_double_backward[_y]``
``map_second``     (gg g) D2F(s)                               ``fn_double_backward_x[_y]``
=================  ==========================================  ====================================

The operands of one launch share one dense layout (the output's: ``empty_like`` of the op's
reference input, as the fake kernels promise); an input in another layout is copied into it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import torch
import triton
import triton.language as tl
from torch import Tensor

from .activations import Activation, Kernels
from .storage import code, load, raw, store

BLOCK = 1024
NUM_WARPS = 4


@triton.jit
def block_offsets(n, BLOCK: tl.constexpr):
    offs = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    return offs, offs < n


@triton.jit
def map_f(x_ptr, y_ptr, n, p0, p1, F: tl.constexpr, IO: tl.constexpr, BLOCK: tl.constexpr):
    """y = F(x, p0, p1)."""
    offs, mask = block_offsets(n, BLOCK)
    store(y_ptr, offs, F(load(x_ptr, offs, mask, IO), p0, p1), mask, IO)


@triton.jit
def map_grad(g_ptr, s_ptr, out_ptr, n, p0, p1, DF: tl.constexpr, IO: tl.constexpr, BLOCK: tl.constexpr):
    """out = g DF(s, p0, p1)."""
    offs, mask = block_offsets(n, BLOCK)
    g = load(g_ptr, offs, mask, IO)
    store(out_ptr, offs, g * DF(load(s_ptr, offs, mask, IO), p0, p1), mask, IO)


@triton.jit
def map_double(
    gg_ptr,
    g_ptr,
    s_ptr,
    dg_ptr,
    ds_ptr,
    n,
    p0,
    p1,
    DF: tl.constexpr,
    D2F: tl.constexpr,
    IO: tl.constexpr,
    BLOCK: tl.constexpr,
):
    """(gg DF(s), (gg g) D2F(s))."""
    offs, mask = block_offsets(n, BLOCK)
    gg = load(gg_ptr, offs, mask, IO)
    s = load(s_ptr, offs, mask, IO)
    store(dg_ptr, offs, gg * DF(s, p0, p1), mask, IO)
    store(ds_ptr, offs, (gg * load(g_ptr, offs, mask, IO)) * D2F(s, p0, p1), mask, IO)


@triton.jit
def map_second(gg_ptr, g_ptr, s_ptr, ds_ptr, n, p0, p1, D2F: tl.constexpr, IO: tl.constexpr, BLOCK: tl.constexpr):
    """(gg g) D2F(s): the double backward's d/ds alone."""
    offs, mask = block_offsets(n, BLOCK)
    gg = load(gg_ptr, offs, mask, IO)
    g = load(g_ptr, offs, mask, IO)
    store(ds_ptr, offs, (gg * g) * D2F(load(s_ptr, offs, mask, IO), p0, p1), mask, IO)


# ---- launching ------------------------------------------------------------------------------------
def dense(t: Tensor) -> bool:
    """Whether t's elements fill a contiguous block of memory (any order of dims, no overlap)."""
    expected = 1
    for stride, size in sorted((s, n) for n, s in zip(t.shape, t.stride()) if n != 1):
        if stride != expected:
            return False
        expected *= size
    return True


def served(*ts: Tensor) -> bool:
    """Whether the Triton kernels take these operands: float32/bfloat16/float16, one dtype, shape
    and device (anything else runs the declaration's composite kernel)."""
    first = ts[0]
    return code_of(first) is not None and all(
        t.dtype == first.dtype and t.shape == first.shape and t.device == first.device for t in ts
    )


def code_of(t: Tensor) -> int | None:
    try:
        return code(t.dtype)
    except KeyError:
        return None


def in_layout(t: Tensor, like: Tensor) -> Tensor:
    """t with like's strides (like is dense): t itself when it has them, else a copy."""
    return t if t.stride() == like.stride() and dense(t) else torch.empty_like(like).copy_(t)


def device_of(t: Tensor) -> Any:
    """The CUDA device guard of t's device (Triton launches on the current device)."""
    return torch.cuda.device(t.device) if t.is_cuda else contextlib.nullcontext()


def launch(kernel: Any, n: int, tensors: Sequence[Tensor], *scalars: Any, io: int, **constexprs: Any) -> None:
    """kernel(tensors..., scalars..., constexprs) over n elements in blocks of BLOCK on the tensors'
    device, bfloat16 handed over as its bits, with fusion of multiply-adds off."""
    if n == 0:
        return
    with device_of(tensors[0]):
        kernel[(triton.cdiv(n, BLOCK),)](
            *(raw(t) for t in tensors), *scalars, **constexprs, IO=io, BLOCK=BLOCK, num_warps=NUM_WARPS,
            enable_fp_fusion=False,
        )  # fmt: skip


def run(kernel: Any, outs: Sequence[Tensor], ins: Sequence[Tensor], scalars: tuple, **fns: Any) -> None:
    """kernel(ins..., outs..., n, p0, p1, **fns) on the flat storage of same-layout operands."""
    n = outs[0].numel()
    launch(kernel, n, (*ins, *outs), n, *scalars, io=code(outs[0].dtype), **fns)


class ElementwiseOps:
    """The Triton kernels of one elementwise declaration's ops (see the module docstring): each
    method takes the op's arguments and returns its result, or None when the operands are not
    served (the caller then runs the composite kernel)."""

    def __init__(self, act: Activation):
        self.act = act

    def parts(self, params: tuple) -> tuple[Kernels, tuple[float, float]] | None:
        kernels = self.act.select(*params)
        return None if kernels is None else (kernels, self.act.scalars(*params))

    def f(self, x: Tensor, *params: Any) -> Tensor | None:
        parts = self.parts(params)
        if parts is None or not served(x):
            return None
        y = torch.empty_like(x)
        run(map_f, (y,), (in_layout(x, y),), parts[1], F=parts[0].f)
        return y

    def f_(self, x: Tensor, *params: Any) -> Tensor | None:
        """f(x) written into x (without a version bump: the caller's autograd kernel bumps once)."""
        parts = self.parts(params)
        if parts is None or not served(x):
            return None
        if dense(x):
            run(map_f, (x,), (x,), parts[1], F=parts[0].f)
            return x
        y = self.f(x, *params)
        with torch.autograd._unsafe_preserve_version_counter(x):
            return x.copy_(y)

    def grad(self, df: Callable[[Kernels], Any]) -> Callable[..., Tensor | None]:
        """``fn_backward(g, s)`` = g DF(s), DF = df(kernels) (f' written with x or y)."""

        def backward(g: Tensor, s: Tensor, *params: Any) -> Tensor | None:
            parts = self.parts(params)
            if parts is None or not served(g, s):
                return None
            out = torch.empty_like(g)
            run(map_grad, (out,), (in_layout(g, out), in_layout(s, out)), parts[1], DF=df(parts[0]))
            return out

        return backward

    def double(self, df: Callable[[Kernels], Any], d2f: Callable[[Kernels], Any]) -> Callable[..., Any]:
        """``fn_double_backward(gg, g, s)`` = (gg DF(s), gg g D2F(s)); for a piecewise-linear
        activation the second is zeros (as torch: NaN or inf in gg, g or s give 0)."""
        grad, second = self.grad(df), self.second(d2f)

        def double_backward(gg: Tensor, g: Tensor, s: Tensor, *params: Any) -> tuple[Tensor, Tensor] | None:
            parts = self.parts(params)
            if parts is None or not served(gg, g, s):
                return None
            if self.act.linear:
                return grad(gg, s, *params), torch.zeros_like(s)
            dg, ds = torch.empty_like(g), torch.empty_like(s)
            ins = (in_layout(gg, dg), in_layout(g, dg), in_layout(s, dg))
            if ds.stride() != dg.stride():
                return grad(gg, s, *params), second(gg, g, s, *params)
            run(map_double, (dg, ds), ins, parts[1], DF=df(parts[0]), D2F=d2f(parts[0]))
            return dg, ds

        return double_backward

    def second(self, d2f: Callable[[Kernels], Any]) -> Callable[..., Tensor | None]:
        """``fn_double_backward_x(gg, g, s)`` = gg g D2F(s) (zeros when piecewise linear)."""

        def double_backward_x(gg: Tensor, g: Tensor, s: Tensor, *params: Any) -> Tensor | None:
            parts = self.parts(params)
            if parts is None or not served(gg, g, s):
                return None
            if self.act.linear:
                return torch.zeros_like(s)
            ds = torch.empty_like(s)
            ins = (in_layout(gg, ds), in_layout(g, ds), in_layout(s, ds))
            run(map_second, (ds,), ins, parts[1], D2F=d2f(parts[0]))
            return ds

        return double_backward_x
