import json

import numpy as np
import pandas as pd
import pytest
from catboost import CatBoostClassifier
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from sklearn.metrics import roc_auc_score

from govern.checks.fairness.assess import assess_fairness, fairness_value
from govern.core.errors import SpecError
from govern.mitigation.candidates import mitigate, mitigated_predict
from govern.spec.decision import DecisionPolicy
from govern.training.policy import fit_threshold


def _block(n_pos, n_neg, pred_pos, pred_neg, group):
    """Rows of one group: ``pred_pos`` of the positives and ``pred_neg`` of the negatives predicted 1."""
    y_true = [1] * n_pos + [0] * n_neg
    y_pred = [1] * pred_pos + [0] * (n_pos - pred_pos) + [1] * pred_neg + [0] * (n_neg - pred_neg)
    return y_true, y_pred, [group] * (n_pos + n_neg)


def _known_data(with_small_group=False):
    # A: 40 rows, TPR 8/20, FPR 2/20, selection 10/40.  B: 50 rows, TPR 20/25, FPR 10/25, selection 30/50.
    parts = [_block(20, 20, 8, 2, "A"), _block(25, 25, 20, 10, "B")]
    if with_small_group:
        parts.append(_block(3, 2, 3, 2, "C"))  # 5 rows, everyone selected
    y_true = np.concatenate([p[0] for p in parts])
    y_pred = np.concatenate([p[1] for p in parts])
    groups = pd.DataFrame({"region": np.concatenate([p[2] for p in parts])})
    return y_true, y_pred, groups


def test_known_answer_matches_hand_computation_and_fairlearn():
    y_true, y_pred, groups = _known_data()
    report = assess_fairness(y_true, y_pred, groups, task="binary", min_group_size=30)
    region = report.features["region"]
    by_name = {g.group: g for g in region.groups}
    assert by_name["A"].selection_rate == pytest.approx(0.25)
    assert by_name["B"].selection_rate == pytest.approx(0.6)
    assert by_name["A"].size == 40 and by_name["B"].count == 50
    d = region.disparities
    assert d["demographic_parity_difference"] == pytest.approx(0.35)
    assert d["demographic_parity_ratio"] == pytest.approx(0.25 / 0.6)
    assert d["equalized_odds_difference"] == pytest.approx(0.4)  # max(|0.8-0.4|, |0.4-0.1|)
    assert d["equalized_odds_ratio"] == pytest.approx(0.25)  # min(0.4/0.8, 0.1/0.4)
    assert d["worst_group_recall"] == pytest.approx(0.4)
    assert d["worst_group_roc_auc"] is None  # no scores given
    sf = groups["region"]
    assert d["demographic_parity_difference"] == pytest.approx(demographic_parity_difference(y_true, y_pred, sensitive_features=sf))
    assert d["equalized_odds_difference"] == pytest.approx(equalized_odds_difference(y_true, y_pred, sensitive_features=sf))
    assert region.overall.selection_rate == pytest.approx(40 / 90)
    assert fairness_value(report, "region", "demographic_parity_difference") == pytest.approx(0.35)
    json.dumps(report.model_dump(mode="json"), allow_nan=False)


def test_small_groups_are_reported_but_excluded_from_disparities():
    y_true, y_pred, groups = _known_data(with_small_group=True)
    report = assess_fairness(y_true, y_pred, groups, task="binary", min_group_size=30)
    region = report.features["region"]
    small = {g.group: g for g in region.groups}["C"]
    assert small.size == 5 and small.small is True and small.selection_rate == 1.0
    assert region.small_groups == ["C"]
    assert region.excluded_from_disparities == ["C"]
    # With C included the gap would be 1.0 - 0.25; excluded it stays A vs B.
    assert region.disparities["demographic_parity_difference"] == pytest.approx(0.35)
    assert region.disparities["worst_group_recall"] == pytest.approx(0.4)
    assert region.insufficient_evidence["C"] == "5 rows < 30; 3 positives < 10; 2 negatives < 10"
    assert small.insufficient["selection_rate"] == "5 rows < 30"
    assert "insufficient evidence for C" in region.note
    assert region.overall.count == 95


