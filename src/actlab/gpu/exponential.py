"""Exponential family (``native/csrc/exponential.cpp``): ELU, CELU, SELU, Softplus, Squareplus.
The exponential branch only ever sees min(x, 0) (the declarations' double where). Every
function takes (x, p0, p1), the op's parameters (or values derived from them in float64 and
rounded once, see :mod:`actlab.gpu.activations`) as float32 scalars."""

from __future__ import annotations

import triton
import triton.language as tl

from .prelude import (
    div,
    exp_inline,
    expm1_neg,
    fast_two_sum,
    min0,
    sigmoid,
    sigmoid_prime,
    sign,
    softplus,
    two_prod,
    two_sum,
)


@triton.jit
def elu_f(x, alpha, p1):
    """x if x > 0 else alpha expm1(x)."""
    return tl.where(x > 0.0, x, alpha * expm1_neg(min0(x)))


@triton.jit
def elu_df(x, alpha, p1):
    """1 or alpha e^x (f'(0) = alpha)."""
    return tl.where(x <= 0.0, alpha * exp_inline(min0(x)), 1.0)


@triton.jit
def elu_d2f(x, alpha, p1):
    """alpha e^x for x < 0 (f''(0) = 0, as torch)."""
    return tl.where(x < 0.0, alpha * exp_inline(min0(x)), 0.0)


@triton.jit
def elu_df_y(y, alpha, p1):
    """y + alpha where y <= 0, else 1."""
    return tl.where(y <= 0.0, y + alpha, 1.0)


@triton.jit
def unit_below_zero(y, p0, p1):
    """1 where y < 0: ELU's and SELU's f'' written with y."""
    return tl.where(y < 0.0, 1.0, 0.0)


@triton.jit
def celu_f(x, alpha, inv):
    """x if x > 0 else alpha expm1(x / alpha)."""
    return tl.where(x > 0.0, x, alpha * expm1_neg(div(min0(x), alpha)))


@triton.jit
def celu_df(x, alpha, inv):
    """e^(x / alpha) for x <= 0, else 1."""
    return tl.where(x <= 0.0, exp_inline(div(min0(x), alpha)), 1.0)


@triton.jit
def celu_d2f(x, alpha, inv):
    """e^(x / alpha) / alpha for x < 0."""
    return tl.where(x < 0.0, div(exp_inline(div(min0(x), alpha)), alpha), 0.0)


@triton.jit
def celu_df_y(y, alpha, inv):
    """y / alpha + 1 where y <= 0, else 1."""
    return tl.where(y <= 0.0, div(y, alpha) + 1.0, 1.0)


@triton.jit
def celu_d2f_y(y, alpha, inv):
    """1 / alpha where y < 0."""
    return tl.where(y < 0.0, inv, 0.0)


@triton.jit
def selu_f(x, scale, scaled_alpha):
    """scale x if x > 0 else scale alpha expm1(x)."""
    return tl.where(x > 0.0, scale * x, scaled_alpha * expm1_neg(min0(x)))


@triton.jit
def selu_df(x, scale, scaled_alpha):
    return tl.where(x <= 0.0, scaled_alpha * exp_inline(min0(x)), scale)


@triton.jit
def selu_d2f(x, scale, scaled_alpha):
    return tl.where(x < 0.0, scaled_alpha * exp_inline(min0(x)), 0.0)


@triton.jit
def selu_df_y(y, scale, scaled_alpha):
    return tl.where(y <= 0.0, y + scaled_alpha, scale)


@triton.jit
def softplus_f(x, beta, threshold):
    """softplus(beta x) / beta, x where beta x > threshold."""
    z = x * beta
    return tl.where(z > threshold, x, div(softplus(z), beta))


@triton.jit
def softplus_df(x, beta, threshold):
    """sigma(beta x), 1 where beta x > threshold."""
    z = x * beta
    return tl.where(z > threshold, 1.0, sigmoid(z))


@triton.jit
def softplus_d2f(x, beta, threshold):
    """beta sigma'(beta x), 0 from beta x >= threshold on."""
    z = x * beta
    return tl.where(z >= threshold, 0.0, beta * sigmoid_prime(z))


@triton.jit
def hypot_root(x, root):
    """sqrt(x^2 + root^2), < 1 ulp for 0 < root < 2^36: x^2 + root^2 in double-float
    arithmetic, its square root corrected by one Newton step; |x| beyond 2^60."""
    a = tl.abs(x)
    ac = tl.where(a > 1.152921504606847e18, 0.0, a)  # 2^60: keeps x^2 finite
    ph, pl = two_prod(ac, ac)
    qh, ql = two_prod(root, root)
    sh, sl = two_sum(ph, qh)
    sh, sl = fast_two_sum(sh, sl + (pl + ql))
    s0 = tl.sqrt_rn(sh)
    p, pe = two_prod(s0, s0)
    s = s0 + div(((sh - p) - pe) + sl, 2.0 * s0)
    return tl.where(a > 1.152921504606847e18, a, s)


@triton.jit
def x_over_s(x, s):
    """x / s, sign(x) at +-inf."""
    inf = tl.abs(x) == float("inf")
    return tl.where(inf, sign(x), div(tl.where(inf, 0.0, x), s))


@triton.jit
def squareplus_f(x, root, half_b):
    """(x + s) / 2 = (b / 2s) / (1 - x/s) for x < 0, s = hypot(x, sqrt b)."""
    s = hypot_root(x, root)
    return tl.where(x < 0.0, div(div(half_b, s), 1.0 - x_over_s(x, s)), 0.5 * x + 0.5 * s)


@triton.jit
def squareplus_df(x, root, half_b):
    """f / s."""
    s = hypot_root(x, root)
    r = x_over_s(x, s)
    return tl.where(x < 0.0, div(div(div(half_b, s), s), 1.0 - r), 0.5 * (1.0 + r))


@triton.jit
def squareplus_d2f(x, root, half_b):
    """b / 2s^3."""
    s = hypot_root(x, root)
    return div(div(div(half_b, s), s), s)
