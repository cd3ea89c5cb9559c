"""The share of value captured by the top decile, against a hand computation and the
row-level bootstrap it must reproduce."""

from __future__ import annotations

import numpy as np
import pytest

from govern.stats.capture import top_decile_capture
from govern.stats.evaluation import bootstrap_interval, holdout_metrics, metric_values, paired_bootstrap


def test_by_hand_on_twenty_customers():
    # 20 customers, total spend 40; the two ranked highest spent 10 and 0: 10 / 40.
    y = np.array([10, 0, 8, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 10.0])
    ranked = np.arange(20, 0, -1).astype(float)  # customer 0 first, customer 19 last
    assert float(metric_values("regression", "top_decile_capture", y, ranked)) == pytest.approx(10 / 40)
    # the other way round: customers 19 and 18 first, 10 + 0 of 40
    assert float(top_decile_capture(y, -ranked)) == pytest.approx(10 / 40)
    # a perfect ranking takes the two largest spends, 12 + 10
    assert float(top_decile_capture(y, y + np.arange(20) * 1e-6)) == pytest.approx(22 / 40)


def test_ties_share_the_boundary_so_a_constant_prediction_captures_one_tenth():
    y = np.array([5.0, 0, 0, 1, 0, 0, 0, 0, 0, 4])
    assert float(top_decile_capture(y, np.zeros(10))) == pytest.approx(0.1)
    # one row above the rest, k = 1 row: exactly that row; then two tied at the top share one slot
    assert float(top_decile_capture(y, np.r_[1.0, np.zeros(9)])) == pytest.approx(5 / 10)
    assert float(top_decile_capture(y, np.r_[1.0, 0, 0, 0, 0, 0, 0, 0, 0, 1.0])) == pytest.approx((5 + 4) / 2 / 10)


def test_not_among_the_default_regression_metrics_and_nan_without_spend():
    y = np.zeros(30)
    assert "top_decile_capture" not in holdout_metrics("regression", y, np.ones(30))
    assert np.isnan(float(top_decile_capture(y, np.arange(30.0))))


def _spend(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.gamma(0.4, 150, n) * (rng.random(n) < 0.25)
    return y, y + rng.normal(0, 60, n), rng.normal(size=n)


def _row_level(y, p, resamples=400, seed=1):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(y), (resamples, len(y)))
    return np.quantile(top_decile_capture(y[idx], p[idx]), [0.025, 0.975])


@pytest.mark.parametrize("n", [2_000, 30_000])  # exact cells, then binned predictions
def test_interval_matches_the_row_level_bootstrap(n):
    y, p, _ = _spend(n, seed=n)
    low, high = bootstrap_interval("regression", "top_decile_capture", y, p, resamples=400)
    ref_low, ref_high = _row_level(y, p, resamples=200 if n > 10_000 else 400)
    width = ref_high - ref_low
    assert low == pytest.approx(ref_low, abs=0.15 * width) and high == pytest.approx(ref_high, abs=0.15 * width)


def test_paired_comparison_higher_is_better():
    y, p, noise = _spend(3_000, seed=5)
    c = paired_bootstrap("regression", "top_decile_capture", y, p, noise, resamples=300)
    assert c.delta == pytest.approx(float(top_decile_capture(y, p)) - float(top_decile_capture(y, noise)))
    assert 0 < c.lower <= c.delta <= c.upper