def test_no_group_large_enough_gives_no_row_based_disparities():
    y_true, y_pred, groups = _known_data()
    report = assess_fairness(y_true, y_pred, groups, task="binary", min_group_size=100)
    region = report.features["region"]
    assert region.disparities["demographic_parity_difference"] is None
    assert region.notes["demographic_parity_difference"] == "no group has at least 100 rows; a difference needs two"
    assert fairness_value(report, "region", "demographic_parity_difference") is None
    # Error rates count positives and negatives, not rows: 20 and 25 of each are enough.
    assert region.disparities["equalized_odds_difference"] == pytest.approx(0.4)


def test_intersection_and_roc_auc_per_group():
    rng = np.random.default_rng(3)
    n = 1200
    sensitive = pd.DataFrame(
        {"gender": rng.choice(["F", "M"], n), "age_band": rng.choice(["18-34", "35-54", "55+"], n, p=[0.45, 0.45, 0.1])}
    )
    y_true = rng.integers(0, 2, n)
    y_score = np.clip(0.35 * y_true + 0.65 * rng.random(n), 0, 1)
    y_pred = (y_score > 0.5).astype(int)
    report = assess_fairness(y_true, y_pred, sensitive, task="binary", y_score=y_score, min_group_size=80)
    assert set(report.features) == {"gender", "age_band", "gender&age_band"}
    cross = report.features["gender&age_band"]
    labels = {g.group for g in cross.groups}
    assert labels == {f"{g}&{a}" for g in ("F", "M") for a in ("18-34", "35-54", "55+")}
    assert sum(g.size for g in cross.groups) == n
    assert set(cross.small_groups) == {"F&55+", "M&55+"}  # about 60 rows each
    for group in cross.groups:
        g, a = group.group.split("&")
        mask = ((sensitive["gender"] == g) & (sensitive["age_band"] == a)).to_numpy()
        assert group.roc_auc == pytest.approx(roc_auc_score(y_true[mask], y_score[mask]))
    large_aucs = [g.roc_auc for g in cross.groups if not g.small]
    assert cross.disparities["worst_group_roc_auc"] == pytest.approx(min(large_aucs))
    assert report.features["gender"].overall.roc_auc == pytest.approx(roc_auc_score(y_true, y_score))
    assert fairness_value(report, "age_band&gender", "equalized_odds_difference") == cross.disparities["equalized_odds_difference"]
    json.dumps(report.model_dump(mode="json"), allow_nan=False)


def test_roc_auc_is_none_for_a_one_class_group():
    y_true = np.array([1] * 40 + [0, 1] * 20)
    y_score = np.linspace(0.1, 0.9, 80)
    groups = pd.DataFrame({"site": ["a"] * 40 + ["b"] * 40})
    report = assess_fairness(y_true, (y_score > 0.5).astype(int), groups, task="binary", y_score=y_score)
    site = {g.group: g for g in report.features["site"].groups}
    assert site["a"].roc_auc is None and site["a"].false_positive_rate is None
    assert report.features["site"].disparities["worst_group_roc_auc"] == pytest.approx(site["b"].roc_auc)


def test_regression_metrics():
    y_true = np.arange(100, dtype=float)
    group = np.array(["north"] * 50 + ["south"] * 50)
    y_pred = np.where(group == "north", y_true + 1.0, y_true - 3.0)
    report = assess_fairness(y_true, y_pred, pd.DataFrame({"area": group}), task="regression")
    area = report.features["area"]
    by_name = {g.group: g for g in area.groups}
    assert by_name["north"].mae == pytest.approx(1.0)
    assert by_name["south"].mae == pytest.approx(3.0)
    assert by_name["north"].mean_target == pytest.approx(24.5)
    assert by_name["south"].mean_prediction == pytest.approx(71.5)
    d = area.disparities
    assert d["mae_difference"] == pytest.approx(2.0)
    assert d["worst_group_mae"] == pytest.approx(3.0)
    assert d["mean_prediction_difference"] == pytest.approx(71.5 - 25.5)
    assert area.overall.mae == pytest.approx(2.0)
    assert fairness_value(report, "area", "worst_group_mae") == pytest.approx(3.0)
    with pytest.raises(SpecError, match="does not apply"):
        fairness_value(report, "area", "equalized_odds_difference")
    with pytest.raises(SpecError, match="not assessed"):
        fairness_value(report, "gender", "mae_difference")


