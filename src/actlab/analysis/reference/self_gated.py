"""128-bit ground truth of the self-gated catalog activations (ELiSH, HardELiSH, LiSHT, TanhExp,
TeLU, Smish, Logish, Phish, GoLU, ESwish, ErfAct, DSiLU, FlattenTSwish), written from the papers'
formulas. Where a gate is 1 or 0 to far beyond 128 bits (tanh(e^x) for x > 50, exp(-beta e^{-x})
for beta e^{-x} > 1e5, erf(u) for u > 1e3) the limit is returned instead of evaluating a doubly
exponential number."""

from __future__ import annotations

from functools import lru_cache

import mpmath
from mpmath import mp, mpf

from .core import INF, NAN, SILU_DF_ZERO, _inf, _nan, _ref, _swish, _swish_prime, normal_cdf, normal_pdf, sigmoid
from .core import sigmoid_prime as dsig
from .zeros import cached_zeros, zeros_in


def _limits(x: mpf, at_minus: mpf, at_plus: mpf) -> mpf | None:
    """NaN for NaN, the given limits at -inf / +inf, None for finite x."""
    if _nan(x):
        return NAN
    if _inf(x):
        return at_plus if x > 0 else at_minus
    return None


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


def _dsilu_df(x: mpf) -> mpf:
    s = sigmoid(x)
    return dsig(x) * (2 + x * (1 - 2 * s))


_DSILU_ZEROS = cached_zeros(_dsilu_df, -5.0, 5.0)


@_ref("DSiLU", lambda: _DSILU_ZEROS())
class _DSiLU:
    def f(x):
        lim = _limits(x, mpf(0), mpf(1))
        return lim if lim is not None else sigmoid(x) * (1 + x * (1 - sigmoid(x)))

    def df(x):
        lim = _limits(x, mpf(0), mpf(0))
        return lim if lim is not None else _dsilu_df(x)


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
