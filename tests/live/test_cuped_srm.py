"""CUPED/CUPAC on simulated data (unbiased; variance reduced by 1 - rho^2) and the
sample-ratio check (chi-squared against the configured share, per batch and overall)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chisquare

from govern.live import cuped, srm

N, SHARE, REPLICATIONS, EFFECT = 2000, 0.2, 2000, -0.06


def _simulate(rng):
    """A calibrated score x, the outcome drawn from it, and an offer that lowers every customer's rate by 0.06."""
    x = rng.uniform(0.1, 0.9, (REPLICATIONS, N))
    treated = rng.random((REPLICATIONS, N)) >= SHARE
    y = (rng.random((REPLICATIONS, N)) < x + EFFECT * treated).astype(float)
    return x, y, treated


def test_cuped_is_unbiased_and_cuts_the_variance_by_one_minus_rho_squared():
    rng = np.random.default_rng(11)
    x, y, treated = _simulate(rng)
    fits = np.array([cuped.adjusted_difference(y[r], x[r], treated[r]) for r in range(REPLICATIONS)])
    raw, raw_se, adj, adj_se = fits.T
    error = adj.std() / np.sqrt(REPLICATIONS)
    assert abs(adj.mean() - EFFECT) < 3 * error and abs(raw.mean() - EFFECT) < 3 * raw.std() / np.sqrt(REPLICATIONS)
    big_x = rng.uniform(0.1, 0.9, 1_000_000)
    rho = np.corrcoef(big_x, (rng.random(1_000_000) < big_x).astype(float))[0, 1]
    expected = 1 - rho**2
    ratio = adj.var() / raw.var()
    log_error = np.sqrt(4 * (1 - np.corrcoef(raw, adj)[0, 1] ** 2) / REPLICATIONS)  # delta method for a ratio of correlated variances
    print(f"\nCUPED, {REPLICATIONS} replications of {N}: variance ratio {ratio:.4f} against 1 - rho^2 = {expected:.4f}"
          f" (MC error {ratio * log_error:.4f}); reported reduction {np.mean(1 - (adj_se / raw_se) ** 2):.4f}")
    assert abs(np.log(ratio / expected)) < 3 * log_error
    assert np.mean(1 - (adj_se / raw_se) ** 2) == pytest.approx(1 - expected, abs=0.01)  # the reported reduction is the real one
    covered = (np.abs(adj - EFFECT) <= 1.96 * adj_se).mean()
    assert abs(covered - 0.95) < 3 * np.sqrt(0.95 * 0.05 / REPLICATIONS)


def test_cuped_agrees_with_ordinary_least_squares_with_a_treatment_indicator():
    statsmodels = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(5)
    x = rng.uniform(0.1, 0.9, 3000)
    treated = rng.random(3000) >= SHARE
    y = (rng.random(3000) < x + EFFECT * treated).astype(float)
    _, _, adj, _ = cuped.adjusted_difference(y, x, treated)
    fit = statsmodels.OLS(y, statsmodels.add_constant(np.c_[treated.astype(float), x - x.mean()])).fit()
    assert adj == pytest.approx(fit.params[1], abs=2e-3)  # pooled theta vs the joint fit: equal up to the arms' covariate imbalance


def test_the_adjusted_lift_is_reported_beside_the_raw_one():
    rng = np.random.default_rng(6)
    x = rng.uniform(0.1, 0.9, 4000)
    arm = np.where(rng.random(4000) < SHARE, "control", "treatment")
    units = pd.DataFrame({"arm": arm, "champion_score": x, "outcome": (rng.random(4000) < x + EFFECT * (arm == "treatment")).astype(float)})
    result = cuped.lift(units, ["champion_score"], 0.95, bound=2.5)
    assert result.upper - result.lower < result.raw_upper - result.raw_lower
    assert result.sequential_upper - result.sequential_lower == pytest.approx((result.upper - result.lower) * 2.5 / 1.959964, rel=1e-6)
    assert 0.2 < result.variance_reduction < 0.45
    assert cuped.lift(units.iloc[:3], ["champion_score"], 0.95, None).note.startswith("not measured")


def _scored(control_share: float, batches: int = 10, per_batch: int = 500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.arange(batches * per_batch)
    arm = np.where(rng.random(len(ids)) < control_share, "control", "treatment")
    return pd.DataFrame({"batch_id": [f"b{i // per_batch:02d}" for i in ids], "customer_id": ids.astype(str), "arm": arm})


def test_srm_passes_the_configured_share_and_blocks_a_mismatch_with_one_line():
    fine = srm.check(_scored(0.2), 0.2, 0.001)
    assert not fine.mismatch and fine.p_value > 0.001 and fine.note == ""
    broken = srm.check(_scored(0.17), 0.2, 0.001)
    assert broken.mismatch and broken.p_value < 0.001 and "\n" not in broken.note
    assert broken.note.startswith("sample-ratio mismatch over 5000 customers") and "conclusions are withheld" in broken.note
    assert srm.p_value(broken.treatment, broken.control, 0.2) == pytest.approx(
        chisquare([broken.control, broken.treatment], [5000 * 0.2, 5000 * 0.8]).pvalue)
    assert srm.check(_scored(0.2).iloc[:0], 0.2, 0.001).note.startswith("not measured")


def test_srm_catches_one_broken_batch_and_counts_each_customer_once():
    frame = _scored(0.2)
    lost = frame.index[(frame["batch_id"] == "b03") & (frame["arm"] == "control")][:70]  # a batch whose control rows went missing
    result = srm.check(frame.drop(lost), 0.2, 0.001)
    assert result.mismatch and result.worst_batch == "b03" and "in batch b03" in result.note
    again = pd.concat([frame, frame.assign(batch_id=frame["batch_id"] + "-rescored")])
    assert srm.check(again, 0.2, 0.001).treatment == srm.check(frame, 0.2, 0.001).treatment  # the same customers scored twice count once


def test_srm_p_value_is_the_square_of_a_one_proportion_z_test():
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    _, p = proportion.proportions_ztest(830, 4000, value=0.2, prop_var=0.2)
    assert srm.p_value(4000 - 830, 830, 0.2) == pytest.approx(p, rel=1e-9)
