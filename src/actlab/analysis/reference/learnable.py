r"""128-bit ground truth of the learnable pointwise activations (SinLU, SMU, xIELU, TLU,
SoftExponential, PELU, MPELU, SReLU, APL, AReLU, ACON-C, PAU, Rational; PReLU, StarReLU, Snake)
at fixed values of their tensors: ``f(x, **w)`` and ``df(x, **w)`` (the derivative in x),
keyword arguments named as the declaration's ``tensor_params``, each a number or (for a
``coefficients`` tensor) a tuple.

Written from the papers' formulas, not from the torch code. Conventions where the math leaves a
choice follow the declarations (their ``kink_convention``):

* kinks: PELU takes the x >= 0 piece at 0, MPELU the x <= 0 piece; SReLU x = t_r the right piece,
  x = t_l the left one; TLU's f' at x = tau is 1/2; APL's and AReLU's max(0, .)' is 0 at 0 (and
  at every hinge); PReLU's f'(0) is a, StarReLU's 0; xIELU's exponential piece is x <= eps
  (eps = -1e-6, the float64 value), its f'(0) the x <= 0 piece's; PAU's |B|' is 0 at the zeros of B.
* NaN: f(NaN) = NaN. f'(NaN) is NaN except where a piecewise-linear op's comparisons all fail
  and leave NaN on a piece of constant slope: SReLU's middle piece (1); APL and AReLU (0: no
  piece is selected, as their indicator sums); PReLU's a (the x <= 0 slope, as torch).
* +-inf: the limits; SinLU's f' has none at +inf, Snake's none at +-inf (they oscillate: NaN).
  SoftExponential with alpha < 0 is defined for u = 1 - alpha(x + alpha) > 0 only: f = -inf at
  u = 0, NaN beyond, and f' NaN from u = 0 on (the declaration's partials exclude the edge).

The zeros of f' are listed on [-30, 30] (the sweep's dense grid) by a sign scan refined at 128
bits; f' that touches 0 without changing sign (SinLU at a b = 1, Snake) lists none there.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import mpmath
from mpmath import mp, mpf

from .core import INF, NAN, PRECISION, REFERENCES, Reference, _inf, _nan, sigmoid, sigmoid_prime, softplus

XIELU_EPS = -1e-6  # the float64 value: the module compares float32 inputs in float64


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


def _register(name: str, cls: type) -> type:
    """Register ``cls.f``, ``cls.df`` with the zeros of df on [-30, 30] at the given tensors."""

    @lru_cache(maxsize=32)
    def zeros(**w: Any) -> tuple[float, ...]:
        return sign_changes(lambda x: cls.df(x, **w), -30.0, 30.0)

    REFERENCES[name] = Reference(cls.f, cls.df, zeros)
    return cls


def _ref(name: str):
    return lambda cls: _register(name, cls)


# ---- SinLU: (x + a sin(bx)) sigma(x) --------------------------------------------------------------
@_ref("SinLU")
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


# ---- SMU: ((1 + alpha)x + (1 - alpha)x erf(mu(1 - alpha)x))/2, alpha = 0.25 ------------------------
SMU_ALPHA = mpf(1) / 4


@_ref("SMU")
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


# ---- xIELU (raw parameters r_p, r_n: alpha_p = softplus(r_p), alpha_n = 1/2 + softplus(r_n)) ------
XIELU_BETA = mpf(1) / 2


@_ref("xIELU")
class _xIELU:
    def f(x, alpha_p, alpha_n):
        ap, an = softplus(mpf(alpha_p)), XIELU_BETA + softplus(mpf(alpha_n))
        lim = _limits(x, INF if an > XIELU_BETA else -INF, INF if ap > 0 else -INF)
        if lim is not None:
            return lim
        if x > 0:
            return ap * x * x + XIELU_BETA * x
        with mp.extraprec(64):  # expm1(x) - x cancels like x^2/2
            return an * (mp.expm1(min(x, mpf(XIELU_EPS))) - x) + XIELU_BETA * x

    def df(x, alpha_p, alpha_n):
        ap, an = softplus(mpf(alpha_p)), XIELU_BETA + softplus(mpf(alpha_n))
        lim = _limits(x, XIELU_BETA - an, INF if ap > 0 else -INF)
        if lim is not None:
            return lim
        if x > 0:
            return 2 * ap * x + XIELU_BETA
        if x <= mpf(XIELU_EPS):
            return an * mp.expm1(x) + XIELU_BETA
        return XIELU_BETA - an  # expm1(min(x, eps)) is flat on (eps, 0]


# ---- TLU: max(x, tau) -----------------------------------------------------------------------------------
@_ref("TLU")
class _TLU:
    def f(x, tau):
        return NAN if _nan(x) else max(x, mpf(tau))

    def df(x, tau):  # 1/2 at the tie (torch.maximum's subgradient)
        if _nan(x):
            return NAN
        return mpf(1) if x > tau else mpf(1) / 2 if x == tau else mpf(0)


# ---- SoftExponential --------------------------------------------------------------------------------------
@_ref("SoftExponential")
class _SoftExponential:
    def f(x, alpha):
        a = mpf(alpha)
        if _nan(x):
            return NAN
        if a == 0:
            return x
        if a > 0:  # expm1(a x)/a + a
            if _inf(x):
                return INF if x > 0 else a - 1 / a
            return mp.expm1(a * x) / a + a
        if _inf(x):  # -log(1 - a(x + a))/a: +inf at +inf, outside the domain at -inf
            return INF if x > 0 else NAN
        u = 1 - a * (x + a)
        if u < 0:
            return NAN
        return -INF if u == 0 else -mp.log1p(-a * (x + a)) / a

    def df(x, alpha):
        a = mpf(alpha)
        if _nan(x):
            return NAN
        if a == 0:
            return mpf(1)
        if a > 0:
            if _inf(x):
                return INF if x > 0 else mpf(0)
            return mp.exp(a * x)
        if _inf(x):
            return mpf(0) if x > 0 else NAN
        u = 1 - a * (x + a)
        return 1 / u if u > 0 else NAN


# ---- PELU, MPELU -----------------------------------------------------------------------------------------
@_ref("PELU")
class _PELU:
    def f(x, a, b):
        a, b = mpf(a), mpf(b)
        if _nan(x):
            return NAN
        if _inf(x):
            return _inf_times(a / b, 1) if x > 0 else -a
        return a / b * x if x >= 0 else a * mp.expm1(x / b)

    def df(x, a, b):  # f'(0) = a/b (the x >= 0 piece)
        a, b = mpf(a), mpf(b)
        lim = _limits(x, 0, a / b)
        if lim is not None:
            return lim
        return a / b if x >= 0 else a / b * mp.exp(x / b)


@_ref("MPELU")
class _MPELU:
    def f(x, alpha, beta):
        lim = _limits(x, -mpf(alpha), INF)
        if lim is not None:
            return lim
        return x if x > 0 else mpf(alpha) * mp.expm1(mpf(beta) * x)

    def df(x, alpha, beta):  # f'(0) = alpha beta (the x <= 0 piece)
        lim = _limits(x, 0, 1)
        if lim is not None:
            return lim
        return mpf(1) if x > 0 else mpf(alpha) * mpf(beta) * mp.exp(mpf(beta) * x)


# ---- SReLU, APL, AReLU ---------------------------------------------------------------------------------
@_ref("SReLU")
class _SReLU:
    def f(x, t_left, a_left, t_right, a_right):
        tl, al, tr, ar = map(mpf, (t_left, a_left, t_right, a_right))
        if _nan(x):
            return NAN
        if _inf(x):
            return tr + _inf_times(ar, 1) if x > 0 else tl + _inf_times(al, -1)
        if x >= tr:
            return tr + ar * (x - tr)
        return tl + al * (x - tl) if x <= tl else x

    def df(x, t_left, a_left, t_right, a_right):  # x = t_r: a_r; x = t_l: a_l; NaN: the middle piece's 1
        if _nan(x):
            return mpf(1)
        return mpf(a_right) if x >= t_right else mpf(a_left) if x <= t_left else mpf(1)


@_ref("APL")
class _APL:
    def f(x, a, b):
        if _nan(x):
            return NAN
        if _inf(x):
            if x > 0:
                return INF
            return sum((_inf_times(mpf(s), 1) for s in a), mpf(0))
        return max(x, mpf(0)) + sum((mpf(s) * max(mpf(h) - x, mpf(0)) for s, h in zip(a, b)), mpf(0))

    def df(x, a, b):  # [x > 0] - sum a_s [x < b_s]: 0 at 0 and at each hinge; NaN selects nothing (0)
        if _nan(x):
            return mpf(0)
        return (mpf(1) if x > 0 else mpf(0)) - sum((mpf(s) for s, h in zip(a, b) if x < h), mpf(0))


def _clamp_alpha(alpha: Any) -> mpf:
    return min(max(mpf(alpha), mpf("0.01")), mpf("0.99"))


@_ref("AReLU")
class _AReLU:
    def f(x, alpha, beta):  # (1 + sigma(beta)) max(0, x) - C(alpha) max(0, -x)
        if _nan(x):
            return NAN
        return (1 + sigmoid(mpf(beta))) * x if x > 0 else _clamp_alpha(alpha) * x

    def df(x, alpha, beta):  # f'(0) = 0; NaN selects neither side (0)
        if _nan(x) or x == 0:
            return mpf(0)
        return 1 + sigmoid(mpf(beta)) if x > 0 else _clamp_alpha(alpha)


# ---- ACON-C: (p1 - p2) x sigma(beta (p1 - p2) x) + p2 x ------------------------------------------------
@_ref("ACON")
class _ACON:
    def f(x, p1, p2, beta):
        p1, p2, beta = mpf(p1), mpf(p2), mpf(beta)
        if _nan(x):
            return NAN
        dp = p1 - p2
        if _inf(x):  # the slope p1 where beta dp x -> +inf, p2 where -> -inf, (p1 + p2)/2 where beta dp = 0
            u = mpmath.sign(beta * dp) * mpmath.sign(x)
            slope = p1 if u > 0 else p2 if u < 0 else (p1 + p2) / 2
            return _inf_times(slope, int(mpmath.sign(x)))
        return dp * x * sigmoid(beta * dp * x) + p2 * x

    def df(x, p1, p2, beta):
        p1, p2, beta = mpf(p1), mpf(p2), mpf(beta)
        if _nan(x):
            return NAN
        dp = p1 - p2
        if _inf(x):
            u = mpmath.sign(beta * dp) * mpmath.sign(x)
            return p1 if u > 0 else p2 if u < 0 else (p1 + p2) / 2
        u = beta * dp * x
        return dp * (sigmoid(u) + u * sigmoid_prime(u)) + p2


# ---- PAU (safe, Q = 1 + |sum_{k>=1} b_k x^k|), Rational (Q = sum_{k>=0} b_k x^k) ----------------------
def _poly(c: tuple, x: mpf, start: int = 0) -> tuple[mpf, mpf]:
    """sum c_i x^(i + start) and its derivative."""
    p = sum((mpf(ci) * x ** (i + start) for i, ci in enumerate(c)), mpf(0))
    dp = sum((mpf(ci) * (i + start) * x ** (i + start - 1) for i, ci in enumerate(c) if i + start > 0), mpf(0))
    return p, dp


def _lead(c: tuple) -> tuple[int, mpf]:
    """Index and value of the last nonzero coefficient."""
    k = max(i for i, ci in enumerate(c) if ci != 0)
    return k, mpf(c[k])


def _rational_limit(x: mpf, num: tuple, den: tuple, start: int, safe: bool, deriv: bool) -> mpf:
    """f or f' at x = +-inf: f ~ c x^(m - n), c = a_m / |b_n| (PAU) or a_m / b_n (Rational)."""
    m, am = _lead(num)
    n, bn = _lead(den)
    n += start
    c = am / (abs(bn) if safe else bn)
    s = int(mpmath.sign(x))
    d = m - n
    if deriv:
        if d == 0 or d < 0:
            return mpf(0)
        return c if d == 1 else _inf_times(c * d * s ** (d - 1), 1)
    if d < 0:
        return mpf(0)
    return c if d == 0 else _inf_times(c * s**d, 1)


