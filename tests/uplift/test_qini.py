"""Qini and AUUC against a hand computation and scikit-uplift's formula; the bootstrap and deciles."""

from __future__ import annotations

import numpy as np
import pytest

from govern.uplift import qini


def test_curves_and_areas_match_a_hand_computation():
    # ranked 0.9, 0.7, 0.5, 0.3; responses (not churned) 1, 0, 0, 1
    c = qini.curves(outcome=[0, 1, 1, 0], treated=[1, 0, 1, 0], score=[0.9, 0.7, 0.5, 0.3])
    np.testing.assert_allclose(c.share, [0, 0.25, 0.5, 0.75, 1])
    # Q(k) = r_t - r_c n_t / n_c over n_t(N) = 2: 1, 1, 1, 0 -> 0.5, 0.5, 0.5, 0
    np.testing.assert_allclose(c.qini, [0, 0.5, 0.5, 0.5, 0])
    # G(k) = (r_t/n_t - r_c/n_c) k over N = 4: none, (1 - 0) 2, (0.5 - 0) 3, 0 -> 0, 0.5, 0.375, 0
    np.testing.assert_allclose(c.gain, [0, 0, 0.5, 0.375, 0])
    a = qini.areas(c)
    assert a["ate"] == 0
    assert a["qini"] == pytest.approx(0.25 * (0.25 + 0.5 + 0.5 + 0.25))  # trapezoids; the diagonal's area is 0
    assert a["auuc"] == pytest.approx(0.25 * (0 + 0.25 + 0.4375 + 0.1875))


def _sklift_qini_curve(y_true, uplift, treatment):
    """scikit-uplift 0.5.1's ``qini_curve`` (sklift/metrics/metrics.py), as published."""
    desc = np.argsort(uplift, kind="mergesort")[::-1]
    y_true, uplift, treatment = y_true[desc], uplift[desc], treatment[desc]
    distinct = np.where(np.diff(uplift))[0]
    thresholds = np.r_[distinct, uplift.size - 1]
    num_trmnt = np.cumsum(treatment)[thresholds]
    y_trmnt = np.cumsum(y_true * treatment)[thresholds]
    num_all = thresholds + 1
    num_ctrl = num_all - num_trmnt
    y_ctrl = np.cumsum(y_true)[thresholds] - y_trmnt
    curve = y_trmnt - y_ctrl * np.divide(num_trmnt, num_ctrl, out=np.zeros_like(num_trmnt, dtype=float), where=num_ctrl != 0)
    return np.r_[0, num_all], np.r_[0, curve]


def test_qini_curve_and_coefficient_agree_with_scikit_uplifts_formula_with_ties():
    rng = np.random.default_rng(4)
    n = 500
    t = (rng.random(n) < 0.7).astype(int)
    score = np.round(rng.normal(size=n), 1)  # many ties
    churn = (rng.random(n) < 0.4 - 0.2 * t * (score > 0)).astype(int)
    c = qini.curves(churn, t, score)
    num_all, curve = _sklift_qini_curve(1 - churn, score, t)
    np.testing.assert_allclose(c.share, num_all / n)
    np.testing.assert_allclose(c.qini, curve / t.sum())
    # sklift's qini_auc_score numerator: auc(model) - auc(random line to the curve's end), in counts x counts
    auc_model = np.trapezoid(curve, num_all)
    auc_random = curve[-1] * n / 2
    assert qini.areas(c)["qini"] * n * t.sum() == pytest.approx(auc_model - auc_random)


def test_a_ranking_by_the_true_effect_beats_random_and_the_bootstrap_covers_it():
    rng = np.random.default_rng(0)
    n = 4000
    tau = np.where(rng.random(n) < 0.3, 0.4, 0.0)  # a third persuadable by 0.4
    t = (rng.random(n) < 0.8).astype(int)
    churn = (rng.random(n) < 0.5 - tau * t).astype(int)
    noise = rng.random(n)
    draws = qini.bootstrap_areas(churn, t, {"truth": tau + 0.01 * noise, "random": noise}, resamples=300, seed=1)
    low, high = qini.percentile_interval(draws["truth"]["qini"], 0.95)
    assert low > 0
    point = qini.areas(qini.curves(churn, t, tau + 0.01 * noise))["qini"]
    assert low < point < high
    r_low, r_high = qini.percentile_interval(draws["random"]["qini"], 0.95)
    assert r_low < 0 < r_high
    diff = qini.percentile_interval(draws["truth"]["qini"] - draws["random"]["qini"], 0.95)
    assert diff[0] > 0
    # resamples keep each arm's size
    w = qini._arm_weights(t, 5, np.random.default_rng(0))
    np.testing.assert_allclose((w * t).sum(axis=1), t.sum())


def test_deciles_show_the_observed_uplift_with_intervals():
    rng = np.random.default_rng(2)
    n = 2000
    predicted = rng.random(n)
    t = (rng.random(n) < 0.5).astype(int)
    churn = (rng.random(n) < 0.5 - 0.3 * t * (predicted > 0.5)).astype(int)
    rows = qini.deciles(churn, t, predicted)
    assert [r["decile"] for r in rows] == list(range(1, 11)) and sum(r["customers"] for r in rows) == n
    assert rows[0]["lower"] < 0.3 < rows[0]["upper"]  # the true uplift of the top decile
    assert rows[0]["lower"] > rows[-1]["upper"]
    assert rows[0]["predicted_uplift"] > rows[-1]["predicted_uplift"]
