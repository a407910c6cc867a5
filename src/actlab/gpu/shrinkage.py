"""Shrinkage (``native/csrc/shrinkage.cpp``): Hardshrink, Softshrink, Tanhshrink. Every function
takes (x, p0, p1), the op's parameters as float32 scalars."""

from __future__ import annotations

import triton
import triton.language as tl

from .prelude import copysign, div, exp_inline, horner, sech2, tanh_expm1

# x - tanh x = x^3 sum_k c_k x^(2k) (_math._TANH_TAYLOR, rounded to float32 as the CPU's float32 kernel)
TANH_TAYLOR = tl.constexpr(
    (0.3333333333333333, -0.13333333333333333, 0.05396825396825397, -0.021869488536155203, 0.008863235529902197,
     -0.003592128036572481, 0.0014558343870513183, -0.000590027440945586, 0.00023912911424355248,
     -9.691537956929451e-05, 3.927832388331683e-05, -1.5918905069328964e-05, 6.451689215655431e-06,
     -2.6147711512907546e-06, 1.0597268320104654e-06, -4.294911078273806e-07, 1.7406618963571648e-07,
     -7.054636946400968e-08, 2.859136662305254e-08)
)  # fmt: skip


@triton.jit
def dead_zone(x, lambd):
    return (x >= -lambd) & (x <= lambd)


@triton.jit
def hardshrink_f(x, lambd, p1):
    """0 on [-lambda, lambda], x outside."""
    return tl.where(dead_zone(x, lambd), 0.0, x)


@triton.jit
def shrink_df(x, lambd, p1):
    """[|x| > lambda] (1 at NaN): Hardshrink's and Softshrink's f'."""
    return tl.where(dead_zone(x, lambd), 0.0, 1.0)


@triton.jit
def softshrink_f(x, lambd, p1):
    """x - lambda sign(x) outside [-lambda, lambda], x * 0 (x's sign) inside."""
    return tl.where(x > lambd, x - lambd, tl.where(x < -lambd, x + lambd, x * 0.0))


@triton.jit
def tanhshrink_f(x, p0, p1):
    """x - tanh x: x^3 P(x^2) (19 Taylor terms) below 1, sign(x)((|x| - 1) + 2 / (1 + e^(2|x|))) above."""
    a = tl.abs(x)
    small = a < 1.0
    u = tl.where(small, x, 0.0)
    u2 = u * u
    acc = horner(u2, TANH_TAYLOR, 19)
    al = tl.where(small, 1.0, a)
    far = (al - 1.0) + div(2.0, 1.0 + exp_inline(2.0 * al))
    return tl.where(small, u * (u2 * acc), copysign(far, x))


@triton.jit
def tanhshrink_df(x, p0, p1):
    """tanh^2 x."""
    t = tanh_expm1(x)
    return t * t


@triton.jit
def tanhshrink_d2f(x, p0, p1):
    """2 tanh x sech^2 x."""
    return (2.0 * tanh_expm1(x)) * sech2(x)
