"""Polynomial coefficients of the float32 kernels' accurate functions (csrc/accurate.h).

``python -m actlab.native.fits`` prints them as C++ arrays. Each is a near-minimax fit of the
*relative* error (Lawson's iteratively reweighted least squares on Chebyshev nodes) against
mpmath at 40 digits, coefficients rounded to float32 one by one with the rest refitted, so that
the printed float32 constants are the ones whose error is reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np

mpmath.mp.dps = 40


@dataclass(frozen=True)
class Fit:
    """target(w) ~ sum_k c_k w^k on [lo, hi] (w the polynomial's variable); ``weight(w)`` is
    |d f / d P| / |f|: how an error of the polynomial shows in the function f it builds."""

    name: str
    target: Callable[[mpmath.mpf], mpmath.mpf]
    weight: Callable[[float], float]
    lo: float
    hi: float
    doc: str
    target_ulp: float = 0.03  # the lowest degree whose error is below this is printed


def _nodes(lo: float, hi: float, n: int = 1200) -> np.ndarray:
    k = np.arange(n)
    return 0.5 * (lo + hi) + 0.5 * (hi - lo) * np.cos(np.pi * (k + 0.5) / n)


def lawson(
    w: np.ndarray, t: np.ndarray, s: np.ndarray, degree: int, fixed: list[float], iters: int = 200
) -> np.ndarray:
    """Coefficients c_{len(fixed)}..c_degree minimising max |p(w) - t| s, the first ones fixed."""
    basis = np.vander(w, degree + 1, increasing=True)
    rhs = t - basis[:, : len(fixed)] @ np.asarray(fixed) if fixed else t.copy()
    a = basis[:, len(fixed) :] * s[:, None]
    b = rhs * s
    weights = np.full(len(w), 1.0 / len(w))
    coef = np.zeros(a.shape[1])
    for _ in range(iters):
        sw = np.sqrt(weights)
        coef = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)[0]
        err = np.abs(a @ coef - b)
        weights = weights * err
        weights /= weights.sum()
    return coef


def fit_float32(f: Fit) -> tuple[list[float], float]:
    """The lowest degree whose float32-rounded coefficients (each refit after rounding the
    previous ones) keep the error of f below ``f.target_ulp``; returns them and that error (ulps)."""
    w = _nodes(f.lo, f.hi)
    t = np.array([float(f.target(mpmath.mpf(float(v)))) for v in w])
    s = np.array([f.weight(float(v)) for v in w])
    for degree in range(1, 16):
        fixed: list[float] = []
        for _ in range(degree + 1):
            coef = lawson(w, t, s, degree, fixed)
            fixed.append(float(np.float32(coef[0])))
        p = np.polynomial.polynomial.polyval(w, np.asarray(fixed))
        err = float(np.max(np.abs(p - t) * s)) / 2.0**-24
        if err <= f.target_ulp:
            break
    return fixed, err


@dataclass(frozen=True)
class RationalFit:
    """target(t) ~ P(t) / Q(t), Q(0) = 1, degrees (p, q), on [lo, hi], relative error."""

    name: str
    target: Callable[[mpmath.mpf], mpmath.mpf]
    lo: float
    hi: float
    p: int
    q: int
    doc: str


def fit_rational(f: RationalFit, iters: int = 80) -> tuple[list[float], list[float], float]:
    """Lawson on the linearised problem min |P - target Q| / |target| (Q(0) = 1); then Q is
    rounded to float32 and P refitted to the true relative error of P/Q (linear in P), its
    coefficients rounded one at a time with the rest refitted. Returns P, Q and the relative
    error of P/Q in ulps with the rounded coefficients."""
    t = _nodes(f.lo, f.hi)
    r = np.array([float(f.target(mpmath.mpf(float(v)))) for v in t])
    a = np.hstack([np.vander(t, f.p + 1, increasing=True), -r[:, None] * np.vander(t, f.q + 1, increasing=True)[:, 1:]])
    weights = np.full(len(t), 1.0 / len(t))
    for _ in range(iters):
        sw = np.sqrt(weights) / np.abs(r)
        coef = np.linalg.lstsq(a * sw[:, None], r * sw, rcond=None)[0]
        ratio = np.polynomial.polynomial.polyval(t, coef[: f.p + 1]) / np.polynomial.polynomial.polyval(
            t, np.concatenate([[1.0], coef[f.p + 1 :]])
        )
        weights = weights * np.abs(ratio - r) / np.abs(r)  # the true relative error of P/Q
        weights /= weights.sum()
    q = [1.0, *(float(np.float32(c)) for c in coef[f.p + 1 :])]
    qt = np.polynomial.polynomial.polyval(t, q)
    p: list[float] = []
    for _ in range(f.p + 1):  # P / Q ~ r: basis t^k / Q in the weight 1 / r
        c = lawson(t, r * qt, 1.0 / np.abs(r * qt), f.p, p, iters)
        p.append(float(np.float32(c[0])))
    approx = np.polynomial.polynomial.polyval(t, p) / qt
    return p, q, float(np.max(np.abs(approx - r) / np.abs(r))) / 2.0**-24


def _mills_rest(t: mpmath.mpf) -> mpmath.mpf:  # w(t) = (1/R(t) - 2 - sqrt(2 pi) t)/t, R = (1 - Phi(t)) e^{t^2/2}
    if t == 0:  # 1/R = 2 + 4 phi(0) t + O(t^2)
        return (4 - 2 * mpmath.pi) / mpmath.sqrt(2 * mpmath.pi)
    r = mpmath.erfc(t / mpmath.sqrt(2)) / 2 * mpmath.exp(t * t / 2)
    return (1 / r - 2 - mpmath.sqrt(2 * mpmath.pi) * t) / t


def _serf_slope(x: mpmath.mpf) -> mpmath.mpf:  # SERF'(x) = erf(p) + x erf'(p) sigma(x), p = softplus(x)
    p = mpmath.log1p(mpmath.exp(x))
    return mpmath.erf(p) + x * 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-p * p) / (1 + mpmath.exp(-x))


SERF_ZERO = mpmath.findroot(_serf_slope, -1.19)  # SERF' = 0 at -1.19306: its float32 form cancels near there


SERF_ERFC_MID = 2.46  # the centre of [1, 3.92], where SERF's erf is 1 - erfc by a polynomial


def _tanh_exp_slope(x: mpmath.mpf) -> mpmath.mpf:  # TanhExp'(x) = tanh(e^x) + x e^x sech^2(e^x)
    e = mpmath.exp(x)
    return mpmath.tanh(e) + x * e * mpmath.sech(e) ** 2


def _smish_slope(z: mpmath.mpf) -> mpmath.mpf:  # Smish'/alpha = T(z) + z T'(z), T = q/(q + 2), q = s(s + 2)
    s = 1 / (1 + mpmath.exp(-z))
    q = s * (s + 2)
    return q / (q + 2) + z * 4 * (1 + s) * s * (1 - s) / (q + 2) ** 2


def _logish_slope(x: mpmath.mpf) -> mpmath.mpf:  # Logish'(x) = log1p(s) + x s (1 - s) / (1 + s)
    s = 1 / (1 + mpmath.exp(-x))
    return mpmath.log1p(s) + x * s * (1 - s) / (1 + s)


def _dsilu_slope(w: mpmath.mpf) -> mpmath.mpf:  # dSiLU'(x) = sigma'(x)(2 - x tanh(x/2)), w = x^2
    x = mpmath.sqrt(w)
    s = 1 / (1 + mpmath.exp(-x))
    return s * (1 - s) * (2 - x * mpmath.tanh(x / 2))


def near_zero(slope: Callable[[mpmath.mpf], mpmath.mpf], x0: mpmath.mpf) -> Callable[[mpmath.mpf], mpmath.mpf]:
    """d -> slope(x0 + d) / d (slope'(x0) at d = 0): the polynomial P of slope(x0 + d) = d P(d)."""

    def target(d: mpmath.mpf) -> mpmath.mpf:
        return mpmath.diff(slope, x0) if d == 0 else slope(x0 + d) / d

    return target


# where the float32 sums of f' cancel (their zeros), fitted as d P(d) as SERF's
SLOPE_ZEROS = {
    "kTanhExpSlopeZero": (_tanh_exp_slope, mpmath.findroot(_tanh_exp_slope, -1.1), "TanhExp'"),
    "kSmishSlopeZero": (_smish_slope, mpmath.findroot(_smish_slope, -1.3), "Smish'/alpha (in z = beta x)"),
    "kLogishSlopeZero": (_logish_slope, mpmath.findroot(_logish_slope, -1.1), "Logish'"),
}


def _slope_fit(name: str, half_width: float = 0.8) -> Fit:
    slope, x0, what = SLOPE_ZEROS[name]
    target = near_zero(slope, x0)
    return Fit(
        name,
        target,
        lambda d: 1.0 / float(target(mpmath.mpf(d))),
        -half_width,
        half_width,
        f"{what}(x0 + d) = d P(d), |d| <= {half_width}",
        target_ulp=0.7,
    )


def _exp_core(r: mpmath.mpf) -> mpmath.mpf:  # (e^r - 1 - r) / r^2
    if r == 0:
        return mpmath.mpf(1) / 2
    return (mpmath.expm1(r) - r) / r**2


def _log1p_slope(e: mpmath.mpf) -> mpmath.mpf:  # (log1p(e)/e - 1)/e
    if e == 0:
        return mpmath.mpf(-1) / 2
    return (mpmath.log1p(e) / e - 1) / e


def _tanh(w: mpmath.mpf) -> mpmath.mpf:  # (tanh x - x) / x^3, w = x^2
    if w == 0:
        return mpmath.mpf(-1) / 3
    x = mpmath.sqrt(w)
    return (mpmath.tanh(x) - x) / x**3


def _tanh_weight(w: float) -> float:  # x^3 / tanh x
    x = math.sqrt(w)
    return w * x / math.tanh(x) if x else 0.0


def _expm1(x: mpmath.mpf) -> mpmath.mpf:  # (expm1 x - x) / x^2
    if x == 0:
        return mpmath.mpf(1) / 2
    return (mpmath.expm1(x) - x) / x**2


FITS = (
    Fit("kTanhSmall", _tanh, _tanh_weight, 0.0, 0.5493**2, "tanh x = x + x^3 P(x^2), |x| <= atanh(1/2)"),
    Fit(
        "kExpm1Small",
        _expm1,
        lambda x: x * x / abs(math.expm1(x)) if x else 0.0,
        -math.log(2.0),
        0.0,
        "expm1 x = x + x^2 P(x), -ln 2 <= x <= 0",
    ),
    Fit(
        "kLog1pSlope",
        _log1p_slope,
        lambda e: e * e / math.log1p(e) if e else 0.0,
        0.0,
        1.0,
        "log1p e = e (1 + e P(e)), 0 <= e <= 1",
    ),
    Fit(
        "kSerfLog1p",
        _log1p_slope,
        lambda e: e * e / math.log1p(e) if e else 0.0,
        0.0,
        1.0,
        "log1p e = e (1 + e P(e)), 0 <= e <= 1, for SERF's softplus (p's error reaches f damped)",
        target_ulp=0.6,
    ),
    Fit(
        "kSerfErfcMid",
        lambda w: mpmath.erfc(w + SERF_ERFC_MID),
        lambda w: 1.0 / math.erf(w + SERF_ERFC_MID),
        1.0 - SERF_ERFC_MID,
        3.92 - SERF_ERFC_MID,
        "erfc p = P(p - 2.46), 1 <= p <= 3.92, the error relative to erf p (erf p = 1 in float32 beyond 3.92)",
        target_ulp=0.6,
    ),
    Fit(
        "kExpCore",
        _exp_core,
        lambda r: r * r / math.exp(r),
        -0.3466,
        0.3466,
        "e^r = 1 + r + r^2 P(r), |r| <= ln(2)/2",
    ),
    Fit(
        "kExpShort",
        _exp_core,
        lambda r: r * r / math.exp(r),
        -0.3466,
        0.3466,
        "e^r = 1 + r + r^2 P(r), |r| <= ln(2)/2, one degree less: for the exps of about 1 ulp",
        target_ulp=0.1,
    ),
    *(_slope_fit(name) for name in SLOPE_ZEROS),
    Fit(
        "kDsiluSlopeSmall",
        _dsilu_slope,
        lambda w: 1.0 / float(_dsilu_slope(mpmath.mpf(w))),
        0.0,
        1.0,
        "dSiLU'(x) = P(x^2), |x| <= 1",
        target_ulp=0.3,
    ),
)


@dataclass(frozen=True)
class PiecewiseFit:
    """target(x) ~ P_j(x - o_j) on intervals [a_j, b_j], o_j the centre or, with ``zero_origin``, 0 for the intervals
    that end at 0, there with P_j(0) = 0 where ``zero_at_0`` (target(0) = 0: the relative error stays bounded), each
    P_j of ``degree``
    (csrc/lookup.h: the coefficients of a lane's interval by a register-resident table lookup), in the relative
    error, each interval's nodes widened by 0.2% but not across 0 (the kernel's index is rounded; the targets may
    change form at 0)."""

    name: str
    target: Callable[[mpmath.mpf], mpmath.mpf]
    intervals: tuple[tuple[float, float], ...]
    degree: int
    doc: str
    zero_origin: bool = False
    zero_at_0: bool = False

    def origin(self, a: float, b: float) -> float:
        return 0.0 if self.zero_origin and 0.0 in (a, b) else 0.5 * (a + b)


def uniform(lo: float, w: float, n: int) -> tuple[tuple[float, float], ...]:
    return tuple((lo + j * w, lo + (j + 1) * w) for j in range(n))


def _lawson_guarded(w: np.ndarray, t: np.ndarray, s: np.ndarray, degree: int, fixed: list[float]) -> np.ndarray:
    """lawson's iteration, its weights kept positive (a near-constant target fits exactly at nodes)."""
    basis = np.vander(w, degree + 1, increasing=True)
    rhs = t - basis[:, : len(fixed)] @ np.asarray(fixed) if fixed else t.copy()
    a, b = basis[:, len(fixed) :] * s[:, None], rhs * s
    weights = np.full(len(w), 1.0 / len(w))
    coef = np.zeros(a.shape[1])
    for _ in range(60):
        sw = np.sqrt(weights)
        coef = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)[0]
        err = np.abs(a @ coef - b)
        if err.max() == 0.0:
            break
        weights = weights * np.maximum(err, 1e-6 * err.max())
        weights /= weights.sum()
    return coef


def fit_piecewise(f: PiecewiseFit, nodes: int = 120) -> tuple[list[list[float]], list[float], float]:
    """The float32 coefficients (coefficient-major: ``[k][j]`` of u^k on interval j, each rounded with the
    rest refitted), the origins o_j and the worst relative error over the intervals, in ulps."""
    n = len(f.intervals)
    table = [[0.0] * n for _ in range(f.degree + 1)]
    origins, worst = [], 0.0
    for j, (a, b) in enumerate(f.intervals):
        o = f.origin(a, b)
        widen = 1.0 if 0.0 in (a, b) else 1.002
        u = _nodes(0.5 * (a + b) - o - 0.5 * widen * (b - a), 0.5 * (a + b) - o + 0.5 * widen * (b - a), nodes)
        t = np.array([float(f.target(mpmath.mpf(o) + mpmath.mpf(float(v)))) for v in u])
        s = 1.0 / np.abs(t)
        fixed: list[float] = [0.0] if f.zero_at_0 and o == 0.0 else []
        while len(fixed) <= f.degree:
            coef = _lawson_guarded(u, t, s, f.degree, fixed)
            fixed.append(float(np.float32(coef[0])))
        err = float(np.max(np.abs(np.polynomial.polynomial.polyval(u, np.asarray(fixed)) - t) * s)) / 2.0**-24
        worst = max(worst, err)
        origins.append(o)
        for k, c in enumerate(fixed):
            table[k][j] = c
    return table, origins, worst


def _serf_gate(x: mpmath.mpf) -> mpmath.mpf:  # erf(softplus x)
    return mpmath.erf(mpmath.log1p(mpmath.exp(x)))


def _serf_slope_over_zero(x: mpmath.mpf) -> mpmath.mpf:  # SERF'(x) / (x - x0)
    d = x - SERF_ZERO
    return mpmath.diff(_serf_slope, SERF_ZERO) if abs(d) < mpmath.mpf(10) ** -20 else _serf_slope(x) / d


def _phish_slope(x: mpmath.mpf) -> mpmath.mpf:  # Phish'(x) = tanh g + x sech^2(g) (Phi + x phi), g = x Phi(x)
    g = x * mpmath.ncdf(x)
    return mpmath.tanh(g) + x * mpmath.sech(g) ** 2 * (mpmath.ncdf(x) + x * mpmath.npdf(x))


PHISH_ZERO = mpmath.findroot(_phish_slope, -1.2)  # Phish' = 0 at -1.19543 (and at 0)


def _gauss_out(x: mpmath.mpf) -> mpmath.mpf:  # e^{x^2/2} for x < 0, else 1: the kernel multiplies by e^{-x^2/2} there
    return mpmath.exp(x * x / 2) if x < 0 else mpmath.mpf(1)


def _phish_gate(x: mpmath.mpf) -> mpmath.mpf:  # tanh(x Phi(x)), e^{x^2/2} factored out below 0
    return mpmath.tanh(x * mpmath.ncdf(x)) * _gauss_out(x)


def _phish_slope_over_zeros(x: mpmath.mpf) -> mpmath.mpf:  # Phish'(x) / (x (x - x0)), e^{x^2/2} factored out below 0
    eps = mpmath.mpf(10) ** -20
    if abs(x) < eps:
        return mpmath.diff(_phish_slope, 0) / (-PHISH_ZERO)
    if abs(x - PHISH_ZERO) < eps:
        return mpmath.diff(_phish_slope, PHISH_ZERO) / PHISH_ZERO * _gauss_out(PHISH_ZERO)
    return _phish_slope(x) / (x * (x - PHISH_ZERO)) * _gauss_out(x)


# SERF's grid: 16 intervals of 7/8 on [-9.625, 4.375) (below: the kernel's former forms; above: erf(p) = 1 and
# SERF' = 1 in float32). Phish's: 3 intervals of 11/4 on [-10.75, -2.5), 11 of 5/8 on [-2.5, 4.375), 2 of 49/16 on
# [4.375, 10.5) (0 an end and the origin of its neighbours: the gate's P_j(0) = 0; tanh(x Phi(x)) has poles at
# 0.64 +- 1.28i, which the fine intervals keep at degree 8 and 9; above 10.5 Phish = x and Phish' = 1 in float32)
SERF_GRID = uniform(-9.625, 0.875, 16)
PHISH_GRID = uniform(-10.75, 2.75, 3) + uniform(-2.5, 0.625, 11) + uniform(4.375, 3.0625, 2)
PIECEWISE = (
    PiecewiseFit(
        "kSerfGate", _serf_gate, SERF_GRID, 7, "erf(softplus x) = P_j(x - c_j) on [-9.625, 4.375), 16 intervals"
    ),
    PiecewiseFit(
        "kSerfSlope",
        _serf_slope_over_zero,
        SERF_GRID,
        7,
        "SERF'(x) / (x - x0) = P_j(x - c_j) on [-9.625, 4.375), 16 intervals",
    ),
    PiecewiseFit(
        "kPhishGate",
        _phish_gate,
        PHISH_GRID,
        8,
        "tanh(x Phi(x)) = e^{-x^2/2 (x < 0)} P_j(x - o_j) on [-10.75, 10.5), 16 intervals",
        zero_origin=True,
        zero_at_0=True,
    ),
    PiecewiseFit(
        "kPhishSlope",
        _phish_slope_over_zeros,
        PHISH_GRID,
        9,
        "Phish'(x) / (x (x - x0)) = e^{-x^2/2 (x < 0)} P_j(x - o_j) on [-10.75, 10.5), 16 intervals (kPhishGate's o_j)",
        zero_origin=True,
    ),
)

# 1/R = 2 + sqrt(2 pi) t + t w(t): w's error reaches R damped by |t w|/(1/R) <= 0.2
RATIONALS = (
    RationalFit(
        "kMillsRest", _mills_rest, 0.0, 15.0, 4, 5, "w(t) = (1/R(t) - 2 - sqrt(2 pi) t)/t = P(t)/Q(t), 0 <= t <= 15"
    ),
)


def main() -> None:
    x0 = float(SERF_ZERO)
    print(f"// SERF' = 0 at x0 = {x0!r} = {float(np.float32(x0))!r}f + {x0 - float(np.float32(x0))!r}f")
    for name, (_, zero, what) in SLOPE_ZEROS.items():
        z = float(zero)
        print(f"// {name}: {what} = 0 at x0 = {z!r} = {float(np.float32(z))!r}f + {z - float(np.float32(z))!r}f")
    for f in FITS:
        coef, err = fit_float32(f)
        body = ", ".join(f"{float(np.float32(c))!r}f" for c in coef)
        print(f"// {f.doc} (fit error {err:.3f} ulp)")
        print(f"inline constexpr float {f.name}[] = {{{body}}};")
    origins_printed = set()
    for pw in PIECEWISE:
        table, origins, err = fit_piecewise(pw)
        n = len(pw.intervals)
        print(f"// {pw.doc}, degree {pw.degree} (fit error {err:.3f} ulp)")
        print(f"inline constexpr float {pw.name}[][{n}] = {{")
        for row in table:
            print("    {" + ", ".join(f"{float(np.float32(c))!r}f" for c in row) + "},")
        print("};")
        if pw.zero_origin and pw.intervals not in origins_printed:  # else the centres, which the kernel computes
            origins_printed.add(pw.intervals)
            print(f"inline constexpr float {pw.name}Origin[] = {{" + ", ".join(f"{o!r}f" for o in origins) + "};")
    for r in RATIONALS:
        p, q, err = fit_rational(r)
        print(f"// {r.doc} (fit error {err:.3f} ulp)")
        for suffix, coef in (("P", p), ("Q", q)):
            body = ", ".join(f"{c!r}f" for c in coef)
            print(f"inline constexpr float {r.name}{suffix}[] = {{{body}}};")


if __name__ == "__main__":
    main()
