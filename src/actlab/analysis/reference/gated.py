r"""128-bit ground truth of the gated family (activations/gated.py, elementwise members): torch.nn's
SiLU, GELU (exact and tanh), Mish, Hardswish; Swish, SmoothHardswish, QuickGELU, HardMish, SERF,
ClippedGELU; ELiSH, HardELiSH, LiSHT, TanhExp, TeLU, Smish, Logish, Phish, GoLU, ESwish, ErfAct,
FlattenTSwish and SinLU, written from the papers' formulas. Where a gate is 1 or 0 to far beyond
128 bits (tanh(e^x) for x > 50, exp(-beta e^{-x}) for beta e^{-x} > 1e5, erf(u) for u > 1e3) the
limit is returned instead of evaluating a doubly exponential number.
"""

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
    _limits,
    _nan,
    _ref,
    _ref_scanned,
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
)
from .core import sigmoid_prime as dsig
from .zeros import cached_zeros, zeros_in


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


QUICK_GELU_BETA = mpf(1.702)  # the declaration's float64 constant, exactly


@_ref("QuickGELU", lambda: (SILU_DF_ZERO / 1.702,))
class _QuickGELU:
    def f(x):
        return _swish(x, QUICK_GELU_BETA)

    def df(x):
        return _swish_prime(x, QUICK_GELU_BETA)


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


def _clipped_gelu_df_zeros(min_val: float, max_val: float) -> tuple[float, ...]:
    """GELU's zero of f' where it is not clipped (GELU there is its minimum, -0.17)."""
    x0 = _gelu_df_zero("none")
    return (x0,) if _gelu_f(mpf(x0), "none") > min_val else ()


@_ref("ClippedGELU", _clipped_gelu_df_zeros)
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


# ---- ELiSH, HardELiSH -----------------------------------------------------------------------------
def _elish_df(x: mpf) -> mpf:
    if x >= 0:
        return sigmoid(x) * (1 + x * sigmoid(-x))
    return mp.exp(x) * sigmoid(x) + mp.expm1(x) * dsig(x)


@_ref("ELiSH", lambda: (float(mp.log(mp.sqrt(2) - 1)),))
class _ELiSH:
    def f(x):
        lim = _limits(x, mpf(0), INF)
        if lim is not None:
            return lim
        return x * sigmoid(x) if x >= 0 else mp.expm1(x) * sigmoid(x)

    def df(x):
        lim = _limits(x, mpf(0), mpf(1))
        return lim if lim is not None else _elish_df(x)


def _hard_gate(x: mpf) -> mpf:
    return max(mpf(0), min(mpf(1), (x + 1) / 2))


def _hard_elish_df(x: mpf) -> mpf:  # the inner pieces on closed intervals
    if x > 1:
        return mpf(1)
    if x >= 0:
        return x + mpf(1) / 2
    if x >= -1:
        return (mp.exp(x) * (x + 1) + mp.expm1(x)) / 2
    return mpf(0)


_HARD_ELISH_ZEROS = cached_zeros(_hard_elish_df, -0.99, -0.01)


@_ref("HardELiSH", lambda: _HARD_ELISH_ZEROS())
class _HardELiSH:
    def f(x):
        lim = _limits(x, mpf(0), INF)
        if lim is not None:
            return lim
        return (x if x >= 0 else mp.expm1(x)) * _hard_gate(x)

    def df(x):
        lim = _limits(x, mpf(0), mpf(1))
        return lim if lim is not None else _hard_elish_df(x)


# ---- LiSHT, TanhExp / TeLU -----------------------------------------------------------------------
@_ref("LiSHT", lambda: (0.0,))
class _LiSHT:
    def f(x):
        lim = _limits(x, INF, INF)
        return lim if lim is not None else x * mp.tanh(x)

    def df(x):
        lim = _limits(x, mpf(-1), mpf(1))
        if lim is not None:
            return lim
        if abs(x) > 200:  # x sech^2 x < 1e-170: tanh x = +-1 to far beyond 128 bits
            return mpmath.sign(x)
        return mp.tanh(x) + x * mp.sech(x) ** 2


