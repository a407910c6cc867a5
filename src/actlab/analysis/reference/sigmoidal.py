r"""128-bit ground truth of the sigmoidal family (activations/sigmoidal.py): torch.nn's Sigmoid,
Tanh, Softsign, Hardsigmoid, Hardtanh, LogSigmoid; dSiLU; ISRU, SQNL, Elliott, ArcTan, LeCun's
scaled tanh, penalized tanh, soft clipping and the complementary log-log. Formulas that cancel for
large |x| (Elliott's x/(2(1 + |x|)) + 1/2, the soft clipping log ratio) are evaluated with the
working precision raised by the magnitude of x.
"""

from __future__ import annotations

import mpmath
from mpmath import mp, mpf

from .core import (
    INF,
    NAN,
    _inf,
    _limits,
    _nan,
    _ref,
    sech2,
    sigmoid,
    sigmoid_prime,
    tanh,
)
from .core import sigmoid_prime as dsig
from .zeros import cached_zeros, extra_bits


@_ref("Sigmoid")
class _Sigmoid:
    def f(x):
        return sigmoid(x)

    def df(x):
        return sigmoid_prime(x)


@_ref("Tanh")
class _Tanh:
    def f(x):
        return tanh(x)

    def df(x):
        return sech2(x)


@_ref("Softsign")
class _Softsign:
    def f(x):
        if _inf(x):
            return mpmath.sign(x)
        return x / (1 + abs(x))

    def df(x):
        return 1 / (1 + abs(x)) ** 2


@_ref("Hardsigmoid")
class _Hardsigmoid:
    def f(x):
        return NAN if _nan(x) else min(max(x + 3, 0), 6) / 6

    def df(x):  # f'(+-3) = 0; f'(NaN) = 0 (torch)
        return mpf(1) / 6 if -3 < x < 3 else mpf(0)


@_ref("Hardtanh")
class _Hardtanh:
    def f(x, min_val, max_val):
        return NAN if _nan(x) else min(max(x, mpf(min_val)), mpf(max_val))

    def df(x, min_val, max_val):  # f'(min_val) = f'(max_val) = 0; f'(NaN) = 1 (torch)
        return mpf(1) if _nan(x) or min_val < x < max_val else mpf(0)


@_ref("LogSigmoid")
class _LogSigmoid:
    def f(x):
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(0) if x > 0 else -INF
        return min(x, 0) - mp.log1p(mp.exp(-abs(x)))

    def df(x):
        return sigmoid(-x)


def _dsilu_df(x: mpf) -> mpf:
    s = sigmoid(x)
    return dsig(x) * (2 + x * (1 - 2 * s))


_DSILU_ZEROS = cached_zeros(_dsilu_df, -5.0, 5.0)


@_ref("DSiLU", lambda: _DSILU_ZEROS())
class _DSiLU:
    def f(x):
        lim = _limits(x, mpf(0), mpf(1))
        return lim if lim is not None else sigmoid(x) * (1 + x * (1 - sigmoid(x)))

    def df(x):
        lim = _limits(x, mpf(0), mpf(0))
        return lim if lim is not None else _dsilu_df(x)


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
