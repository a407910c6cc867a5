"""128-bit references of torch.nn's elementwise activations (and the seed's Swish and
SmoothHardswish), each written from a cancellation-free formula."""

from __future__ import annotations

import math
from functools import lru_cache

import mpmath
from mpmath import mp, mpf

from .core import (
    INF,
    NAN,
    SILU_DF_ZERO,
    _inf,
    _nan,
    _ref,
    _swish,
    _swish_prime,
    _zero_of,
    normal_cdf,
    normal_pdf,
    sech2,
    sigmoid,
    sigmoid_prime,
    softplus,
    tanh,
    x_minus_tanh,
)


@_ref("Sigmoid")
class _Sigmoid:
    def f(x):
        return sigmoid(x)

    def df(x):
        return sigmoid_prime(x)


@_ref("Tanh")
class _Tanh:
    def f(x):
        return tanh(x)

    def df(x):
        return sech2(x)


@_ref("Softsign")
class _Softsign:
    def f(x):
        if _inf(x):
            return mpmath.sign(x)
        return x / (1 + abs(x))

    def df(x):
        return 1 / (1 + abs(x)) ** 2


@_ref("Hardsigmoid")
class _Hardsigmoid:
    def f(x):
        return NAN if _nan(x) else min(max(x + 3, 0), 6) / 6

    def df(x):  # f'(+-3) = 0; f'(NaN) = 0 (torch)
        return mpf(1) / 6 if -3 < x < 3 else mpf(0)


@_ref("Hardtanh")
class _Hardtanh:
    def f(x, min_val, max_val):
        return NAN if _nan(x) else min(max(x, mpf(min_val)), mpf(max_val))

    def df(x, min_val, max_val):  # f'(min_val) = f'(max_val) = 0; f'(NaN) = 1 (torch)
        return mpf(1) if _nan(x) or min_val < x < max_val else mpf(0)


@_ref("LogSigmoid")
class _LogSigmoid:
    def f(x):
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(0) if x > 0 else -INF
        return min(x, 0) - mp.log1p(mp.exp(-abs(x)))

    def df(x):
        return sigmoid(-x)


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


# ---- exponential ------------------------------------------------------------------------
SELU_ALPHA = mpf("1.6732632423543772848170429916717")
SELU_SCALE = mpf("1.0507009873554804934193349852946")


@_ref("ELU")
class _ELU:
    def f(x, alpha):
        return NAN if _nan(x) else (x if x > 0 else mpf(alpha) * mp.expm1(x))

    def df(x, alpha):  # f'(0) = alpha (the x <= 0 branch); f'(NaN) = 1 (torch)
        return mpf(1) if _nan(x) or x > 0 else mpf(alpha) * mp.exp(x)


@_ref("CELU")
class _CELU:
    def f(x, alpha):
        return NAN if _nan(x) else (x if x > 0 else mpf(alpha) * mp.expm1(x / mpf(alpha)))

    def df(x, alpha):  # f'(NaN) = 1 (torch)
        return mpf(1) if _nan(x) or x > 0 else mp.exp(x / mpf(alpha))


@_ref("SELU")
class _SELU:
    def f(x):
        return NAN if _nan(x) else SELU_SCALE * (x if x > 0 else SELU_ALPHA * mp.expm1(x))

    def df(x):  # f'(NaN) = scale (torch)
        return SELU_SCALE if _nan(x) or x > 0 else SELU_SCALE * SELU_ALPHA * mp.exp(x)


@_ref("Softplus")
class _Softplus:
    def f(x, beta, threshold):
        if _nan(x):
            return NAN
        z = x * mpf(beta)
        return x if z > threshold else softplus(z) / mpf(beta)

    def df(x, beta, threshold):
        if _nan(x):
            return NAN
        z = x * mpf(beta)
        return mpf(1) if z > threshold else sigmoid(z)


