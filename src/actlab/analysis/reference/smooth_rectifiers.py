"""128-bit ground truth of SmeLU, the shifted softplus of SchNet and NLReLU."""

from __future__ import annotations

from mpmath import mp, mpf

from .core import INF, NAN, _inf, _nan, _ref, sigmoid


@_ref("SmeLU")
class _SmeLU:
    def f(x, beta):
        if _nan(x):
            return NAN
        b = mpf(beta)
        if x >= b:
            return x
        return mpf(0) if x <= -b else (x + b) ** 2 / (4 * b)

    def df(x, beta):  # f' is continuous: the pieces meet
        if _nan(x):
            return NAN
        b = mpf(beta)
        if x >= b:
            return mpf(1)
        return mpf(0) if x <= -b else (x + b) / (2 * b)


@_ref("ShiftedSoftplus")
class _ShiftedSoftplus:
    def f(x):  # log((1 + e^x) / 2) = log1p((e^x - 1) / 2): no cancellation at the zero x = 0
        if _nan(x):
            return NAN
        if _inf(x):
            return INF if x > 0 else -mp.log(2)
        return mp.log1p(mp.expm1(x) / 2)

    def df(x):
        return sigmoid(x)


@_ref("NLReLU")
class _NLReLU:
    def f(x, beta):
        if _nan(x):
            return NAN
        return mp.log1p(mpf(beta) * max(x, mpf(0)))

    def df(x, beta):  # f'(0) = 0 (the x <= 0 branch)
        if _nan(x):
            return NAN
        return mpf(beta) / (1 + mpf(beta) * x) if x > 0 else mpf(0)
