"""128-bit ground truth of the sigmoid-like catalog activations: ISRU, ISRLU, SQNL, Elliott,
ArcTan, LeCun's scaled tanh, penalized tanh, soft clipping and the complementary log-log.
Formulas that cancel for large |x| (Elliott's x/(2(1 + |x|)) + 1/2, the soft clipping log ratio)
are evaluated with the working precision raised by the magnitude of x."""

from __future__ import annotations

import mpmath
from mpmath import mp, mpf

from .core import NAN, _inf, _nan, _ref, sigmoid
from .zeros import extra_bits


@_ref("ISRU")
class _ISRU:
    def f(x, alpha):
        if _nan(x):
            return NAN
        if _inf(x):
            return mpmath.sign(x) / mp.sqrt(mpf(alpha))
        return x / mp.sqrt(1 + mpf(alpha) * x * x)

    def df(x, alpha):
        if _nan(x):
            return NAN
        return mpf(0) if _inf(x) else (1 + mpf(alpha) * x * x) ** (-mpf(3) / 2)


@_ref("ISRLU")
class _ISRLU:
    def f(x, alpha):
        if _nan(x) or x >= 0:
            return x
        return -1 / mp.sqrt(mpf(alpha)) if _inf(x) else x / mp.sqrt(1 + mpf(alpha) * x * x)

    def df(x, alpha):
        if _nan(x):
            return NAN
        if x >= 0:
            return mpf(1)
        return mpf(0) if _inf(x) else (1 + mpf(alpha) * x * x) ** (-mpf(3) / 2)


@_ref("SQNL")
class _SQNL:
    def f(x):
        if _nan(x):
            return NAN
        if x > 2:
            return mpf(1)
        if x < -2:
            return mpf(-1)
        return x - x * x / 4 if x >= 0 else x + x * x / 4

    def df(x):  # continuous: 0 at +-2
        if _nan(x):
            return NAN
        return 1 - abs(x) / 2 if abs(x) <= 2 else mpf(0)


@_ref("Elliott")
class _Elliott:
    def f(x):
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(1) if x > 0 else mpf(0)
        with mp.extraprec(extra_bits(x)):  # x/(2(1 + |x|)) + 1/2 cancels like 1/|x| for x -> -inf
            return x / (2 * (1 + abs(x))) + mpf(1) / 2

    def df(x):
        if _nan(x):
            return NAN
        return mpf(0) if _inf(x) else 1 / (2 * (1 + abs(x)) ** 2)


@_ref("ArcTan")
class _ArcTan:
    def f(x):
        return NAN if _nan(x) else mp.atan(x)

    def df(x):
        if _nan(x):
            return NAN
        return mpf(0) if _inf(x) else 1 / (1 + x * x)


LECUN_A, LECUN_B = mpf("1.7159"), mpf(2) / 3


@_ref("LeCunTanh")
class _LeCunTanh:
    def f(x):
        return NAN if _nan(x) else LECUN_A * mp.tanh(LECUN_B * x)

    def df(x):
        if _nan(x):
            return NAN
        return mpf(0) if _inf(x) else LECUN_A * LECUN_B * mp.sech(LECUN_B * x) ** 2


@_ref("PenalizedTanh")
class _PenalizedTanh:
    def f(x, a):
        if _nan(x):
            return NAN
        return mp.tanh(x) if x > 0 else mpf(a) * mp.tanh(x)

    def df(x, a):  # f'(0) = a (the x <= 0 branch)
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(0)
        return mp.sech(x) ** 2 * (1 if x > 0 else mpf(a))


@_ref("SoftClipping")
class _SoftClipping:
    def f(x, alpha):
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(1) if x > 0 else mpf(0)
        a = mpf(alpha)
        with mp.extraprec(extra_bits(a * x)):  # log(1 + e^{ax}) - log(1 + e^{a(x-1)}) -> a, cancelling ~ax bits
            return (mp.log1p(mp.exp(a * x)) - mp.log1p(mp.exp(a * (x - 1)))) / a

    def df(x, alpha):  # sigma(ax) - sigma(a(x - 1)); for x > 1/2 as sigma(-a(x-1)) - sigma(-ax) (both tiny)
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(0)
        a = mpf(alpha)
        if x > mpf(1) / 2:
            return sigmoid(-a * (x - 1)) - sigmoid(-a * x)
        return sigmoid(a * x) - sigmoid(a * (x - 1))


CLOGLOG_FLAT = 10  # e^-e^10 = e^-22026: 1 - that is 1, e^{x - e^x} is 0 in every float


@_ref("CLogLog")
class _CLogLog:
    def f(x):
        if _nan(x):
            return NAN
        return mpf(1) if x > CLOGLOG_FLAT else -mp.expm1(-mp.exp(x))

    def df(x):
        if _nan(x):
            return NAN
        return mpf(0) if x > CLOGLOG_FLAT else mp.exp(x - mp.exp(x))
