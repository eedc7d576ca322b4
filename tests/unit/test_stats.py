"""The statistics behind every status: checked against the binomial formula and known R values."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage import stats
from triage.stats import (
    benjamini_hochberg,
    betainc,
    binom_cdf,
    binom_sf,
    clopper_pearson,
    mann_whitney,
    poisson_rate_test,
    rate_ratio_ci,
)


def pmf(k, n, p):
    return math.comb(n, k) * p**k * (1 - p) ** (n - k)


def exact_central_p(a, b, share):
    """Two-sided central p-value from the binomial formula, term by term."""
    n = a + b
    upper = sum(pmf(k, n, share) for k in range(a, n + 1))
    lower = sum(pmf(k, n, share) for k in range(0, a + 1))
    return min(1.0, 2 * min(upper, lower))


@pytest.mark.parametrize("a,b,x", [(1, 1, 0.3), (1, 5, 0.2), (4, 1, 0.7), (2, 3, 0.4), (0.5, 0.5, 0.25)])
def test_betainc_matches_closed_forms(a, b, x):
    expected = {
        (1, 1): x,
        (1, 5): 1 - (1 - x) ** 5,
        (4, 1): x**4,
        (2, 3): 1 - ((1 - x) ** 4 + 4 * x * (1 - x) ** 3),
        (0.5, 0.5): 2 / math.pi * math.asin(math.sqrt(x)),
    }[(a, b)]
    assert betainc(a, b, x) == pytest.approx(expected, rel=1e-10)


def test_betainc_edges():
    assert betainc(2.0, 3.0, 0.0) == 0.0
    assert betainc(2.0, 3.0, 1.0) == 1.0


@pytest.mark.parametrize("n", [1, 7, 25, 60])
def test_binomial_tails_match_the_formula(n):
    for p in (0.1, 0.5, 0.8):
        for k in range(0, n + 1, max(1, n // 6)):
            sf = sum(pmf(j, n, p) for j in range(k, n + 1))
            cdf = sum(pmf(j, n, p) for j in range(0, k + 1))
            assert binom_sf(k, n, p) == pytest.approx(sf, rel=1e-9, abs=1e-15)
            assert binom_cdf(k, n, p) == pytest.approx(cdf, rel=1e-9, abs=1e-15)


def test_three_versus_zero_is_not_three_hundred_versus_zero():
    p = poisson_rate_test([3, 300], [0, 0], 30, 30)
    assert p[0] == pytest.approx(0.25)  # 2 * 0.5**3: could easily be chance
    assert p[1] == pytest.approx(2 * 0.5**300, rel=1e-9)


def test_equal_counts_give_p_one():
    assert poisson_rate_test(10, 10, 30, 30) == pytest.approx(1.0)
    assert poisson_rate_test(0, 0, 30, 30) == 1.0


def test_unequal_windows_use_the_exposure_share():
    # 5 after in 10 min vs 0 before in 30 min: share 0.25, p = 2 * 0.25**5
    assert poisson_rate_test(5, 0, 10, 30) == pytest.approx(2 * 0.25**5)
    # same per-minute rate in both windows is not a change
    assert poisson_rate_test(20, 60, 10, 30) > 0.5


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(1, 90), st.integers(1, 90))
def test_exact_test_matches_the_binomial_sum(a, b, ta, tb):
    if a + b == 0:
        return
    got = float(poisson_rate_test(a, b, ta, tb))
    assert got == pytest.approx(exact_central_p(a, b, ta / (ta + tb)), rel=1e-8, abs=1e-14)
    assert 0.0 <= got <= 1.0


@pytest.mark.parametrize(
    "k,n,low,high",
    [  # R: binom.test(k, n)$conf.int
        (3, 10, 0.06673951, 0.65245285),
        (0, 10, 0.0, 0.30849710),
        (10, 10, 0.69150290, 1.0),
        (1, 1000, 2.531749e-05, 0.005558924),
        (50, 100, 0.3983211, 0.6016789),
    ],
)
def test_clopper_pearson_matches_r(k, n, low, high):
    lo, hi = clopper_pearson(k, n)
    assert lo == pytest.approx(low, rel=1e-6, abs=1e-9)
    assert hi == pytest.approx(high, rel=1e-6, abs=1e-9)


def test_clopper_pearson_bounds_are_tail_quantiles():
    k, n = np.array([2, 17, 400]), np.array([9, 40, 1500])
    lo, hi = clopper_pearson(k, n)
    assert np.allclose(binom_sf(k, n, lo), 0.025, atol=1e-9)
    assert np.allclose(binom_cdf(k, n, hi), 0.025, atol=1e-9)


def test_rate_ratio_interval_contains_the_estimate_and_is_open_for_new():
    lo, hi = rate_ratio_ci([30, 12], [10, 0], 30, 30)
    assert lo[0] < 3.0 < hi[0]
    assert lo[1] > 1.0 and math.isinf(hi[1])


def test_large_counts_switch_to_close_approximations(monkeypatch):
    a = np.array([1000, 1060, 1100, 30])
    b = np.array([1001, 941, 901, 1971])
    approx_p = poisson_rate_test(a, b, 30, 30)
    approx_ci = clopper_pearson(a, a + b)
    monkeypatch.setattr(stats, "EXACT_MAX_N", 10**9)
    exact_p = poisson_rate_test(a, b, 30, 30)
    exact_ci = clopper_pearson(a, a + b)
    assert np.allclose(approx_p, exact_p, rtol=0.05)
    assert np.allclose(approx_ci[0], exact_ci[0], rtol=0.03)
    assert np.allclose(approx_ci[1], exact_ci[1], rtol=0.03)


def test_benjamini_hochberg_by_hand():
    p = np.array([0.01, 0.04, 0.03, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 -> 0.04, 0.06, 0.0533, 0.5 -> step-up minimum
    assert benjamini_hochberg(p) == pytest.approx([0.04, 0.05333333, 0.05333333, 0.5])
    assert np.all(benjamini_hochberg(p) >= p)
    assert benjamini_hochberg(np.array([])).size == 0


def test_mann_whitney_known_value_and_robustness():
    x, y = np.arange(1, 6), np.arange(6, 11)
    # U = 0, mean 12.5, var 25*11/12, continuity 0.5
    z = (12.5 - 0.5) / math.sqrt(25 * 11 / 12)
    assert mann_whitney(x, y) == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)
    same = np.tile([1.0, 2.0, 3.0], 10)
    assert mann_whitney(same, same) == pytest.approx(1.0)
    assert math.isnan(mann_whitney([], [1.0]))
