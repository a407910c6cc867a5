"""Helpers of the catalog references: the zeros of f' by a sign scan refined at 128 bits, and
the extra working precision a literal formula needs where it cancels."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from mpmath import mp, mpf

from .core import PRECISION


def zeros_in(fn: Callable[[mpf], mpf], lo: float, hi: float, n: int = 4000) -> tuple[float, ...]:
    """Every zero of ``fn`` in [lo, hi] where it changes sign between grid points ``n`` apart,
    refined by bracketing (anderson) at 128 bits."""
    with mp.workprec(PRECISION):
        xs = [mpf(lo) + (mpf(hi) - mpf(lo)) * i / n for i in range(n + 1)]
        vs = [fn(x) for x in xs]
        out = []
        for a, b, fa, fb in zip(xs, xs[1:], vs, vs[1:]):
            if fa == 0:
                out.append(float(a))
            elif fa * fb < 0:
                out.append(float(mp.findroot(fn, (a, b), solver="anderson")))
        return tuple(out)


def cached_zeros(fn: Callable[[mpf], mpf], lo: float, hi: float, n: int = 4000) -> Callable[[], tuple[float, ...]]:
    """``zeros_in`` computed on first use (the sweep asks once per run)."""
    return lru_cache(maxsize=1)(lambda: zeros_in(fn, lo, hi, n))


def extra_bits(*xs: mpf) -> int:
    """Bits to add so that a formula that cancels like |x|^k or 1/|x|^k keeps 128: twice the
    binary magnitude of the largest or smallest argument, plus a margin."""
    mags = [abs(int(mp.mag(x))) for x in xs if x != 0 and mp.isfinite(x)]
    return 2 * max(mags, default=0) + 32
