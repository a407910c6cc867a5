r"""RReLU's counter-based training noise as Triton kernels (``ops/random.py``, ``native/csrc/noise.cpp``):
a slope U(lower, upper) where x <= 0, else 1, from a hash of (element index in row-major order +
seed) ("lowbias32": h ^= h >> 16, h *= 0x7FEB352D, h ^= h >> 15, h *= 0x2C1B3C6D, h ^= h >> 16;
u = (h >> 8) / 2^24), slope = lower + (upper - lower) u rounded as torch's ops round it (two
roundings, float32 lower and upper - lower). The same stream, bit for bit, as the CPU's and the
composite's, on every device: ``rrelu_noise_counter``, ``rrelu_counter`` (x * noise) and
``rrelu_counter_backward`` (g * noise recomputed from x), each product rounded once to the
operand's dtype. torch's generator stream (``rrelu_noise``) keeps its composite kernel.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
import triton
import triton.language as tl
from torch import Tensor

from .activations import f32
from .elementwise import block_offsets, launch, served
from .storage import FLOAT32, code, load, store


@triton.jit
def slopes(offs, x, lower, span, seed):
    """The noise of elements offs (row-major indices) with values x."""
    h = ((offs + seed) & 0xFFFFFFFF).to(tl.uint32)
    h = h ^ (h >> 16)
    h = h * 0x7FEB352D
    h = h ^ (h >> 15)
    h = h * 0x2C1B3C6D
    h = h ^ (h >> 16)
    u = (h >> 8).to(tl.float32) * (1.0 / 16777216.0)
    return tl.where(x <= 0.0, lower + span * u, 1.0)


@triton.jit
def noise_kernel(x_ptr, out_ptr, n, lower, span, seed, IO: tl.constexpr, BLOCK: tl.constexpr):
    """out (float32) = the noise of x."""
    offs, mask = block_offsets(n, BLOCK)
    store(out_ptr, offs, slopes(offs, load(x_ptr, offs, mask, IO), lower, span, seed), mask, FLOAT32)


@triton.jit
def scaled_kernel(v_ptr, x_ptr, out_ptr, n, lower, span, seed, IO: tl.constexpr, BLOCK: tl.constexpr):
    """out = v * noise(x), rounded once to v's dtype."""
    offs, mask = block_offsets(n, BLOCK)
    noise = slopes(offs, load(x_ptr, offs, mask, IO), lower, span, seed)
    store(out_ptr, offs, load(v_ptr, offs, mask, IO) * noise, mask, IO)


def run(kernel: Any, tensors: tuple[Tensor, ...], n: int, lower: float, upper: float, seed: int, io: int) -> None:
    launch(kernel, n, tensors, n, f32(lower), f32(upper - lower), seed, io=io)


def in_x_layout(y: Tensor, x: Tensor) -> Tensor:
    """y (row-major) in x's layout (the fake kernels': empty_like(x))."""
    return y if x.is_contiguous() else torch.empty_like(x, dtype=y.dtype).copy_(y)


def noise_counter(x: Tensor, lower: float, upper: float, seed: int) -> Tensor | None:
    if not served(x):
        return None
    xc = x.contiguous()
    out = torch.empty(x.shape, dtype=torch.float32, device=x.device)
    run(noise_kernel, (xc, out), x.numel(), lower, upper, seed, code(x.dtype))
    return in_x_layout(out, x)


def counter_step(x: Tensor, lower: float, upper: float, seed: int) -> Tensor | None:
    """x * noise(x)."""
    if not served(x):
        return None
    xc = x.contiguous()
    out = torch.empty_like(xc)
    run(scaled_kernel, (xc, xc, out), x.numel(), lower, upper, seed, code(x.dtype))
    return in_x_layout(out, x)


def counter_backward(g: Tensor, x: Tensor, lower: float, upper: float, seed: int) -> Tensor | None:
    """g * noise(x), in g's dtype and x's layout."""
    if not served(g, x):
        return None
    xc = x.contiguous()
    out = torch.empty_like(xc)
    run(scaled_kernel, (g.contiguous(), xc, out), x.numel(), lower, upper, seed, code(x.dtype))
    return in_x_layout(out, x)


def noise_ops() -> Iterator[tuple[str, Any]]:
    yield "rrelu_noise_counter", noise_counter
    yield "rrelu_counter", counter_step
    yield "rrelu_counter_backward", counter_backward
