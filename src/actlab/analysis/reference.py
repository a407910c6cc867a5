"""128-bit ground truth for the accuracy sweep: every activation and its derivative in mpmath.

Each entry of :data:`REFERENCES` (keyed by declaration name) gives ``f(x, **p)`` and
``df(x, **p)`` on ``mpmath.mpf`` inputs, written from cancellation-free formulas
(``expm1``/``log1p``, :math:`\\sigma(x)\\sigma(-x)`, ``erfc``, a Bernoulli series for
:math:`x - \\tanh x`), plus the zeros of f' (the sweep excludes +-0.05 around them from the
derivative bound: relative accuracy of a value that crosses zero is not defined there).

Conventions at kinks, infinities and NaN follow the declarations (and torch): the reference
is the function the op claims to compute, not a different subgradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import mpmath
from mpmath import mp, mpf

PRECISION = 128  # bits of the ground truth
NAN = mpf("nan")
INF = mpf("inf")

RefFn = Callable[..., Any]


@dataclass(frozen=True)
class Reference:
    """Ground truth of one activation: f, f' and the zeros of f' (for given parameters)."""

    f: RefFn
    df: RefFn
    df_zeros: Callable[..., tuple[float, ...]] = field(default=lambda **p: ())


REFERENCES: dict[str, Reference] = {}


def _ref(name: str, df_zeros: Callable[..., tuple[float, ...]] | None = None):
    def deco(cls: type) -> type:
        REFERENCES[name] = Reference(cls.f, cls.df, df_zeros or (lambda **p: ()))
        return cls

    return deco


def _nan(x: mpf) -> bool:
    return mpmath.isnan(x)


def _inf(x: mpf) -> bool:
    return mpmath.isinf(x)


# ---- shared cancellation-free building blocks --------------------------------------------
def sigmoid(x: mpf) -> mpf:
    r""":math:`\sigma(x)`; the exponent is never positive."""
    if _nan(x):
        return NAN
    e = mp.exp(-abs(x))
    return 1 / (1 + e) if x >= 0 else e / (1 + e)


def sigmoid_prime(x: mpf) -> mpf:
    r""":math:`\sigma'(x) = e^{-|x|}/(1 + e^{-|x|})^2`."""
    if _nan(x):
        return NAN
    e = mp.exp(-abs(x))
    return e / (1 + e) ** 2


def tanh(x: mpf) -> mpf:
    r""":math:`\tanh x = -\operatorname{expm1}(-2|x|)/(2 + \operatorname{expm1}(-2|x|))` with the sign of x."""
    if _nan(x):
        return NAN
    t = mp.expm1(-2 * abs(x))
    return mpmath.sign(x) * (-t / (2 + t))


def sech2(x: mpf) -> mpf:
    r""":math:`\operatorname{sech}^2 x = 4e^{-2|x|}/(1 + e^{-2|x|})^2`."""
    if _nan(x):
        return NAN
    e = mp.exp(-2 * abs(x))
    return 4 * e / (1 + e) ** 2


def softplus(x: mpf) -> mpf:
    r""":math:`\log(1 + e^x) = \max(x, 0) + \operatorname{log1p}(e^{-|x|})`."""
    if _nan(x):
        return NAN
    if _inf(x):
        return INF if x > 0 else mpf(0)
    return max(x, 0) + mp.log1p(mp.exp(-abs(x)))


def normal_cdf(x: mpf) -> mpf:
    return mp.erfc(-x / mp.sqrt(2)) / 2


def normal_pdf(x: mpf) -> mpf:
    return mp.exp(-(x * x) / 2) / mp.sqrt(2 * mp.pi)


@lru_cache(maxsize=1)
def _tanh_series() -> tuple[mpf, ...]:
    r"""Coefficients c_n of :math:`x - \tanh x = \sum_{n \ge 2} c_n x^{2n-1}` (Bernoulli numbers)."""
    with mp.workprec(PRECISION + 32):
        return tuple(
            -(mpf(2) ** (2 * n)) * (mpf(2) ** (2 * n) - 1) * mp.bernoulli(2 * n) / mp.factorial(2 * n)
            for n in range(2, 60)
        )


def x_minus_tanh(x: mpf) -> mpf:
    r""":math:`x - \tanh x`, by its Taylor series for |x| < 1/2 (no cancellation)."""
    if _nan(x) or _inf(x):
        return x
    if abs(x) >= 0.5:
        return x - tanh(x)
    x2, acc, term_x = x * x, mpf(0), x * x * x
    for c in _tanh_series():
        term = c * term_x
        acc += term
        if abs(term) < abs(acc) * mpf(2) ** (-PRECISION - 8):
            break
        term_x *= x2
    return acc


def _zero_of(fn: Callable[[mpf], mpf], guess: float) -> float:
    with mp.workprec(PRECISION):
        return float(mp.findroot(fn, mpf(guess)))


# ---- sigmoidal --------------------------------------------------------------------------
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
def _swish(x: mpf, beta: mpf) -> mpf:
    if _nan(x):
        return NAN
    if _inf(x):
        return x if x * beta > 0 else mpf(0)
    return x * sigmoid(beta * x)


def _swish_prime(x: mpf, beta: mpf) -> mpf:
    r""":math:`\sigma(z)(1 + z\sigma(-z))`, z = beta x."""
    if _nan(x):
        return NAN
    z = beta * x
    if _inf(z):
        return mpf(1) if z > 0 else mpf(0)
    return sigmoid(z) * (1 + z * sigmoid(-z))


SILU_DF_ZERO = -1.2784645427610738  # root of 1 + x sigma(-x)


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


# ---- evaluation ---------------------------------------------------------------------------
def reference(name: str) -> Reference:
    """The ground truth of declaration ``name``."""
    try:
        return REFERENCES[name]
    except KeyError:
        raise KeyError(f"no 128-bit reference for {name!r}; known: {', '.join(REFERENCES)}") from None


def evaluate(fn: RefFn, xs: list[float], params: dict[str, Any]) -> list[float]:
    """``fn`` at each float input at 128 bits, rounded once to float64 (enough to size an ulp32)."""
    out = []
    with mp.workprec(PRECISION):
        for x in xs:
            out.append(float(fn(mpf(x), **params)))
    return out


# ---- normalisers (per entry of a row) ---------------------------------------------------------
def softmax_row(row: list[float]) -> list[mpf]:
    xs = [mpf(v) for v in row]
    m = max(xs)
    e = [mp.exp(v - m) for v in xs]
    s = mpmath.fsum(e)
    return [v / s for v in e]


def log_softmax_row(row: list[float]) -> list[mpf]:
    xs = [mpf(v) for v in row]
    m = max(xs)
    lse = mp.log(mpmath.fsum(mp.exp(v - m) for v in xs))
    return [(v - m) - lse for v in xs]


def normalizer_rows(name: str, rows: list[list[float]]) -> tuple[list[list[float]], list[list[float]]]:
    """Forward and vector-Jacobian product with g = e_0 (the gradient of output entry 0),
    per entry, for Softmax, Softmin and LogSoftmax."""
    fwd, der = [], []
    with mp.workprec(PRECISION):
        for row in rows:
            if name == "LogSoftmax":
                y = log_softmax_row(row)
                p = [mp.exp(v) for v in y]
                d = [(1 if j == 0 else 0) - p[j] for j in range(len(row))]
            else:
                sign = -1 if name == "Softmin" else 1
                y = softmax_row([sign * v for v in row])
                d = [sign * y[j] * ((1 if j == 0 else 0) - y[0]) for j in range(len(row))]
            fwd.append([float(v) for v in y])
            der.append([float(v) for v in d])
    return fwd, der


from . import reference_modern  # noqa: E402, F401  (registers QuickGELU ... SERF)
