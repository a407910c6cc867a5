r"""Self-gated activations x gate(x) (``native/csrc/gated.cpp``): SiLU, Swish, QuickGELU, Mish,
Hardswish, SmoothHardswish, SERF (GELU: :mod:`actlab.gpu.gelu`). Where a declaration computes
float32 in float64 (QuickGELU, Mish, SmoothHardswish, SERF), these stay in float32 and carry
instead what float64 was there for: the rounding of the gate's argument (z = 1.702 x), put back
to first order. Every function takes (x, p0, p1), the op's parameters as float32 scalars."""

from __future__ import annotations

import math

import numpy as np
import triton
import triton.language as tl

from .gelu import mills
from .prelude import (
    EXP_UNDERFLOW,
    TAIL,
    clamp,
    clamp_min,
    div,
    exp_fast,
    exp_inline,
    exp_tail_times,
    horner,
    max0,
    min0,
    mul_exp_nonpos,
    sigmoid,
    sigmoid_prime,
    softplus,
    tanh_expm1,
    two_prod,
)

QUICK_BETA = tl.constexpr(1.702)
QUICK_BETA_LO = tl.constexpr(1.702 - float(np.float32(1.702)))
QUICK_BOUND = tl.constexpr(800.0 / 1.702)
TWO_OVER_SQRT_PI = tl.constexpr(1.1283791670955126)
SQRT_2 = tl.constexpr(1.4142135623730951)
THIRD = tl.constexpr(1.0 / 3.0)
# SERF' = 0 at x0 = hi + lo; SERF'(x0 + d) = d P(d) for |d| <= 0.8 (gated.cpp: the float32 sum cancels there)
SERF_ZERO_HI = tl.constexpr(-1.1930599212646484)
SERF_ZERO_LO = tl.constexpr(-4.76635395596503e-08)
SERF_SLOPE_ZERO = tl.constexpr(
    (0.30150488018989563, 0.23161223530769348, 0.04754641279578209, -0.023334696888923645, -0.018722273409366608,
     -0.004523634444922209, 0.0009123552590608597, 0.0010540337534621358, 0.0002592558739706874,
     -2.1982241378282197e-05)
)  # fmt: skip
# erf p = c0 p + p^3 Q(p^2) below 3/4 (Taylor: c_k = 2/sqrt(pi) (-1)^k / (k! (2k + 1)), 9 terms, relative
# 1e-9), c0 = 2/sqrt(pi) as float32 hi + lo
ERF_TAYLOR = tl.constexpr(
    tuple(1.1283791670955126 * (-1) ** k / (math.factorial(k) * (2 * k + 1)) for k in range(1, 9))
)
ERF_C0_HI = tl.constexpr(float(np.float32(1.1283791670955126)))
ERF_C0_LO = tl.constexpr(1.1283791670955126 - float(np.float32(1.1283791670955126)))


# ---- x sigma(beta x): SiLU, Swish, QuickGELU -----------------------------------------------------
@triton.jit
def swish_value(x, beta, z_lo, bound, HAS_LO: tl.constexpr):
    """x / (1 + e^(-z)), z = beta x, sigma(z + z_lo) = sigma(z)(1 + sigma(-z) z_lo) with HAS_LO;
    below z = -64, x e^z scaled (x clamped to -bound: no inf * 0)."""
    xc = clamp_min(x, -bound)
    z = xc * beta  # tensor first: the interpreter keeps a constexpr argument's product a constexpr
    e = exp_fast(clamp(-(x * beta), -87.0, 87.0))
    d = 1.0 + e
    if HAS_LO:
        near = div(x * (1.0 + div(e, d) * z_lo), d)
    else:
        near = div(x, d)
    tail = z < TAIL
    far = exp_tail_times(xc, tl.where(tail, z, 0.0))
    if HAS_LO:
        far = far + far * z_lo
    return tl.where(tail, far, near)


@triton.jit
def swish_slope(z, z_lo, HAS_LO: tl.constexpr):
    """sigma(z) + z sigma'(z) = N / (1 + e)^2, e = e^(-|z|), N = e((1 + z) + e) for z <= 0 (1 + z
    exact near the zero at -1.28), (1 + e) + z e above; + g'(z) z_lo with HAS_LO."""
    zc = clamp(z, -EXP_UNDERFLOW, EXP_UNDERFLOW)
    ne = -tl.abs(zc)
    e = exp_fast(tl.where(ne < -87.0, -87.0, ne))
    d = 1.0 + e
    d2 = d * d
    neg = zc <= 0.0
    near = div(tl.where(neg, e * ((1.0 + min0(zc)) + e), d + zc * e), d2)
    if HAS_LO:  # g' = sigma'(z) (2 + z (1 - 2 sigma(z)))
        s = div(tl.where(neg, e, 1.0), d)
        near = near + (div(e, d2) * (2.0 + zc * (1.0 - 2.0 * s))) * z_lo
    tail = zc < TAIL
    far = exp_tail_times(1.0 + zc, tl.where(tail, zc, 0.0))
    if HAS_LO:
        far = far + far * z_lo
    return tl.where(tail, far, near)


