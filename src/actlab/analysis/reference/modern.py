"""128-bit ground truth of the modern elementwise activations (QuickGELU, SquaredReLU,
HardMish, Squareplus, SERF) for the accuracy sweep; registered into
:data:`actlab.analysis.reference.REFERENCES` on import."""

from __future__ import annotations

from mpmath import mp, mpf

from .core import NAN, SILU_DF_ZERO, _inf, _nan, _ref, _swish, _swish_prime, _zero_of, sigmoid, softplus
from .torch_nn import _gelu_df, _gelu_f

QUICK_GELU_BETA = mpf(1.702)  # the declaration's float64 constant, exactly


@_ref("QuickGELU", lambda: (SILU_DF_ZERO / 1.702,))
class _QuickGELU:
    def f(x):
        return _swish(x, QUICK_GELU_BETA)

    def df(x):
        return _swish_prime(x, QUICK_GELU_BETA)


@_ref("SquaredReLU")
class _SquaredReLU:
    def f(x):
        return NAN if _nan(x) else max(x, 0) ** 2

    def df(x):
        return NAN if _nan(x) else 2 * max(x, 0)


@_ref("HardMish", lambda: (-1.0,))
class _HardMish:
    def f(x):
        if _nan(x):
            return NAN
        return x if x >= 0 else (mpf(0) if x <= -2 else x * (x + 2) / 2)

    def df(x):  # inner branch on [-2, 0] (timm); f'(NaN) = 0 (no branch holds)
        if _nan(x):
            return mpf(0)
        return x + 1 if -2 <= x <= 0 else (mpf(1) if x > 0 else mpf(0))


def _squareplus_root(x: mpf, b: mpf) -> mpf:
    return mp.sqrt(x * x + b)


@_ref("Squareplus")
class _Squareplus:
    def f(x, b):  # b / (2(s - x)) for x < 0: no cancellation
        if _nan(x) or _inf(x):
            return x if _nan(x) or x > 0 else mpf(0)
        b = mpf(b)
        s = _squareplus_root(x, b)
        return b / (2 * (s - x)) if x < 0 else (x + s) / 2

    def df(x, b):  # f / s
        if _nan(x) or _inf(x):
            return x if _nan(x) else (mpf(1) if x > 0 else mpf(0))
        return _Squareplus.f(x, b) / _squareplus_root(x, mpf(b))


def _serf_df(x: mpf) -> mpf:
    p = softplus(x)
    return mp.erf(p) + x * 2 / mp.sqrt(mp.pi) * mp.exp(-p * p) * sigmoid(x)


SERF_DF_ZERO = _zero_of(_serf_df, -1.0)


@_ref("SERF", lambda: (SERF_DF_ZERO,))
class _SERF:
    def f(x):
        if _nan(x) or _inf(x):
            return x if _nan(x) or x > 0 else mpf(0)
        return x * mp.erf(softplus(x))

    def df(x):
        if _nan(x) or _inf(x):
            return x if _nan(x) else (mpf(1) if x > 0 else mpf(0))
        return _serf_df(x)


@_ref("ClippedGELU")
class _ClippedGELU:
    def f(x, min_val, max_val):
        if _nan(x):
            return NAN
        return min(max(_gelu_f(x, "none"), mpf(min_val)), mpf(max_val))

    def df(x, min_val, max_val):  # 0 on the clipped branches, bounds included (as the declaration)
        if _nan(x):
            return NAN
        y = _gelu_f(x, "none")
        return mpf(0) if y <= min_val or y >= max_val else _gelu_df(x, "none")