TANH_EXP_FLAT = 50  # tanh(e^x) = 1 - 2 exp(-2 e^50): 1 at any precision that matters


def _tanh_exp_df(x: mpf) -> mpf:
    if x > TANH_EXP_FLAT:
        return mpf(1)
    e = mp.exp(x)
    return mp.tanh(e) + x * e * mp.sech(e) ** 2


_TANH_EXP_ZEROS = cached_zeros(_tanh_exp_df, -3.0, 0.0)


class _TanhExp:
    def f(x):
        lim = _limits(x, mpf(0), INF)
        if lim is not None:
            return lim
        return x if x > TANH_EXP_FLAT else x * mp.tanh(mp.exp(x))

    def df(x):
        lim = _limits(x, mpf(0), mpf(1))
        return lim if lim is not None else _tanh_exp_df(x)


_ref("TanhExp", lambda: _TANH_EXP_ZEROS())(_TanhExp)


_ref("TeLU", lambda: _TANH_EXP_ZEROS())(_TanhExp)


# ---- Smish, Logish, Phish --------------------------------------------------------------------------
def _smish_df(x: mpf, alpha: float, beta: float) -> mpf:
    z = mpf(beta) * x
    s = sigmoid(z)
    lg = mp.log1p(s)
    return mpf(alpha) * (mp.tanh(lg) + x * mpf(beta) * mp.sech(lg) ** 2 * dsig(z) / (1 + s))


_SMISH_UNIT_ZEROS = cached_zeros(lambda z: _smish_df(z, 1.0, 1.0), -4.0, 0.0)


@_ref("Smish", lambda beta: tuple(z / beta for z in _SMISH_UNIT_ZEROS()))
class _Smish:
    def f(x, alpha, beta):
        lim = _limits(x, mpf(0), INF)
        if lim is not None:
            return lim
        return mpf(alpha) * x * mp.tanh(mp.log1p(sigmoid(mpf(beta) * x)))

    def df(x, alpha, beta):
        if _nan(x):
            return NAN
        if _inf(x):
            return mpf(alpha) * mp.tanh(mp.log(2)) if x > 0 else mpf(0)
        return _smish_df(x, alpha, beta)


def _logish_df(x: mpf) -> mpf:
    s = sigmoid(x)
    return mp.log1p(s) + x * dsig(x) / (1 + s)


_LOGISH_ZEROS = cached_zeros(_logish_df, -4.0, 0.0)


@_ref("Logish", lambda: _LOGISH_ZEROS())
class _Logish:
    def f(x):
        lim = _limits(x, mpf(0), INF)
        return lim if lim is not None else x * mp.log1p(sigmoid(x))

    def df(x):
        lim = _limits(x, mpf(0), mp.log(2))
        return lim if lim is not None else _logish_df(x)


PHISH_FAR = 45  # Phi(-45) < e^-1000: x^2 Phi(x) is below every float; above 100, tanh(x Phi(x)) = 1


def _phish_df(x: mpf) -> mpf:
    if x < -PHISH_FAR:
        return mpf(0)
    if x > 100:
        return mpf(1)
    g = x * normal_cdf(x)
    return mp.tanh(g) + x * mp.sech(g) ** 2 * (normal_cdf(x) + x * normal_pdf(x))


_PHISH_ZEROS = cached_zeros(_phish_df, -4.0, 0.5)


@_ref("Phish", lambda: _PHISH_ZEROS())
class _Phish:
    def f(x):
        lim = _limits(x, mpf(0), INF)
        if lim is not None:
            return lim
        if x < -PHISH_FAR:
            return mpf(0)
        return x if x > 100 else x * mp.tanh(x * normal_cdf(x))

    def df(x):
        lim = _limits(x, mpf(0), mpf(1))
        return lim if lim is not None else _phish_df(x)


# ---- GoLU, ESwish, ErfAct, DSiLU, FlattenTSwish ---------------------------------------------------
GOLU_FLAT = 10**5  # beta e^{-gamma x} beyond: the gate is exp(-1e5) (0 in every float) or 1 - 1e-43000


