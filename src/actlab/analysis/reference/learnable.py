r"""128-bit ground truth of the learnable family (activations/learnable.py): SoftExponential, PELU,
MPELU, SReLU, APL, AReLU, ACON-C, PAU and Rational at fixed values of their tensors (see the
package's docstring for the conventions)."""

from __future__ import annotations

from typing import Any

import mpmath
from mpmath import mp, mpf

from .core import INF, NAN, _inf, _inf_times, _limits, _nan, _ref_scanned, sigmoid, sigmoid_prime


# ---- SoftExponential --------------------------------------------------------------------------------------
@_ref_scanned("SoftExponential")
class _SoftExponential:
    def f(x, alpha):
        a = mpf(alpha)
        if _nan(x):
            return NAN
        if a == 0:
            return x
        if a > 0:  # expm1(a x)/a + a
            if _inf(x):
                return INF if x > 0 else a - 1 / a
            return mp.expm1(a * x) / a + a
        if _inf(x):  # -log(1 - a(x + a))/a: +inf at +inf, outside the domain at -inf
            return INF if x > 0 else NAN
        u = 1 - a * (x + a)
        if u < 0:
            return NAN
        return -INF if u == 0 else -mp.log1p(-a * (x + a)) / a

    def df(x, alpha):
        a = mpf(alpha)
        if _nan(x):
            return NAN
        if a == 0:
            return mpf(1)
        if a > 0:
            if _inf(x):
                return INF if x > 0 else mpf(0)
            return mp.exp(a * x)
        if _inf(x):
            return mpf(0) if x > 0 else NAN
        u = 1 - a * (x + a)
        return 1 / u if u > 0 else NAN


# ---- PELU, MPELU -----------------------------------------------------------------------------------------
@_ref_scanned("PELU")
class _PELU:
    def f(x, a, b):
        a, b = mpf(a), mpf(b)
        if _nan(x):
            return NAN
        if _inf(x):
            return _inf_times(a / b, 1) if x > 0 else -a
        return a / b * x if x >= 0 else a * mp.expm1(x / b)

    def df(x, a, b):  # f'(0) = a/b (the x >= 0 piece)
        a, b = mpf(a), mpf(b)
        lim = _limits(x, 0, a / b)
        if lim is not None:
            return lim
        return a / b if x >= 0 else a / b * mp.exp(x / b)


@_ref_scanned("MPELU")
class _MPELU:
    def f(x, alpha, beta):
        lim = _limits(x, -mpf(alpha), INF)
        if lim is not None:
            return lim
        return x if x > 0 else mpf(alpha) * mp.expm1(mpf(beta) * x)

    def df(x, alpha, beta):  # f'(0) = alpha beta (the x <= 0 piece)
        lim = _limits(x, 0, 1)
        if lim is not None:
            return lim
        return mpf(1) if x > 0 else mpf(alpha) * mpf(beta) * mp.exp(mpf(beta) * x)


# ---- SReLU, APL, AReLU ---------------------------------------------------------------------------------
@_ref_scanned("SReLU")
class _SReLU:
    def f(x, t_left, a_left, t_right, a_right):
        tl, al, tr, ar = map(mpf, (t_left, a_left, t_right, a_right))
        if _nan(x):
            return NAN
        if _inf(x):
            return tr + _inf_times(ar, 1) if x > 0 else tl + _inf_times(al, -1)
        if x >= tr:
            return tr + ar * (x - tr)
        return tl + al * (x - tl) if x <= tl else x

    def df(x, t_left, a_left, t_right, a_right):  # x = t_r: a_r; x = t_l: a_l; NaN: the middle piece's 1
        if _nan(x):
            return mpf(1)
        return mpf(a_right) if x >= t_right else mpf(a_left) if x <= t_left else mpf(1)


@_ref_scanned("APL")
class _APL:
    def f(x, a, b):
        if _nan(x):
            return NAN
        if _inf(x):
            if x > 0:
                return INF
            return sum((_inf_times(mpf(s), 1) for s in a), mpf(0))
        return max(x, mpf(0)) + sum((mpf(s) * max(mpf(h) - x, mpf(0)) for s, h in zip(a, b)), mpf(0))

    def df(x, a, b):  # [x > 0] - sum a_s [x < b_s]: 0 at 0 and at each hinge; NaN selects nothing (0)
        if _nan(x):
            return mpf(0)
        return (mpf(1) if x > 0 else mpf(0)) - sum((mpf(s) for s, h in zip(a, b) if x < h), mpf(0))


def _clamp_alpha(alpha: Any) -> mpf:
    return min(max(mpf(alpha), mpf("0.01")), mpf("0.99"))


