r"""128-bit ground truth of the radial family (activations/radial.py): the Gaussian bump and MEGA's
Laplace function (the normal CDF with mean mu, deviation sigma)."""

from __future__ import annotations

from mpmath import mp, mpf

from .core import NAN, _inf, _nan, _ref


@_ref("Gaussian", lambda: (0.0,))
class _Gaussian:
    def f(x, sigma):
        if _nan(x):
            return NAN
        return mpf(0) if _inf(x) else mp.exp(-(x * x) / (2 * mpf(sigma) ** 2))

    def df(x, sigma):
        if _nan(x):
            return NAN
        s2 = mpf(sigma) ** 2
        return mpf(0) if _inf(x) else -x / s2 * mp.exp(-(x * x) / (2 * s2))


@_ref("Laplace")
class _Laplace:
    def f(x, mu, sigma):  # (1 + erf(t / sqrt 2)) / 2 = erfc(-t / sqrt 2) / 2: exact in the left tail
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(1) if x > 0 else mpf(0)
        t = (x - mpf(mu)) / mpf(sigma)
        return mp.erfc(-t / mp.sqrt(2)) / 2

    def df(x, mu, sigma):
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(0)
        t = (x - mpf(mu)) / mpf(sigma)
        return mp.exp(-(t * t) / 2) / (mpf(sigma) * mp.sqrt(2 * mp.pi))
