r"""Small-sample statistics for the arena, in plain Python (no scipy at run time).

* Student's t distribution: :func:`t_cdf` through the regularized incomplete beta function,
  :math:`P(|T| > t) = I_{\nu/(\nu+t^2)}(\nu/2, 1/2)`, evaluated by its continued fraction
  (modified Lentz); :func:`t_ppf` inverts it by bisection.
* :func:`mean_ci95`: mean and the half-width :math:`t_{0.975,\,n-1}\, s/\sqrt{n}` of the 95%
  confidence interval (s: sample standard deviation, n - 1 degrees of freedom).
* :func:`paired_t_test`: the paired t-test of two score lists over the same seeds,
  :math:`t = \bar d / (s_d/\sqrt{n})` on the differences :math:`d_i = a_i - b_i`, two-sided p.
* :func:`holm`: Holm–Bonferroni adjusted p-values for a family of tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

_EPS = 1e-15
_TINY = 1e-300


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for num in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + num * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + num / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b}, x={x})")


def betainc(a: float, b: float, x: float) -> float:
    r"""Regularized incomplete beta :math:`I_x(a, b) = B(x; a, b)/B(a, b)` for a, b > 0, 0 <= x <= 1."""
    if not (a > 0 and b > 0):
        raise ValueError(f"betainc: a and b must be positive, got a={a}, b={b}")
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"betainc: x must lie in [0, 1], got {x}")
    if x in (0.0, 1.0):
        return x
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1.0 - x) / b


def t_sf2(t: float, df: float) -> float:
    """Two-sided tail probability P(|T| >= |t|) of Student's t with ``df`` degrees of freedom."""
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    if math.isinf(t):
        return 0.0
    return betainc(df / 2.0, 0.5, df / (df + t * t))


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    half = 0.5 * t_sf2(t, df)
    return 1.0 - half if t >= 0 else half


def t_ppf(q: float, df: float) -> float:
    """The q-quantile of Student's t (bisection on :func:`t_cdf`, to double precision)."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"t_ppf: q must lie in (0, 1), got {q}")
    if q == 0.5:
        return 0.0
    if q < 0.5:
        return -t_ppf(1.0 - q, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < q:
        lo, hi = hi, 2.0 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if t_cdf(mid, df) < q else (lo, mid)
    return 0.5 * (lo + hi)


def _checked(values: Sequence[float], what: str) -> list[float]:
    vals = [float(v) for v in values]
    if not vals:
        raise ValueError(f"{what}: no values")
    bad = [v for v in vals if not math.isfinite(v)]
    if bad:
        raise ValueError(f"{what}: non-finite values {bad}")
    return vals


def mean_ci95(values: Sequence[float]) -> tuple[float, float | None]:
    """(mean, half-width of the two-sided 95% t interval); the half-width is None for one value."""
    vals = _checked(values, "mean_ci95")
    n = len(vals)
    mean = math.fsum(vals) / n
    if n < 2:
        return mean, None
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in vals) / (n - 1))
    return mean, t_ppf(0.975, n - 1) * sd / math.sqrt(n)


@dataclass(frozen=True)
class PairedTest:
    """Paired t-test of a - b over n pairs: mean difference, its 95% CI half-width, t and the
    two-sided p-value (None when n < 2). Zero spread: p = 1 if the mean difference is 0, else 0."""

    n: int
    diff_mean: float
    diff_ci95: float | None
    t: float | None
    p: float | None


def paired_t_test(a: Sequence[float], b: Sequence[float]) -> PairedTest:
    """Paired t-test of ``a`` against ``b`` (same seeds, same order); as scipy.stats.ttest_rel."""
    xa, xb = _checked(a, "paired_t_test"), _checked(b, "paired_t_test")
    if len(xa) != len(xb):
        raise ValueError(f"paired_t_test: {len(xa)} values against {len(xb)}; pairs need equal lengths")
    d = [u - v for u, v in zip(xa, xb)]
    n = len(d)
    mean, ci = mean_ci95(d)
    if n < 2:
        return PairedTest(n, mean, None, None, None)
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in d) / (n - 1))
    if sd == 0.0:
        return PairedTest(n, mean, 0.0, 0.0 if mean == 0 else math.copysign(math.inf, mean), 1.0 if mean == 0 else 0.0)
    t = mean / (sd / math.sqrt(n))
    return PairedTest(n, mean, ci, t, t_sf2(t, n - 1))


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm–Bonferroni adjusted p-values (None entries are skipped and stay None):
    the k-th smallest of m becomes max over j <= k of min(1, (m - j + 1) p_(j))."""
    idx = sorted((i for i, p in enumerate(pvalues) if p is not None), key=lambda i: pvalues[i])  # type: ignore[arg-type,return-value]
    m, out, running = len(idx), list(pvalues), 0.0
    for rank, i in enumerate(idx):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))  # type: ignore[operator]
        out[i] = running
    return out


def min_detectable_t(n: int) -> float | None:
    """|t| a paired test on n seeds must exceed for p < 0.05 (None below 2 seeds)."""
    return None if n < 2 else t_ppf(0.975, n - 1)
