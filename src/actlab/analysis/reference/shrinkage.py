r"""128-bit ground truth of the shrinkage family (activations/shrinkage.py): Hardshrink, Softshrink,
Tanhshrink (a Bernoulli series for x - tanh x near 0)."""

from __future__ import annotations

from mpmath import mpf

from .core import (
    NAN,
    _nan,
    _ref,
    tanh,
    x_minus_tanh,
)


# ---- shrinkage --------------------------------------------------------------------------
@_ref("Hardshrink")
class _Hardshrink:
    def f(x, lambd):
        return NAN if _nan(x) else (mpf(0) if -lambd <= x <= lambd else x)

    def df(x, lambd):  # f'(+-lambd) = 0, f'(NaN) = 1 (torch)
        return mpf(0) if not _nan(x) and -lambd <= x <= lambd else mpf(1)


@_ref("Softshrink")
class _Softshrink:
    def f(x, lambd):
        if _nan(x):
            return NAN
        lam = mpf(lambd)
        return x - lam if x > lam else (x + lam if x < -lam else mpf(0))

    def df(x, lambd):
        return mpf(0) if not _nan(x) and -lambd <= x <= lambd else mpf(1)


@_ref("Tanhshrink")
class _Tanhshrink:
    def f(x):
        return x_minus_tanh(x)

    def df(x):
        return tanh(x) ** 2