def test_injected_bias_shows_large_equalized_odds_difference():
    rng = np.random.default_rng(7)
    n = 4000
    group = rng.choice(["A", "B"], n)
    y_true = rng.integers(0, 2, n)
    score = np.clip(0.5 * y_true + 0.25 + rng.normal(0, 0.2, n), 0, 1)
    sensitive = pd.DataFrame({"group": group})
    fair_pred = (score > 0.5).astype(int)
    biased_pred = (score > np.where(group == "B", 0.75, 0.5)).astype(int)
    fair = fairness_value(assess_fairness(y_true, fair_pred, sensitive, task="binary"), "group", "equalized_odds_difference")
    biased = fairness_value(assess_fairness(y_true, biased_pred, sensitive, task="binary"), "group", "equalized_odds_difference")
    assert fair < 0.05
    assert biased > 0.3


def _biased_frame(n, rng):
    group = rng.choice(["A", "B"], n)
    x = rng.normal(size=n)
    y = (x + rng.normal(scale=0.7, size=n) > 0.3).astype(int)
    X = pd.DataFrame({"x": x, "plan": rng.choice(["basic", "pro"], n), "group": group})
    return X, y


@pytest.mark.integration
def test_threshold_optimizer_reduces_equalized_odds_difference():
    rng = np.random.default_rng(11)
    X, y = _biased_frame(1800, rng)
    train, valid, test = np.split(np.arange(1800), [600, 1200])
    # Historical labels under-record positives in group B, so the model learns to under-select B.
    y_hist = y.copy()
    y_hist[(X["group"].to_numpy() == "B") & (y == 1) & (rng.random(1800) < 0.6)] = 0
    model = CatBoostClassifier(
        iterations=30, depth=3, random_seed=0, verbose=False, thread_count=2, cat_features=("plan", "group")
    ).fit(X.iloc[train], y_hist[train])
    sensitive = X[["group"]]

    # Decisions under the platform's default policy (the top share equal to the base rate, fitted on validation rows).
    threshold = fit_threshold(DecisionPolicy(kind="share"), y[valid], model.predict_proba(X.iloc[valid])[:, 1])
    before = (model.predict_proba(X.iloc[test])[:, 1] >= threshold).astype(int)
    base = assess_fairness(y[test], before, sensitive.iloc[test], task="binary")
    mitigator = mitigate(
        model, X.iloc[valid], y[valid], sensitive.iloc[valid], method="threshold_optimizer", constraint="equalized_odds"
    )
    after = mitigated_predict(mitigator, X.iloc[test], sensitive.iloc[test], seed=0)
    assert set(np.unique(after)) <= {0, 1}
    assert np.array_equal(after, mitigated_predict(mitigator, X.iloc[test], sensitive.iloc[test], seed=0))
    fixed = assess_fairness(y[test], after, sensitive.iloc[test], task="binary")
    eod_before = fairness_value(base, "group", "equalized_odds_difference")
    eod_after = fairness_value(fixed, "group", "equalized_odds_difference")
    assert eod_before > 0.3
    assert eod_after < eod_before / 2


@pytest.mark.integration
def test_exponentiated_gradient_returns_reproducible_labels():
    rng = np.random.default_rng(5)
    X, y = _biased_frame(400, rng)
    model = CatBoostClassifier(
        iterations=20, depth=2, random_seed=0, verbose=False, thread_count=2, cat_features=("plan", "group")
    ).fit(X, y)
    sensitive = X[["group"]]
    mitigator = mitigate(model, X, y, sensitive, method="exponentiated_gradient", constraint="demographic_parity", seed=3)
    labels = mitigated_predict(mitigator, X, sensitive, seed=3)
    assert labels.shape == (400,) and set(np.unique(labels)) <= {0, 1}
    assert np.array_equal(labels, mitigated_predict(mitigator, X, sensitive, seed=3))


def test_one_large_group_keeps_worst_group_figures_only():
    y_true, y_pred, groups = _known_data()
    region = assess_fairness(y_true, y_pred, groups, task="binary", min_group_size=45, min_class_size=21).features["region"]
    assert region.small_groups == ["A"]
    assert region.disparities["demographic_parity_difference"] is None
    assert region.disparities["equalized_odds_difference"] is None
    # B counts, but its 20 unflagged rows fall short of 21: its decisions cannot be compared either.
    assert region.disparities["worst_group_recall"] is None
    assert "B: 30 of 50 flagged" in region.notes["worst_group_recall"]
    assert region.notes["equalized_odds_difference"] == "only 1 group has at least 21 positives and 21 negatives; a difference needs two"
    assert "only 1 group" in region.note
