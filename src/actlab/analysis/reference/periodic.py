r"""128-bit ground truth of the periodic family (activations/periodic.py): GCU, Sine (SIREN), Sinc
and Snake. GCU and Sine have no limit at +-inf (NaN), nor has Snake's f'; the zeros of f' are listed
on [-30, 30], where the sweep's dense grid lies (Sine's f' has no cancellation at its zeros and
excludes none).
"""

from __future__ import annotations

from mpmath import mp, mpf

from .core import NAN, _inf, _nan, _ref, _ref_scanned
from .zeros import cached_zeros, extra_bits


def _gcu_df(x: mpf) -> mpf:
    return mp.cos(x) - x * mp.sin(x)


_GCU_ZEROS = cached_zeros(_gcu_df, -30.0, 30.0, 6000)


@_ref("GCU", lambda: _GCU_ZEROS())
class _GCU:
    def f(x):
        return NAN if _nan(x) or _inf(x) else x * mp.cos(x)

    def df(x):
        return NAN if _nan(x) or _inf(x) else _gcu_df(x)


@_ref("Sine")
class _Sine:
    def f(x, w0):
        return NAN if _nan(x) or _inf(x) else mp.sin(mpf(w0) * x)

    def df(x, w0):
        return NAN if _nan(x) or _inf(x) else mpf(w0) * mp.cos(mpf(w0) * x)


def _sinc_df(x: mpf) -> mpf:
    """(x cos x - sin x) / x^2 at a precision that survives its cancellation (~x^3/3 near 0)."""
    if x == 0:
        return mpf(0)
    with mp.extraprec(3 * extra_bits(x)):
        return (x * mp.cos(x) - mp.sin(x)) / (x * x)


_SINC_ZEROS = cached_zeros(_sinc_df, -30.0, 30.0, 6000)


@_ref("Sinc", lambda: tuple(sorted({0.0, *_SINC_ZEROS()})))
class _Sinc:
    def f(x):
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(0)
        return mpf(1) if x == 0 else mp.sin(x) / x

    def df(x):
        if _nan(x):
            return NAN
        return mpf(0) if _inf(x) else _sinc_df(x)


@_ref_scanned("Snake")
class _Snake:
    def f(x, alpha):  # x + sin^2(a x)/a (x at a = 0)
        if _nan(x) or _inf(x):
            return x
        a = mpf(alpha)
        return x if a == 0 else x + mp.sin(a * x) ** 2 / a

    def df(x, alpha):  # 1 + sin(2 a x): no limit at +-inf (NaN) unless a = 0
        a = mpf(alpha)
        if _nan(x) or (_inf(x) and a != 0):
            return NAN
        return 1 + mp.sin(2 * a * x)
