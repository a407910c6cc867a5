"""Shared parts of the 128-bit ground truth: the :class:`Reference` record, the registry
:data:`REFERENCES` (filled by the family modules of this package), cancellation-free mpmath
building blocks, and evaluation at 128 bits."""

from __future__ import annotations

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


def _limits(x: mpf, at_minus: Any, at_plus: Any) -> mpf | None:
    """NaN for NaN, the given limits at -inf / +inf, None for finite x."""
    if _nan(x):
        return NAN
    if _inf(x):
        return mpf(at_plus) if x > 0 else mpf(at_minus)
    return None


def _inf_times(c: mpf, sign: int) -> mpf:
    """The limit of c * x as x -> sign * inf (0 for c = 0)."""
    return mpf(0) if c == 0 else INF * mpmath.sign(c) * sign


def sign_changes(fn: Any, lo: float, hi: float, n: int = 4000) -> tuple[float, ...]:
    """The zeros of ``fn`` on [lo, hi] where it changes sign between grid points, bisected at 128
    bits. Not zeros: a sign change across a jump (xIELU's f' at 0), f' = 0 at a kink only by
    convention (AReLU's f'(0)), and pieces where f' is 0 throughout (TLU below tau: exact there)."""
    out = []
    with mp.workprec(PRECISION):
        xs = [mpf(lo) + (mpf(hi) - mpf(lo)) * i / n for i in range(n + 1)]
        nonzero = [(x, v) for x, v in ((x, fn(x)) for x in xs) if v != 0]
        for (a, fa), (b, fb) in zip(nonzero, nonzero[1:]):
            if fa * fb > 0:
                continue
            if b - a > 2.5 * (mpf(hi) - mpf(lo)) / n:  # zeros on more than one grid point between: a flat piece
                continue
            while b - a > abs(a + b) * mpf(2) ** -(PRECISION - 4) + mpf(2) ** -PRECISION:
                mid = (a + b) / 2
                fm = fn(mid)
                if fm == 0:
                    a = b = mid
                elif (fm < 0) == (fa < 0):
                    a, fa = mid, fm
                else:
                    b = mid
            if min(abs(fn(a)), abs(fn(b))) < mpf(2) ** -60:
                out.append(float((a + b) / 2))
    return tuple(out)


def _register_scanned(name: str, cls: type) -> type:
    """Register ``cls.f``, ``cls.df`` with the zeros of df on [-30, 30] at the given parameters (a sign
    scan: the learnable activations, whose zeros move with their tensors)."""

    @lru_cache(maxsize=32)
    def zeros(**w: Any) -> tuple[float, ...]:
        return sign_changes(lambda x: cls.df(x, **w), -30.0, 30.0)

    REFERENCES[name] = Reference(cls.f, cls.df, zeros)
    return cls


def _ref_scanned(name: str):
    return lambda cls: _register_scanned(name, cls)


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
