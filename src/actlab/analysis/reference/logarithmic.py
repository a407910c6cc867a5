r"""128-bit ground truth of the logarithmic family (activations/logarithmic.py): symlog and symexp
(DreamerV3)."""

from __future__ import annotations

import mpmath
from mpmath import mp, mpf

from .core import INF, NAN, _inf, _nan, _ref


@_ref("Symlog")
class _Symlog:
    def f(x):
        if _nan(x) or _inf(x):
            return x
        return mpmath.sign(x) * mp.log1p(abs(x))

    def df(x):
        if _nan(x):
            return NAN
        return mpf(0) if _inf(x) else 1 / (1 + abs(x))


@_ref("Symexp")
class _Symexp:
    def f(x):
        if _nan(x) or _inf(x):
            return x
        return mpmath.sign(x) * mp.expm1(abs(x))

    def df(x):
        if _nan(x):
            return NAN
        return INF if _inf(x) else mp.exp(abs(x))
