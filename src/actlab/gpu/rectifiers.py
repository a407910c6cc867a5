"""Rectifiers (``native/csrc/rectifiers.cpp``): Threshold, ReLU, ReLU6, LeakyReLU, RReLU
(evaluation: LeakyReLU with the mean slope), SquaredReLU, HardMish. Piecewise linear or
quadratic: exact. Every function takes (x, p0, p1), the op's parameters as float32 scalars."""

from __future__ import annotations

import triton
import triton.language as tl

from .prelude import clamp, max0, min0


@triton.jit
def zero(x, p0, p1):
    """f'' of a piecewise-linear activation (the ops return zeros without calling it)."""
    return tl.zeros_like(x)


@triton.jit
def threshold_f(x, th, value):
    """value if x <= threshold else x."""
    return tl.where(x <= th, value, x)


@triton.jit
def threshold_df(x, th, value):
    """[x > threshold] (1 at NaN, as torch)."""
    return tl.where(x <= th, 0.0, 1.0)


@triton.jit
def relu_f(x, p0, p1):
    """max(0, x)."""
    return max0(x)


@triton.jit
def relu_df(x, p0, p1):
    """[x > 0] (relu'(0) = 0); the same written with y."""
    return tl.where(x <= 0.0, 0.0, 1.0)


@triton.jit
def relu6_f(x, p0, p1):
    """min(max(0, x), 6)."""
    return clamp(x, 0.0, 6.0)


@triton.jit
def relu6_df(x, p0, p1):
    """[0 < x < 6]; the same written with y."""
    return tl.where((x <= 0.0) | (x >= 6.0), 0.0, 1.0)


@triton.jit
def leaky_f(x, slope, p1):
    """x if x > 0 else slope x (LeakyReLU; RReLU in evaluation with slope (lower + upper) / 2)."""
    return tl.where(x > 0.0, x, x * slope)


@triton.jit
def leaky_df(x, slope, p1):
    """1 or slope (f'(0) = slope); the same written with y."""
    return tl.where(x > 0.0, 1.0, slope)


@triton.jit
def squared_relu_f(x, p0, p1):
    """max(0, x)^2."""
    r = max0(x)
    return r * r


@triton.jit
def squared_relu_df(x, p0, p1):
    return 2.0 * max0(x)


@triton.jit
def squared_relu_d2f(x, p0, p1):
    return tl.where(x > 0.0, 2.0, 0.0)


@triton.jit
def hard_mish_f(x, p0, p1):
    """x/2 min(max(x + 2, 0), 2): 0 below -2, x (x + 2) / 2 on [-2, 0], x above."""
    inner = tl.where(x <= -2.0, 0.0, min0(x))
    return tl.where(x >= 0.0, x, (0.5 * inner) * (inner + 2.0))


@triton.jit
def hard_mish_df(x, p0, p1):
    inner = (x >= -2.0) & (x <= 0.0)
    return tl.where(inner, x + 1.0, tl.where(x > 0.0, 1.0, 0.0))


@triton.jit
def hard_mish_d2f(x, p0, p1):
    return tl.where((x >= -2.0) & (x <= 0.0), 1.0, 0.0)