@triton.jit
def swish_curvature(z, scale):
    """scale sigma'(z) (2 - z tanh(z/2))."""
    zc = clamp(z, -EXP_UNDERFLOW, EXP_UNDERFLOW)
    return (sigmoid_prime(zc) * scale) * (2.0 - zc * tanh_expm1(0.5 * zc))


@triton.jit
def silu_f(x, p0, p1):
    """x sigma(x)."""
    return swish_value(x, 1.0, 0.0, EXP_UNDERFLOW, False)


@triton.jit
def silu_df(x, p0, p1):
    return swish_slope(x, 0.0, False)


@triton.jit
def silu_d2f(x, p0, p1):
    """sigma'(x) (2 - x tanh(x/2))."""
    return swish_curvature(x, 1.0)


@triton.jit
def swish_f(x, beta, bound):
    """x sigma(beta x); bound = 800 / max(|beta|, 1e-30)."""
    return swish_value(x, beta, 0.0, bound, False)


@triton.jit
def swish_df(x, beta, bound):
    return swish_slope(beta * x, 0.0, False)


@triton.jit
def swish_d2f(x, beta, bound):
    return swish_curvature(beta * x, beta)


@triton.jit
def quick_lo(x):
    """The rounding error of 1.702 x (1.702 itself is not a float32), x clamped to 1000."""
    xc = clamp(x, -1000.0, 1000.0)
    _, err = two_prod(xc, QUICK_BETA)
    return err + xc * QUICK_BETA_LO


@triton.jit
def quick_gelu_f(x, p0, p1):
    """x sigma(1.702 x)."""
    return swish_value(x, QUICK_BETA, quick_lo(x), QUICK_BOUND, True)


@triton.jit
def quick_gelu_df(x, p0, p1):
    return swish_slope(x * QUICK_BETA, quick_lo(x), True)


@triton.jit
def quick_gelu_d2f(x, p0, p1):
    return swish_curvature(x * QUICK_BETA, QUICK_BETA)


# ---- Mish ----------------------------------------------------------------------------------------
@triton.jit
def mish_parts(x):
    """t = tanh(softplus x) and 1 - t^2 without cancellation: e = e^(-|x|), t = n / (n + 2) with
    n = e (e + 2) for x <= 0, (1 + 2e) / (1 + 2e + 2e^2) above."""
    e = exp_inline(-tl.abs(x))
    neg = x <= 0.0
    n = e * (e + 2.0)
    d_pos = (1.0 + 2.0 * e) + (2.0 * e) * e
    t = tl.where(neg, div(n, n + 2.0), div(1.0 + 2.0 * e, d_pos))
    one_minus_t = tl.where(neg, div(2.0, n + 2.0), div((2.0 * e) * e, d_pos))
    return t, one_minus_t * (1.0 + t)


@triton.jit
def mish_f(x, p0, p1):
    """x tanh(softplus x); x e^x scaled below -64."""
    xc = clamp_min(x, -EXP_UNDERFLOW)
    t, _ = mish_parts(x)
    tail = xc < TAIL
    return tl.where(tail, exp_tail_times(xc, tl.where(tail, xc, 0.0)), xc * t)


@triton.jit
def mish_df(x, p0, p1):
    """t + x sigma(x)(1 - t^2); for x <= 0 one rational in e = e^x."""
    t, sech2 = mish_parts(x)
    xc = clamp(x, -EXP_UNDERFLOW, EXP_UNDERFLOW)
    xn = min0(xc)
    e = exp_inline(xn)
    d = e * (e + 2.0) + 2.0
    neg = div(e * (4.0 * (1.0 + xn) + e * ((4.0 * xn + 6.0) + e * (4.0 + e))), d * d)
    near = tl.where(xc <= 0.0, neg, t + (xc * sigmoid(x)) * sech2)
    tail = xc < TAIL
    return tl.where(tail, exp_tail_times(1.0 + xc, tl.where(tail, xc, 0.0)), near)


@triton.jit
def mish_d2f(x, p0, p1):
    """2 sigma (1 - t^2) + x (1 - t^2)(sigma' - 2 t sigma^2)."""
    t, sech2 = mish_parts(x)
    xc = clamp(x, -EXP_UNDERFLOW, EXP_UNDERFLOW)
    sg = sigmoid(x)
    return 2.0 * (sg * sech2) + (xc * sech2) * (sigmoid_prime(xc) - ((2.0 * t) * sg) * sg)


