"""Bootstrap intervals of group metrics and disparities, and the evidence-size rule."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, count, false_positive_rate, selection_rate, true_positive_rate
from sklearn.metrics import precision_score, roc_auc_score

from govern.checks.fairness.assess import assess_fairness
from govern.evidence.fairness import fairness_evidence

METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision", "roc_auc")


def _binary_case(n=900, seed=0):
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    y = rng.integers(0, 2, n)
    score = np.clip(0.3 * y + 0.7 * rng.random(n) + (group == "c") * 0.1, 0, 1)
    return group, y, score, (score > 0.5).astype(int)


def test_points_equal_and_intervals_agree_with_fairlearn_metricframe():
    group, y, score, pred = _binary_case()
    frame = MetricFrame(
        metrics={
            "selection_rate": selection_rate, "true_positive_rate": true_positive_rate,
            "false_positive_rate": false_positive_rate, "precision": lambda t, p: precision_score(t, p, zero_division=np.nan),
            "roc_auc": lambda t, p, y_score: roc_auc_score(t, y_score), "count": count,
        },
        y_true=y, y_pred=pred, sensitive_features=pd.Series(group, name="g"), sample_params={"roc_auc": {"y_score": score}},
        n_boot=100, ci_quantiles=[0.025, 0.975], random_state=1,
    )
    report = assess_fairness(y, pred, pd.DataFrame({"g": group}), task="binary", y_score=score, resamples=2000, seed=3)
    block = report.features["g"]
    low, high = frame.by_group_ci
    for row in block.groups:
        for metric in METRICS:
            assert getattr(row, metric) == pytest.approx(frame.by_group.loc[row.group, metric], abs=1e-12)
            # Fairlearn's 100 resamples put about 0.01 of Monte-Carlo error on each end.
            assert row.intervals[metric][0] == pytest.approx(low.loc[row.group, metric], abs=0.03)
            assert row.intervals[metric][1] == pytest.approx(high.loc[row.group, metric], abs=0.03)
        assert row.size == frame.by_group.loc[row.group, "count"]
    d_low, d_high = frame.difference_ci()
    interval = block.intervals["demographic_parity_difference"]
    assert block.disparities["demographic_parity_difference"] == pytest.approx(frame.difference()["selection_rate"])
    assert interval[0] == pytest.approx(d_low["selection_rate"], abs=0.03)
    assert interval[1] == pytest.approx(d_high["selection_rate"], abs=0.03)
    json.dumps(report.model_dump(mode="json"), allow_nan=False)


def test_regression_intervals_match_a_row_level_bootstrap():
    rng = np.random.default_rng(1)
    n = 300
    group = np.array(["a"] * 240 + ["b"] * 60)
    y = rng.gamma(2.0, 50.0, n)
    pred = y * rng.uniform(0.7, 1.3, n)
    report = assess_fairness(y, pred, pd.DataFrame({"g": group}), task="regression", resamples=3000, seed=0)
    rows = rng.integers(0, n, (2000, n))
    for row in report.features["g"].groups:
        mask = group[rows] == row.group
        naive = (np.abs(y - pred)[rows] * mask).sum(1) / mask.sum(1)
        assert row.mae == pytest.approx(np.abs(y - pred)[group == row.group].mean())
        assert row.intervals["mae"] == pytest.approx(np.quantile(naive, [0.025, 0.975]), rel=0.06)


def test_same_seed_same_intervals_and_intervals_cover_the_point():
    group, y, score, pred = _binary_case(seed=4)
    sensitive = pd.DataFrame({"g": group, "h": np.where(score > 0.4, "x", "y")})
    first = assess_fairness(y, pred, sensitive, task="binary", y_score=score, seed=7)
    again = assess_fairness(y, pred, sensitive, task="binary", y_score=score, seed=7)
    other = assess_fairness(y, pred, sensitive, task="binary", y_score=score, seed=8)
    assert first == again
    assert first.features["g"].intervals != other.features["g"].intervals
    for block in first.features.values():
        for name, value in block.disparities.items():
            if value is not None:
                low, high = block.intervals[name]
                assert low - 0.05 <= value <= high + 0.05
    assert set(first.features) == {"g", "h", "g&h"}


def _rows(group, n_pos, n_neg, pred_pos, pred_neg):
    y = [1] * n_pos + [0] * n_neg
    pred = [1] * pred_pos + [0] * (n_pos - pred_pos) + [1] * pred_neg + [0] * (n_neg - pred_neg)
    return pd.DataFrame({"group": group, "y": y, "pred": pred})


def _report(*parts, **rules):
    rows = pd.concat(parts, ignore_index=True)
    return assess_fairness(rows["y"], rows["pred"], rows[["group"]], task="binary", **rules).features["group"]


def test_a_group_with_eight_positives_is_insufficient_for_error_rates_only():
    block = _report(_rows("A", 40, 40, 30, 5), _rows("B", 40, 40, 20, 10), _rows("C", 8, 60, 8, 30), min_class_size=10)
    c = {g.group: g for g in block.groups}["C"]
    assert c.positives == 8 and c.small is False
    assert c.insufficient == {m: "8 positives < 10" for m in ("true_positive_rate", "false_positive_rate", "roc_auc")}
    assert c.true_positive_rate == 1.0 and c.intervals["true_positive_rate"] is not None  # shown, not dropped
    assert block.insufficient_evidence == {"C": "8 positives < 10"}
    assert block.groups_counted.model_dump() == {"rows": ["A", "B", "C"], "classes": ["A", "B"]}
    # Selection rates count C (30/68 vs 35/80 and 30/80), error rates do not (C's TPR of 1.0 would dominate).
    assert block.disparities["demographic_parity_difference"] == pytest.approx(38 / 68 - 30 / 80)
    assert block.disparities["equalized_odds_difference"] == pytest.approx(0.25)
    assert block.disparities["worst_group_recall"] == pytest.approx(0.5)


def test_one_class_and_tiny_groups_are_reported_with_reasons():
    block = _report(_rows("A", 40, 40, 30, 5), _rows("B", 40, 40, 20, 10), _rows("only-neg", 0, 50, 0, 10), _rows("tiny", 3, 2, 1, 1))
    groups = {g.group: g for g in block.groups}
    assert groups["only-neg"].true_positive_rate is None and groups["only-neg"].intervals["true_positive_rate"] is None
    assert groups["only-neg"].insufficient["true_positive_rate"] == "0 positives < 10"
    assert groups["tiny"].insufficient["selection_rate"] == "5 rows < 30"
    assert block.insufficient_evidence["tiny"] == "5 rows < 30; 3 positives < 10; 2 negatives < 10"
    assert set(block.small_groups) == {"tiny"}
    assert block.disparities["equalized_odds_difference"] == pytest.approx(0.25)


def test_fewer_than_two_sufficient_groups_gives_none_with_a_note():
    rows = pd.concat([_rows("A", 40, 40, 30, 5), _rows("B", 5, 40, 2, 10)], ignore_index=True)
    report = assess_fairness(rows["y"], rows["pred"], rows[["group"]], task="binary")
    block = report.features["group"]
    assert block.disparities["equalized_odds_difference"] is None
    assert block.intervals["equalized_odds_difference"] is None
    assert block.notes["equalized_odds_difference"] == "only 1 group has at least 10 positives and 10 negatives; a difference needs two"
    assert block.disparities["worst_group_recall"] == pytest.approx(0.75)
    evidence = fairness_evidence(report, "group", "equalized_odds_difference")
    assert evidence.value is None and "a difference needs two" in evidence.note


def test_string_groups_with_blanks_and_missing_values_get_labelled_groups():
    rng = np.random.default_rng(2)
    values = np.array(["North East", "", "  ", None, "South"], dtype=object)
    group = values[rng.integers(0, 5, 1000)]
    y = rng.integers(0, 2, 1000)
    report = assess_fairness(y, y, pd.DataFrame({"region": group}), task="binary")
    labels = [g.group for g in report.features["region"].groups]
    assert sorted(labels) == ["(blank)", "(missing)", "North East", "South"]
    blank = {g.group: g for g in report.features["region"].groups}["(blank)"]
    assert blank.size == int(np.isin(group, ["", "  "]).sum())
    json.dumps(report.model_dump(mode="json"), allow_nan=False)


def test_overall_row_has_intervals():
    group, y, score, pred = _binary_case(seed=5)
    overall = assess_fairness(y, pred, pd.DataFrame({"g": group}), task="binary", y_score=score).features["g"].overall
    assert overall.count == len(y)
    assert overall.roc_auc == pytest.approx(roc_auc_score(y, score))
    low, high = overall.intervals["roc_auc"]
    assert low < overall.roc_auc < high