class _RationalRef:
    start: int
    safe: bool

    @classmethod
    def parts(cls, x: mpf, numerator: tuple, denominator: tuple) -> tuple[mpf, mpf, mpf, mpf]:
        p, dp = _poly(numerator, x)
        b, db = _poly(denominator, x, cls.start)
        if cls.safe:  # Q = 1 + |B|, Q' = sign(B) B' (0 at the zeros of B)
            return p, dp, 1 + abs(b), mpmath.sign(b) * db
        return p, dp, b, db

    @classmethod
    def f(cls, x, numerator, denominator):
        if _nan(x):
            return NAN
        if _inf(x):
            return _rational_limit(x, numerator, denominator, cls.start, cls.safe, False)
        with mp.extraprec(64):
            p, _, q, _ = cls.parts(x, numerator, denominator)
            return p / q

    @classmethod
    def df(cls, x, numerator, denominator):
        if _nan(x):
            return NAN
        if _inf(x):
            return _rational_limit(x, numerator, denominator, cls.start, cls.safe, True)
        with mp.extraprec(64):
            p, dp, q, dq = cls.parts(x, numerator, denominator)
            return (dp * q - p * dq) / (q * q)


class _PAU(_RationalRef):
    start, safe = 1, True


class _Rational(_RationalRef):
    start, safe = 0, False


_register("PAU", _PAU)
_register("Rational", _Rational)


# ---- PReLU, StarReLU, Snake (the learnable pointwise ops of torch.nn and the modern family) ----------
@_ref("PReLU")
class _PReLU:
    def f(x, weight):
        if _nan(x):
            return NAN
        if _inf(x):
            return x if x > 0 else _inf_times(mpf(weight), -1)
        return x if x > 0 else mpf(weight) * x

    def df(x, weight):  # f'(0) = a; NaN takes the x <= 0 slope a (torch)
        return mpf(1) if not _nan(x) and x > 0 else mpf(weight)


@_ref("StarReLU")
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


@_ref("Snake")
class _Snake:
    def f(x, alpha):  # x + sin^2(a x)/a (x at a = 0)
        if _nan(x) or _inf(x):
            return x
        a = mpf(alpha)
        return x if a == 0 else x + mp.sin(a * x) ** 2 / a

    def df(x, alpha):  # 1 + sin(2 a x): no limit at +-inf (NaN) unless a = 0
        a = mpf(alpha)
        if _nan(x) or (_inf(x) and a != 0):
            return NAN
        return 1 + mp.sin(2 * a * x)
