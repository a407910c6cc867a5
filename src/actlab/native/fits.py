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


def fit_float32(f: Fit, target_ulp: float = 0.03) -> tuple[list[float], float]:
    """The lowest degree whose float32-rounded coefficients (each refit after rounding the
    previous ones) keep the error of f below ``target_ulp``; returns them and that error (ulps)."""
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
        if err <= target_ulp:
            break
    return fixed, err


def _tanh(w: mpmath.mpf) -> mpmath.mpf:  # (tanh x - x) / x^3, w = x^2
    if w == 0:
        return mpmath.mpf(-1) / 3
    x = mpmath.sqrt(w)
    return (mpmath.tanh(x) - x) / x**3


def _expm1(x: mpmath.mpf) -> mpmath.mpf:  # (expm1 x - x) / x^2
    if x == 0:
        return mpmath.mpf(1) / 2
    return (mpmath.expm1(x) - x) / x**2


def _log1p(e: mpmath.mpf) -> mpmath.mpf:  # log1p(e) / e
    if e == 0:
        return mpmath.mpf(1)
    return mpmath.log1p(e) / e


def _tanh_weight(w: float) -> float:  # x^3 / tanh x
    x = math.sqrt(w)
    return w * x / math.tanh(x) if x else 0.0


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
    Fit("kLog1pUnit", _log1p, lambda e: e / math.log1p(e) if e else 1.0, 0.0, 1.0, "log1p e = e P(e), 0 <= e <= 1"),
)


def main() -> None:
    for f in FITS:
        coef, err = fit_float32(f)
        body = ", ".join(f"{float(np.float32(c))!r}f" for c in coef)
        print(f"// {f.doc} (fit error {err:.3f} ulp)")
        print(f"inline constexpr float {f.name}[] = {{{body}}};")


if __name__ == "__main__":
    main()
