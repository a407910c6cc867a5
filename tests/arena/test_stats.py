"""The arena's statistics against scipy.stats on fixed numbers."""

from __future__ import annotations

import math

import pytest

from actlab.arena import stats

scipy_stats = pytest.importorskip("scipy.stats")
scipy_special = pytest.importorskip("scipy.special")

A = [0.912, 0.934, 0.921, 0.950, 0.903]
B = [0.905, 0.911, 0.925, 0.931, 0.887]


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7, 19, 120])
def test_t_distribution_matches_scipy(df):
    for q in (0.5, 0.6, 0.9, 0.975, 0.995, 0.025):
        assert stats.t_ppf(q, df) == pytest.approx(scipy_stats.t.ppf(q, df), rel=1e-10, abs=1e-12)
    for t in (-8.0, -2.1, -0.3, 0.0, 0.7, 2.776, 40.0):
        assert stats.t_cdf(t, df) == pytest.approx(scipy_stats.t.cdf(t, df), rel=1e-10, abs=1e-15)
        assert stats.t_sf2(t, df) == pytest.approx(2 * scipy_stats.t.sf(abs(t), df), rel=1e-9, abs=1e-300)


def test_incomplete_beta_matches_scipy():
    for a, b, x in [(0.5, 0.5, 0.3), (2.0, 0.5, 0.9), (10.0, 0.5, 0.99), (0.7, 3.0, 0.01), (3.0, 3.0, 0.5)]:
        assert stats.betainc(a, b, x) == pytest.approx(scipy_special.betainc(a, b, x), rel=1e-12)
    assert stats.betainc(2.0, 3.0, 0.0) == 0.0 and stats.betainc(2.0, 3.0, 1.0) == 1.0


def test_mean_ci95_is_scipys_t_interval():
    mean, half = stats.mean_ci95(A)
    lo, hi = scipy_stats.t.interval(0.95, len(A) - 1, loc=scipy_stats.tmean(A), scale=scipy_stats.sem(A))
    assert mean == pytest.approx((lo + hi) / 2, rel=1e-14)
    assert half == pytest.approx((hi - lo) / 2, rel=1e-10)
    assert stats.mean_ci95([0.5]) == (0.5, None)


def test_paired_t_test_is_scipys_ttest_rel():
    ours = stats.paired_t_test(A, B)
    ref = scipy_stats.ttest_rel(A, B)
    assert ours.n == 5
    assert ours.t == pytest.approx(ref.statistic, rel=1e-12)
    assert ours.p == pytest.approx(ref.pvalue, rel=1e-10)
    assert ours.diff_mean == pytest.approx(sum(a - b for a, b in zip(A, B)) / 5)
    diff_half = stats.mean_ci95([a - b for a, b in zip(A, B)])[1]
    assert ours.diff_ci95 == pytest.approx(diff_half)
    swapped = stats.paired_t_test(B, A)
    assert swapped.t == pytest.approx(-ours.t) and swapped.p == pytest.approx(ours.p)


def test_paired_test_edge_cases():
    same = stats.paired_t_test([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert same.p == 1.0 and same.diff_mean == 0.0
    shifted = stats.paired_t_test([2.0, 3.0, 4.0], [1.0, 2.0, 3.0])  # every difference exactly 1
    assert shifted.p == 0.0 and shifted.t == math.inf
    one = stats.paired_t_test([1.0], [0.5])
    assert one.p is None and one.t is None and one.diff_mean == 0.5
    with pytest.raises(ValueError, match="equal lengths"):
        stats.paired_t_test([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="non-finite"):
        stats.paired_t_test([1.0, math.nan], [1.0, 2.0])


def test_holm_adjustment():
    # sorted 0.01, 0.03, 0.04 of m = 3: 3 * 0.01, max(.., 2 * 0.03), max(.., 1 * 0.04)
    assert stats.holm([0.04, 0.01, 0.03]) == pytest.approx([0.06, 0.03, 0.06])
    assert stats.holm([0.5, None, 0.6]) == [1.0, None, 1.0]
    assert stats.holm([]) == []


def test_min_detectable_t():
    assert stats.min_detectable_t(1) is None
    assert stats.min_detectable_t(2) == pytest.approx(12.706204736, rel=1e-9)
    assert stats.min_detectable_t(5) == pytest.approx(2.776445105, rel=1e-9)


def test_bad_arguments():
    with pytest.raises(ValueError):
        stats.t_ppf(1.0, 3)
    with pytest.raises(ValueError):
        stats.t_sf2(1.0, 0)
    with pytest.raises(ValueError):
        stats.mean_ci95([])
