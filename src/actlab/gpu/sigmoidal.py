"""Sigmoid-shaped activations (``native/csrc/sigmoidal.cpp``): Sigmoid, Tanh, Softsign,
Hardsigmoid, Hardtanh, LogSigmoid. Every function takes (x, p0, p1), the op's parameters as
float32 scalars."""

from __future__ import annotations

import triton
import triton.language as tl

from .prelude import (
    clamp,
    div,
    log1p_exp,
    min0,
    sech2,
    sigmoid,
    sigmoid_prime,
    sign,
    tanh_accurate,
    tanh_expm1,
)

SIXTH = tl.constexpr(1.0 / 6.0)


@triton.jit
def sigmoid_f(x, p0, p1):
    return sigmoid(x)


@triton.jit
def sigmoid_df(x, p0, p1):
    """sigma(x) sigma(-x) = e / (1 + e)^2, e = e^(-|x|)."""
    return sigmoid_prime(x)


@triton.jit
def sigmoid_d2f(x, p0, p1):
    """-sigma'(x) tanh(x/2)."""
    return -sigmoid_prime(x) * tanh_expm1(0.5 * x)


@triton.jit
def tanh_f(x, p0, p1):
    return tanh_accurate(x)


@triton.jit
def tanh_df(x, p0, p1):
    """sech^2 x."""
    return sech2(x)


@triton.jit
def tanh_d2f(x, p0, p1):
    """-2 tanh x sech^2 x."""
    return (-2.0 * tanh_expm1(x)) * sech2(x)


@triton.jit
def softsign_f(x, p0, p1):
    """x / (1 + |x|) (+-1 at +-inf)."""
    a = tl.abs(x)
    return tl.where(a == float("inf"), sign(x), div(x, 1.0 + a))


@triton.jit
def softsign_df(x, p0, p1):
    """1 / (1 + |x|)^2."""
    d = 1.0 + tl.abs(x)
    return div(1.0, d * d)


@triton.jit
def softsign_d2f(x, p0, p1):
    """-2 sign(x) / (1 + |x|)^3."""
    d = 1.0 + tl.abs(x)
    return div(-2.0 * sign(x), (d * d) * d)


@triton.jit
def hardsigmoid_f(x, p0, p1):
    """clamp(x + 3, 0, 6) / 6."""
    return div(clamp(x + 3.0, 0.0, 6.0), 6.0)


@triton.jit
def hardsigmoid_df(x, p0, p1):
    """1/6 on (-3, 3) (0 at +-3)."""
    return tl.where((x > -3.0) & (x < 3.0), SIXTH, 0.0)


@triton.jit
def hardsigmoid_df_y(y, p0, p1):
    """1/6 on 0 < y < 1."""
    return tl.where((y > 0.0) & (y < 1.0), SIXTH, 0.0)


@triton.jit
def hardtanh_f(x, lo, hi):
    """clamp(x, lo, hi)."""
    return clamp(x, lo, hi)


@triton.jit
def hardtanh_df(x, lo, hi):
    """[lo < x < hi] (1 at NaN, as torch); the same written with y."""
    return tl.where((x <= lo) | (x >= hi), 0.0, 1.0)


@triton.jit
def logsigmoid_f(x, p0, p1):
    """min(x, 0) - log1p(e^-|x|)."""
    return min0(x) - log1p_exp(-tl.abs(x))


@triton.jit
def logsigmoid_df(x, p0, p1):
    """sigma(-x)."""
    return sigmoid(-x)


@triton.jit
def logsigmoid_d2f(x, p0, p1):
    """-sigma'(x)."""
    return -sigmoid_prime(x)
