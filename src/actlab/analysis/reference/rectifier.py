r"""128-bit ground truth of the rectifier family (activations/rectifier.py): torch.nn's Threshold,
ReLU, ReLU6, LeakyReLU, PReLU, RReLU (evaluation: the mean slope); SquaredReLU, StarReLU, SMU,
SmeLU, NLReLU, ISRLU, RePU, ReLUN, BentIdentity and TLU.
"""

from __future__ import annotations

import mpmath
from mpmath import mp, mpf

from .core import (
    NAN,
    _inf,
    _inf_times,
    _nan,
    _ref,
    _ref_scanned,
)
from .zeros import extra_bits


# ---- rectifiers -------------------------------------------------------------------------
@_ref("Threshold")
class _Threshold:
    def f(x, threshold, value):
        return NAN if _nan(x) else (x if x > threshold else mpf(value))

    def df(x, threshold, value):  # f'(NaN) = 1 (torch)
        return mpf(1) if _nan(x) or x > threshold else mpf(0)


@_ref("ReLU")
class _ReLU:
    def f(x):
        return NAN if _nan(x) else max(x, 0)

    def df(x):  # f'(0) = 0; saved output NaN gives 1 (torch)
        return mpf(1) if _nan(x) or x > 0 else mpf(0)


@_ref("ReLU6")
class _ReLU6:
    def f(x):
        return NAN if _nan(x) else min(max(x, 0), 6)

    def df(x):  # f'(0) = f'(6) = 0
        return mpf(1) if _nan(x) or 0 < x < 6 else mpf(0)


@_ref("LeakyReLU")
class _LeakyReLU:
    def f(x, negative_slope):
        return NAN if _nan(x) else (x if x > 0 else x * mpf(negative_slope))

    def df(x, negative_slope):  # f'(0) = f'(NaN) = negative_slope (torch)
        return mpf(1) if x > 0 else mpf(negative_slope)


@_ref("RReLU")
class _RReLU:  # evaluation mode: the mean slope
    def f(x, lower, upper):
        return _LeakyReLU.f(x, (mpf(lower) + mpf(upper)) / 2)

    def df(x, lower, upper):
        return _LeakyReLU.df(x, (mpf(lower) + mpf(upper)) / 2)


@_ref("SquaredReLU")
class _SquaredReLU:
    def f(x):
        return NAN if _nan(x) else max(x, 0) ** 2

    def df(x):
        return NAN if _nan(x) else 2 * max(x, 0)


@_ref("ISRLU")
class _ISRLU:
    def f(x, alpha):
        if _nan(x) or x >= 0:
            return x
        return -1 / mp.sqrt(mpf(alpha)) if _inf(x) else x / mp.sqrt(1 + mpf(alpha) * x * x)

    def df(x, alpha):
        if _nan(x):
            return NAN
        if x >= 0:
            return mpf(1)
        return mpf(0) if _inf(x) else (1 + mpf(alpha) * x * x) ** (-mpf(3) / 2)


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


# ---- SMU: ((1 + alpha)x + (1 - alpha)x erf(mu(1 - alpha)x))/2, alpha = 0.25 ------------------------
SMU_ALPHA = mpf(1) / 4


@_ref_scanned("SMU")
class _SMU:
    def f(x, mu):
        if _nan(x):
            return NAN
        c = 1 - SMU_ALPHA
        if _inf(x):  # x (1 + alpha + (1 - alpha) sign(mu x)) / 2
            return x * (1 + SMU_ALPHA + c * mpmath.sign(mpf(mu) * x)) / 2
        return ((1 + SMU_ALPHA) * x + c * x * mp.erf(mpf(mu) * c * x)) / 2

    def df(x, mu):
        if _nan(x):
            return NAN
        c = 1 - SMU_ALPHA
        v = mpf(mu) * c * x
        if _inf(x):
            return (1 + SMU_ALPHA + c * mpmath.sign(v)) / 2
        return (1 + SMU_ALPHA + c * mp.erf(v) + c * v * 2 / mp.sqrt(mp.pi) * mp.exp(-v * v)) / 2


# ---- TLU: max(x, tau) -----------------------------------------------------------------------------------
@_ref_scanned("TLU")
class _TLU:
    def f(x, tau):
        return NAN if _nan(x) else max(x, mpf(tau))

    def df(x, tau):  # 1/2 at the tie (torch.maximum's subgradient)
        if _nan(x):
            return NAN
        return mpf(1) if x > tau else mpf(1) / 2 if x == tau else mpf(0)


# ---- PReLU, StarReLU, Snake (the learnable pointwise ops of torch.nn and the modern family) ----------
@_ref_scanned("PReLU")
class _PReLU:
    def f(x, weight):
        if _nan(x):
            return NAN
        if _inf(x):
            return x if x > 0 else _inf_times(mpf(weight), -1)
        return x if x > 0 else mpf(weight) * x

    def df(x, weight):  # f'(0) = a; NaN takes the x <= 0 slope a (torch)
        return mpf(1) if not _nan(x) and x > 0 else mpf(weight)


@_ref_scanned("StarReLU")
class _StarReLU:
    def f(x, scale, bias):
        if _nan(x):
            return NAN
        if _inf(x):
            return _inf_times(mpf(scale), 1) if x > 0 else mpf(bias)
        return mpf(scale) * max(x, mpf(0)) ** 2 + mpf(bias)

    def df(x, scale, bias):  # f'(0) = 0
        if _nan(x):
            return NAN
        if _inf(x):
            return _inf_times(mpf(scale), 1) if x > 0 else mpf(0)
        return 2 * mpf(scale) * max(x, mpf(0))