def _golu_exponent(x: mpf, beta: float, gamma: float) -> mpf | None:
    """E = beta e^{-gamma x}, or None where gamma x > 1e5 (then E < e^-1e5, the gate is 1)."""
    z = mpf(gamma) * x
    return None if z > GOLU_FLAT else mpf(beta) * mp.exp(-z)


@_ref("GoLU", lambda beta, gamma: (float(-mp.lambertw(1 / mpf(beta)).real / mpf(gamma)),))
class _GoLU:
    def f(x, alpha, beta, gamma):
        lim = _limits(x, mpf(0), INF)
        if lim is not None:
            return lim
        e = _golu_exponent(x, beta, gamma)
        if e is None:
            return mpf(alpha) * x
        return mpf(0) if e > GOLU_FLAT else mpf(alpha) * x * mp.exp(-e)

    def df(x, alpha, beta, gamma):
        lim = _limits(x, mpf(0), mpf(alpha))
        if lim is not None:
            return lim
        e = _golu_exponent(x, beta, gamma)
        if e is None:
            return mpf(alpha)
        return mpf(0) if e > GOLU_FLAT else mpf(alpha) * mp.exp(-e) * (1 + mpf(gamma) * x * e)


@_ref("ESwish", lambda: (SILU_DF_ZERO,))
class _ESwish:
    def f(x, beta):
        return mpf(beta) * _swish(x, mpf(1))

    def df(x, beta):
        return mpf(beta) * _swish_prime(x, mpf(1))


ERF_FLAT = 1000  # erfc(1000) < e^-1e6: erf(u) = 1 to every precision that matters


def _erf_act_gate(x: mpf, a: float, b: float) -> tuple[mpf, mpf] | None:
    """u = a e^{bx} and erf(u), or None where u > 1000 (erf(u) = 1, u e^{-u^2} = 0)."""
    z = mpf(b) * x + mp.log(mpf(a))
    if z > mp.log(ERF_FLAT):
        return None
    u = mp.exp(z)
    return u, mp.erf(u)


def _erf_act_df(x: mpf, a: float, b: float) -> mpf:
    g = _erf_act_gate(x, a, b)
    if g is None:
        return mpf(1)
    u, e = g
    return e + 2 / mp.sqrt(mp.pi) * mpf(b) * x * u * mp.exp(-u * u)


@_ref("ErfAct", lambda a, b: _erf_act_zeros(a, b))
class _ErfAct:
    def f(x, a, b):
        lim = _limits(x, mpf(0), INF)
        if lim is not None:
            return lim
        g = _erf_act_gate(x, a, b)
        return x if g is None else x * g[1]

    def df(x, a, b):
        lim = _limits(x, mpf(0), mpf(1))
        return lim if lim is not None else _erf_act_df(x, a, b)


@lru_cache(maxsize=8)
def _erf_act_zeros(a: float, b: float) -> tuple[float, ...]:
    return zeros_in(lambda x: _erf_act_df(x, a, b), -30.0 / b, 0.0, 3000)


@_ref("FlattenTSwish")
class _FlattenTSwish:
    def f(x, T):
        if _nan(x):
            return NAN
        return _swish(x, mpf(1)) + mpf(T) if x >= 0 else mpf(T)

    def df(x, T):
        if _nan(x):
            return NAN
        return _swish_prime(x, mpf(1)) if x >= 0 else mpf(0)


# ---- SinLU: (x + a sin(bx)) sigma(x) --------------------------------------------------------------
@_ref_scanned("SinLU")
class _SinLU:
    def f(x, alpha, beta):
        lim = _limits(x, 0, INF)
        if lim is not None:
            return lim
        a, b = mpf(alpha), mpf(beta)
        return (x + a * mp.sin(b * x)) * sigmoid(x)

    def df(x, alpha, beta):
        a, b = mpf(alpha), mpf(beta)
        lim = _limits(x, 0, NAN if a * b != 0 else 1)  # no limit at +inf: a b cos(bx) oscillates
        if lim is not None:
            return lim
        # 1 + ab cos(bx) = (1 - ab) + 2ab cos^2(bx/2): no cancellation for ab <= 1 (at 128 bits either way)
        return (1 + a * b * mp.cos(b * x)) * sigmoid(x) + (x + a * mp.sin(b * x)) * sigmoid_prime(x)
