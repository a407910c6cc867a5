r"""GELU's gates (``native/csrc/gelu.h``): the exact x Phi(x) and the tanh form x sigma(2u), in
float32 with the gate's argument carried as hi + lo, so that the left tail (which amplifies the
argument's rounding |z| times) stays within a few ulps where torch's CUDA GELU loses every bit.

Exact: with t = |x|, 1 - Phi(t) = e^(-t^2/2) R(t), 1/R = 2 + sqrt(2 pi) t + t w(t), w = P/Q a
rational fit on [0, 15]; R = q / den is one division; e^(-t^2/2) keeps t^2's low part (Dekker)
and is fused with its factor (:func:`~actlab.gpu.prelude.mul_exp_nonpos`).
"""

from __future__ import annotations

import triton
import triton.language as tl

from .prelude import (
    clamp,
    clamp_max,
    clamp_min,
    div,
    exp_inline,
    exp_tail_times,
    horner,
    mul_exp_nonpos,
    sigmoid_from,
    sigmoid_prime,
    sigmoid_prime_from,
    tanh_expm1,
    two_prod,
    two_sum,
)

MILLS_REST_P = tl.constexpr(
    (-0.9108591675758362, -0.6829672455787659, -0.24580129981040955, -0.047271519899368286, -0.004174156580120325)
)
MILLS_REST_Q = tl.constexpr(
    (1.0, 1.049785852432251, 0.5321292877197266, 0.15576164424419403, 0.026253091171383858, 0.002087051747366786)
)
INV_SQRT_2PI_HI = tl.constexpr(0.3989422917366028)
INV_SQRT_2PI_LO = tl.constexpr(-1.133517e-08)
INV_SQRT_2PI = tl.constexpr(0.3989422804014327)
SQRT_2PI = tl.constexpr(2.5066282749176025)
GAUSS_UNDERFLOW = tl.constexpr(40.0)
# tanh form: z = 2u = K x (1 + C x^2), K = 2 sqrt(2/pi), C = 0.044715; K and K C as float32 hi + lo
TANH_UNDERFLOW = tl.constexpr(30.0)
TANH_K = tl.constexpr(1.5957691216057308)
TANH_C = tl.constexpr(0.044715)
TANH_3C = tl.constexpr(3.0 * 0.044715)
TANH_6KC = tl.constexpr(1.5957691216057308 * 6.0 * 0.044715)
K_HI = tl.constexpr(1.59576917)
K_LO = tl.constexpr(-4.534068e-08)
K3_HI = tl.constexpr(0.071354814)
K3_LO = tl.constexpr(2.3988324e-09)


@triton.jit
def mills(t):
    """R(t) = q / den, den = q (2 + sqrt(2 pi) t) + t p."""
    q = horner(t, MILLS_REST_Q, 6)
    return q, q * (2.0 + t * SQRT_2PI) + t * horner(t, MILLS_REST_P, 5)


@triton.jit
def gelu_f(x, p0, p1):
    """x Phi(x) = x (1 - Phi(t)) for x <= 0, x - x (1 - Phi(t)) above."""
    t = clamp_max(tl.abs(x), GAUSS_UNDERFLOW)
    q, den = mills(t)
    tt, tl_ = two_prod(t, t)
    xc = clamp(x, -GAUSS_UNDERFLOW, GAUSS_UNDERFLOW)
    xq = mul_exp_nonpos(div(xc * q, den), -0.5 * tt, -0.5 * tl_)
    return tl.where(x <= 0.0, xq, x - xq)


@triton.jit
def gelu_df(x, p0, p1):
    """Phi(x) + x phi(x) = E (x < 0) or 1 - E, E = e^(-t^2/2) (q - t den / sqrt(2 pi)) / den."""
    t = clamp_max(tl.abs(x), GAUSS_UNDERFLOW)
    q, den = mills(t)
    tden = t * den
    ph, pe = two_prod(tden, INV_SQRT_2PI_HI)
    num = ((q - ph) - pe) - tden * INV_SQRT_2PI_LO
    tt, tl_ = two_prod(t, t)
    e = mul_exp_nonpos(div(num, den), -0.5 * tt, -0.5 * tl_)
    return tl.where(x < 0.0, e, 1.0 - e)


@triton.jit
def gelu_d2f(x, p0, p1):
    """phi(x) (2 - x^2)."""
    xc = clamp(x, -GAUSS_UNDERFLOW, GAUSS_UNDERFLOW)
    return (exp_inline((-0.5 * xc) * xc) * INV_SQRT_2PI) * (2.0 - xc * xc)


@triton.jit
def tanh_gate(xc):
    """z = K x + K C x^3 as z + z_lo (double-float products and sum)."""
    h, lo = two_prod(xc, xc)
    h3, e3 = two_prod(h, xc)
    l3 = e3 + lo * xc  # x^3 = h3 + l3
    a, ea = two_prod(xc, K_HI)
    a_lo = ea + xc * K_LO
    b, eb = two_prod(h3, K3_HI)
    b_lo = eb + (l3 * K3_HI + h3 * K3_LO)
    z, err = two_sum(a, b)
    return z, err + (a_lo + b_lo)


@triton.jit
def gelu_tanh_f(x, p0, p1):
    """x sigma(z + z_lo) = x (s + sigma'(z) z_lo); x e^z (1 + z_lo) scaled below z = -64."""
    xg = clamp(x, -TANH_UNDERFLOW, TANH_UNDERFLOW)
    xc = clamp_min(x, -800.0)
    z, z_lo = tanh_gate(xg)
    e = exp_inline(-tl.abs(z))
    near = xc * (sigmoid_from(z, e) + sigmoid_prime_from(e) * z_lo)
    tail = z < -64.0
    far = exp_tail_times(xc, tl.where(tail, z, 0.0))
    return tl.where(tail, far + far * z_lo, near)


@triton.jit
def gelu_tanh_df(x, p0, p1):
    """sigma(z) + x sigma'(z) z', z' = K (1 + 3 C x^2), to first order in z_lo."""
    xc = clamp(x, -TANH_UNDERFLOW, TANH_UNDERFLOW)
    z, z_lo = tanh_gate(xc)
    dz = (1.0 + (xc * xc) * TANH_3C) * TANH_K
    e = exp_inline(-tl.abs(z))
    s = sigmoid_from(z, e)
    sp = sigmoid_prime_from(e)
    sp_c = sp + (sp * (1.0 - 2.0 * s)) * z_lo  # sigma'(z + lo) = sp (1 + (1 - 2s) lo)
    near = (s + sp * z_lo) + (xc * sp_c) * dz
    tail = z < -64.0
    far = exp_tail_times(1.0 + xc * dz, tl.where(tail, z, 0.0))
    return tl.where(tail, far + far * z_lo, near)


@triton.jit
def gelu_tanh_d2f(x, p0, p1):
    """2 sigma'(z) z' + x (sigma''(z) z'^2 + sigma'(z) z''), sigma'' = -sigma' tanh(z/2)."""
    xc = clamp(x, -TANH_UNDERFLOW, TANH_UNDERFLOW)
    x2 = xc * xc
    z = (xc * TANH_K) * (1.0 + x2 * TANH_C)
    dz = (1.0 + x2 * TANH_3C) * TANH_K
    d2z = xc * TANH_6KC
    ds = sigmoid_prime(z)
    d2s = -ds * tanh_expm1(0.5 * z)
    return (2.0 * ds) * dz + xc * ((d2s * dz) * dz + ds * d2z)
