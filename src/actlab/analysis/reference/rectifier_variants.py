"""128-bit ground truth of RePU, ReLUN and BentIdentity."""

from __future__ import annotations

from mpmath import mp, mpf

from .core import NAN, _inf, _nan, _ref
from .zeros import extra_bits


@_ref("RePU")
class _RePU:
    def f(x, p):
        return NAN if _nan(x) else max(x, mpf(0)) ** mpf(p)

    def df(x, p):  # f'(0) = 0 (the x <= 0 branch)
        if _nan(x):
            return NAN
        if _inf(x) and x > 0:
            return mpf(1) if p == 1 else x
        return mpf(p) * x ** (mpf(p) - 1) if x > 0 else mpf(0)


@_ref("ReLUN")
class _ReLUN:
    def f(x, n):
        return NAN if _nan(x) else min(max(x, mpf(0)), mpf(n))

    def df(x, n):  # f'(0) = f'(n) = 0; f'(NaN) = 1 (as ReLU6 and torch's relu6)
        return mpf(1) if _nan(x) or 0 < x < n else mpf(0)


@_ref("BentIdentity")
class _BentIdentity:
    def f(x):
        if _nan(x) or _inf(x):
            return x
        with mp.extraprec(extra_bits(x)):  # sqrt(x^2 + 1) - 1 ~ x^2/2 cancels for small |x|
            return x + (mp.sqrt(x * x + 1) - 1) / 2

    def df(x):
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(3) / 2 if x > 0 else mpf(1) / 2
        return 1 + x / (2 * mp.sqrt(x * x + 1))