# ---- gated ------------------------------------------------------------------------------
@_ref("SiLU", lambda: (SILU_DF_ZERO,))
class _SiLU:
    def f(x):
        return _swish(x, mpf(1))

    def df(x):
        return _swish_prime(x, mpf(1))


@_ref("Swish", lambda beta: (SILU_DF_ZERO / beta,))
class _Swish:
    def f(x, beta):
        return _swish(x, mpf(beta))

    def df(x, beta):
        return _swish_prime(x, mpf(beta))


GELU_C = mpf("0.044715")


def _gelu_tanh_z(x: mpf) -> tuple[mpf, mpf]:
    """z = 2 sqrt(2/pi)(x + c x^3) and dz/dx."""
    k = 2 * mp.sqrt(2 / mp.pi)
    return k * (x + GELU_C * x**3), k * (1 + 3 * GELU_C * x * x)


def _gelu_f(x: mpf, approximate: str) -> mpf:
    if _nan(x):
        return NAN
    if _inf(x):
        return x if x > 0 else mpf(0)
    if approximate == "tanh":
        return x * sigmoid(_gelu_tanh_z(x)[0])
    return x * normal_cdf(x)


def _gelu_df(x: mpf, approximate: str) -> mpf:
    if _nan(x):
        return NAN
    if _inf(x):
        return mpf(1) if x > 0 else mpf(0)
    if approximate == "tanh":
        z, dz = _gelu_tanh_z(x)
        return sigmoid(z) + x * sigmoid_prime(z) * dz
    return normal_cdf(x) + x * normal_pdf(x)


@lru_cache(maxsize=2)
def _gelu_df_zero(approximate: str) -> float:
    return _zero_of(lambda x: _gelu_df(x, approximate), -0.75)


@_ref("GELU", lambda approximate: (_gelu_df_zero(approximate),))
class _GELU:
    def f(x, approximate):
        return _gelu_f(x, approximate)

    def df(x, approximate):
        return _gelu_df(x, approximate)


def _mish_parts(x: mpf) -> tuple[mpf, mpf]:
    sp = softplus(x)
    return tanh(sp), sech2(sp)


@lru_cache(maxsize=1)
def _mish_df_zero() -> float:
    return _zero_of(_Mish.df, -1.19)


@_ref("Mish", lambda: (_mish_df_zero(),))
class _Mish:
    def f(x):
        if _nan(x):
            return NAN
        if _inf(x):
            return x if x > 0 else mpf(0)
        return x * _mish_parts(x)[0]

    def df(x):
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(1) if x > 0 else mpf(0)
        t, s2 = _mish_parts(x)
        return t + x * sigmoid(x) * s2


@_ref("Hardswish", lambda: (-1.5,))
class _Hardswish:
    def f(x):
        if _nan(x):
            return NAN
        return mpf(0) if x <= -3 else (x if x >= 3 else x * (x + 3) / 6)

    def df(x):  # f'(-3) = 0, f'(3) = 1; f'(NaN) = 1 (torch)
        if _nan(x):
            return mpf(1)
        return mpf(0) if x <= -3 else (mpf(1) if x >= 3 else (2 * x + 3) / 6)


SMOOTH_HS_DF_ZERO = (12 - math.sqrt(144 + 288)) / 8  # root of 18 + 12x - 4x^2 in (-3, 3)


@_ref("SmoothHardswish", lambda: (SMOOTH_HS_DF_ZERO,))
class _SmoothHardswish:
    def f(x):
        if _nan(x):
            return NAN
        if -3 < x < 3:
            return x * (x + 3) ** 2 * (6 - x) / 108
        return max(x, 0)

    def df(x):  # f'(NaN) = 0 (no branch holds)
        if _nan(x):
            return mpf(0)
        if -3 < x < 3:
            return (x + 3) * (18 + 12 * x - 4 * x * x) / 108
        return mpf(1) if x >= 3 else mpf(0)


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