@_ref_scanned("AReLU")
class _AReLU:
    def f(x, alpha, beta):  # (1 + sigma(beta)) max(0, x) - C(alpha) max(0, -x)
        if _nan(x):
            return NAN
        return (1 + sigmoid(mpf(beta))) * x if x > 0 else _clamp_alpha(alpha) * x

    def df(x, alpha, beta):  # f'(0) = 0; NaN selects neither side (0)
        if _nan(x) or x == 0:
            return mpf(0)
        return 1 + sigmoid(mpf(beta)) if x > 0 else _clamp_alpha(alpha)


# ---- ACON-C: (p1 - p2) x sigma(beta (p1 - p2) x) + p2 x ------------------------------------------------
@_ref_scanned("ACON")
class _ACON:
    def f(x, p1, p2, beta):
        p1, p2, beta = mpf(p1), mpf(p2), mpf(beta)
        if _nan(x):
            return NAN
        dp = p1 - p2
        if _inf(x):  # the slope p1 where beta dp x -> +inf, p2 where -> -inf, (p1 + p2)/2 where beta dp = 0
            u = mpmath.sign(beta * dp) * mpmath.sign(x)
            slope = p1 if u > 0 else p2 if u < 0 else (p1 + p2) / 2
            return _inf_times(slope, int(mpmath.sign(x)))
        return dp * x * sigmoid(beta * dp * x) + p2 * x

    def df(x, p1, p2, beta):
        p1, p2, beta = mpf(p1), mpf(p2), mpf(beta)
        if _nan(x):
            return NAN
        dp = p1 - p2
        if _inf(x):
            u = mpmath.sign(beta * dp) * mpmath.sign(x)
            return p1 if u > 0 else p2 if u < 0 else (p1 + p2) / 2
        u = beta * dp * x
        return dp * (sigmoid(u) + u * sigmoid_prime(u)) + p2


# ---- PAU (safe, Q = 1 + |sum_{k>=1} b_k x^k|), Rational (Q = sum_{k>=0} b_k x^k) ----------------------
def _poly(c: tuple, x: mpf, start: int = 0) -> tuple[mpf, mpf]:
    """sum c_i x^(i + start) and its derivative."""
    p = sum((mpf(ci) * x ** (i + start) for i, ci in enumerate(c)), mpf(0))
    dp = sum((mpf(ci) * (i + start) * x ** (i + start - 1) for i, ci in enumerate(c) if i + start > 0), mpf(0))
    return p, dp


def _lead(c: tuple) -> tuple[int, mpf]:
    """Index and value of the last nonzero coefficient."""
    k = max(i for i, ci in enumerate(c) if ci != 0)
    return k, mpf(c[k])


def _rational_limit(x: mpf, num: tuple, den: tuple, start: int, safe: bool, deriv: bool) -> mpf:
    """f or f' at x = +-inf: f ~ c x^(m - n), c = a_m / |b_n| (PAU) or a_m / b_n (Rational)."""
    m, am = _lead(num)
    n, bn = _lead(den)
    n += start
    c = am / (abs(bn) if safe else bn)
    s = int(mpmath.sign(x))
    d = m - n
    if deriv:
        if d == 0 or d < 0:
            return mpf(0)
        return c if d == 1 else _inf_times(c * d * s ** (d - 1), 1)
    if d < 0:
        return mpf(0)
    return c if d == 0 else _inf_times(c * s**d, 1)


class _RationalRef:
    start: int
    safe: bool

    @classmethod
    def parts(cls, x: mpf, numerator: tuple, denominator: tuple) -> tuple[mpf, mpf, mpf, mpf]:
        p, dp = _poly(numerator, x)
        b, db = _poly(denominator, x, cls.start)
        if cls.safe:  # Q = 1 + |B|, Q' = sign(B) B' (0 at the zeros of B)
            return p, dp, 1 + abs(b), mpmath.sign(b) * db
        return p, dp, b, db

    @classmethod
    def f(cls, x, numerator, denominator):
        if _nan(x):
            return NAN
        if _inf(x):
            return _rational_limit(x, numerator, denominator, cls.start, cls.safe, False)
        with mp.extraprec(64):
            p, _, q, _ = cls.parts(x, numerator, denominator)
            return p / q

    @classmethod
    def df(cls, x, numerator, denominator):
        if _nan(x):
            return NAN
        if _inf(x):
            return _rational_limit(x, numerator, denominator, cls.start, cls.safe, True)
        with mp.extraprec(64):
            p, dp, q, dq = cls.parts(x, numerator, denominator)
            return (dp * q - p * dq) / (q * q)


class _PAU(_RationalRef):
    start, safe = 1, True


class _Rational(_RationalRef):
    start, safe = 0, False


_ref_scanned("PAU")(_PAU)


_ref_scanned("Rational")(_Rational)
