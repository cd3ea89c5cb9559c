import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss, mean_absolute_error, r2_score, roc_auc_score

from govern.stats.evaluation import bootstrap_interval, holdout_metrics, metric_values, paired_bootstrap


@pytest.fixture
def binary():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 800)
    score = np.clip(0.3 * y + rng.normal(0.35, 0.2, 800), 0.01, 0.99)
    return y, score


def test_vectorised_metrics_match_scikit_learn(binary):
    y, s = binary
    got = holdout_metrics("binary", y, s)
    assert got["roc_auc"] == pytest.approx(roc_auc_score(y, s))
    assert got["log_loss"] == pytest.approx(log_loss(y, s))
    assert got["brier"] == pytest.approx(brier_score_loss(y, s))
    rng = np.random.default_rng(0)
    t = rng.normal(100, 20, 500)
    p = t + rng.normal(0, 5, 500)
    reg = holdout_metrics("regression", t, p)
    assert reg["mae"] == pytest.approx(mean_absolute_error(t, p))
    assert reg["r2"] == pytest.approx(r2_score(t, p))


def test_auc_handles_ties_and_rows():
    y = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
    s = np.array([[0.1, 0.5, 0.5, 0.9], [0.2, 0.2, 0.2, 0.2]])
    assert metric_values("binary", "roc_auc", y, s) == pytest.approx([roc_auc_score(y[0], s[0]), 0.5])


def test_identical_models_give_a_zero_interval(binary):
    y, s = binary
    c = paired_bootstrap("binary", "roc_auc", y, s, s, resamples=300)
    assert c.delta == 0 and c.lower == 0 and c.upper == 0


def test_constant_improvement_is_known_exactly():
    # The challenger is exactly 0.5 closer to the truth on every row: MAE improves by 0.5
    # in every resample, so the whole interval is 0.5 (positive means better).
    rng = np.random.default_rng(1)
    y = rng.normal(0, 1, 400)
    c = paired_bootstrap("regression", "mae", y, y + 0.5, y + 1.0, resamples=300)
    assert c.delta == pytest.approx(0.5)
    assert c.lower == pytest.approx(0.5) and c.upper == pytest.approx(0.5)


def test_interval_matches_normal_theory_for_a_mean_difference():
    # For squared error the paired difference is a mean of per-row differences, so the
    # bootstrap interval must agree with mean +- 1.96 * sd / sqrt(n).
    rng = np.random.default_rng(7)
    n = 2000
    y = np.zeros(n)
    a = rng.normal(0, 1.0, n)
    b = rng.normal(0, 1.1, n)
    c = paired_bootstrap("binary", "brier", y, a, b, resamples=4000, seed=2)
    d = b**2 - a**2
    half = 1.96 * d.std(ddof=1) / np.sqrt(n)
    assert c.delta == pytest.approx(d.mean())
    assert c.lower == pytest.approx(d.mean() - half, abs=0.25 * half)
    assert c.upper == pytest.approx(d.mean() + half, abs=0.25 * half)


def test_a_clearly_worse_challenger_has_a_negative_upper_bound(binary):
    y, s = binary
    noise = np.random.default_rng(5).uniform(size=len(y))
    c = paired_bootstrap("binary", "roc_auc", y, noise, s, resamples=500)
    assert c.upper < 0


def test_single_model_interval_brackets_the_estimate(binary):
    y, s = binary
    lo, hi = bootstrap_interval("binary", "roc_auc", y, s, resamples=400)
    assert lo < roc_auc_score(y, s) < hi


def test_bootstrap_rejects_unequal_lengths():
    with pytest.raises(ValueError):
        paired_bootstrap("binary", "roc_auc", [0, 1], [0.1], [0.2, 0.3])