# ---- Hardswish, SmoothHardswish -----------------------------------------------------------------------
@triton.jit
def hardswish_f(x, p0, p1):
    """0 below -3, x above 3, x (x + 3) / 6 between."""
    return tl.where(x <= -3.0, 0.0, tl.where(x >= 3.0, x, div(x * (x + 3.0), 6.0)))


@triton.jit
def hardswish_df(x, p0, p1):
    """(2x + 3) / 6 on (-3, 3) (0 at -3, 1 at 3)."""
    return tl.where(x <= -3.0, 0.0, tl.where(x < 3.0, div(2.0 * x + 3.0, 6.0), 1.0))


@triton.jit
def hardswish_d2f(x, p0, p1):
    return tl.where((x > -3.0) & (x < 3.0), THIRD, 0.0)


@triton.jit
def smooth_hardswish_f(x, p0, p1):
    """x (x + 3)^2 (6 - x) / 108 on (-3, 3), max(0, x) outside."""
    inner = (x > -3.0) & (x < 3.0)
    xi = tl.where(inner, x, 0.0)
    a = xi + 3.0
    return tl.where(inner, div((xi * (a * a)) * (6.0 - xi), 108.0), max0(x))


@triton.jit
def smooth_hardswish_df(x, p0, p1):
    inner = (x > -3.0) & (x < 3.0)
    xi = tl.where(inner, x, 0.0)
    q = (18.0 + 12.0 * xi) - (4.0 * xi) * xi
    return tl.where(inner, div((xi + 3.0) * q, 108.0), tl.where(x >= 3.0, 1.0, 0.0))


@triton.jit
def smooth_hardswish_d2f(x, p0, p1):
    inner = (x > -3.0) & (x < 3.0)
    return tl.where(inner, div(54.0 - (12.0 * x) * x, 108.0), 0.0)


# ---- SERF: x erf(softplus x) ---------------------------------------------------------------------
@triton.jit
def erf_nonneg(p):
    """erf p for p >= 0 (NaN stays NaN), <= 1.5 ulps: c0 p + p^3 Q(p^2) (Taylor) below 3/4; above,
    1 - erfc p with erfc p = 2 e^(-p^2) R(sqrt(2) p) (GELU's Mills ratio, p^2 exact)."""
    pc = tl.where(p > 10.0, 10.0, p)  # erf = 1 in float32 from 4 on
    p2 = pc * pc
    series = pc * ERF_C0_HI + pc * (ERF_C0_LO + p2 * horner(p2, ERF_TAYLOR, 8))
    q, den = mills(pc * SQRT_2)
    pp, pp_lo = two_prod(pc, pc)
    erfc = mul_exp_nonpos(2.0 * div(q, den), -pp, -pp_lo)
    return tl.where(pc < 0.75, series, 1.0 - erfc)


@triton.jit
def erf_prime(p):
    """erf'(p) = 2/sqrt(pi) e^(-p^2)."""
    return exp_inline(-p * p) * TWO_OVER_SQRT_PI


@triton.jit
def serf_f(x, p0, p1):
    """x erf(softplus x); x (2/sqrt pi) e^x scaled below -64 (softplus x ~ e^x is subnormal)."""
    xc = clamp_min(x, -EXP_UNDERFLOW)
    tail = x < TAIL
    far = exp_tail_times(xc * TWO_OVER_SQRT_PI, tl.where(tail, xc, 0.0))
    return tl.where(tail, far, xc * erf_nonneg(softplus(x)))


@triton.jit
def serf_df(x, p0, p1):
    """erf(p) + x erf'(p) sigma(x), p = softplus x; d P(d) near the zero x0 (|x - x0| < 0.8)."""
    xc = clamp(x, -EXP_UNDERFLOW, EXP_UNDERFLOW)
    p = softplus(xc)
    near = erf_nonneg(softplus(x)) + (xc * erf_prime(p)) * sigmoid(xc)
    tail = x < TAIL
    near = tl.where(tail, exp_tail_times((1.0 + xc) * TWO_OVER_SQRT_PI, tl.where(tail, xc, 0.0)), near)
    d = (x - SERF_ZERO_HI) - SERF_ZERO_LO
    return tl.where(tl.abs(d) < 0.8, d * horner(d, SERF_SLOPE_ZERO, 10), near)


@triton.jit
def serf_d2f(x, p0, p1):
    """erf'(p) (2 sigma + x (sigma' - 2 p sigma^2))."""
    xc = clamp(x, -EXP_UNDERFLOW, EXP_UNDERFLOW)
    p = softplus(xc)
    s = sigmoid(xc)
    return erf_prime(p) * (2.0 * s + xc * (sigmoid_prime(xc) - ((2.0 * p) * s) * s))
