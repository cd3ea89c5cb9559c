"""A binary champion's labelled checks from merged counts equal the in-memory ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govern.checks.fairness import assess as fairness_checks
from govern.monitoring.labelled import Labelled
from govern.stats.evaluation import bootstrap_interval, holdout_metrics
from tests.monitoring.test_monitoring import RECORD, _spec
from tests.monitoring.test_monitoring_stream import _close


class _Ref:
    threshold = 0.4
    train_positive_rate = RECORD.split.train.positive_rate


def _rows(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "gender": rng.choice(["female", "male", None], n, p=[0.5, 0.48, 0.02]),
        "age_band": rng.choice(["18-29", "30-44", "45-59", "60+"], n),
    })
    frame["churned"] = (rng.random(n) < np.where(frame["age_band"] == "60+", 0.05, 0.3)).astype(int)
    frame.loc[(frame["gender"].isna()) & (frame["churned"] == 1), "churned"] = 0  # a group with one class
    score = np.clip(0.25 * frame["churned"] + rng.normal(0.35, 0.15, n), 0, 1)
    return frame, np.round(score, 3 if n < 10_000 else 6)


@pytest.mark.parametrize("n", [4000, 30_000])
def test_counts_merged_across_partitions_give_the_in_memory_checks(n):
    spec = _spec()
    frame, score = _rows(n, 11)
    sensitive = [c for c in spec.fairness.sensitive_features if c in frame.columns]
    parts = []
    for start in range(0, n, 3000):  # partitions meet the groups in different orders
        part = Labelled(sensitive, _Ref.threshold)
        for at in range(start, min(start + 3000, n), 700):
            rows = slice(at, min(at + 700, start + 3000, n))
            part.add(frame["churned"].to_numpy()[rows], score[rows], frame.iloc[rows])
        parts.append(part)
    labels = parts[-1]
    for part in parts[:-1]:
        labels.merge(part)
    metrics, rate, fairness, interval = labels.judge(spec, _Ref())
    y = frame["churned"].to_numpy()
    assert _close(metrics, holdout_metrics("binary", y, score, _Ref.threshold), 1e-12)
    assert metrics["roc_auc"] == holdout_metrics("binary", y, score, _Ref.threshold)["roc_auc"]
    assert rate.current == float(y.mean())
    assert interval(spec.primary_metric) == bootstrap_interval("binary", spec.primary_metric, y, score, threshold=_Ref.threshold, seed=spec.split.seed)
    memory = fairness_checks.assess_scores(spec, frame, score, threshold=_Ref.threshold)
    assert _close(fairness.model_dump(mode="json"), memory.model_dump(mode="json"), 1e-9)
    assert fairness.model_dump(mode="json")["features"].keys() == memory.model_dump(mode="json")["features"].keys()


def test_labels_other_than_zero_and_one_are_refused():
    from govern.core.errors import DataValidationError

    labels = Labelled([], 0.5)
    with pytest.raises(DataValidationError, match="0/1"):
        labels.add(np.array([0, 2]), np.array([0.1, 0.2]), pd.DataFrame(index=range(2)))


def test_past_the_distinct_budget_scores_are_floored_and_the_auc_stays_within_its_stated_bound():
    spec = _spec()
    frame, _ = _rows(60_000, 12)
    score = np.random.default_rng(13).random(len(frame)) * 0.5 + 0.4 * frame["churned"].to_numpy()  # every score distinct
    labels = Labelled([c for c in spec.fairness.sensitive_features if c in frame.columns], _Ref.threshold, budget=5_000)
    for at in range(0, len(frame), 7_000):
        rows = slice(at, at + 7_000)
        labels.add(frame["churned"].to_numpy()[rows], score[rows], frame.iloc[rows])
    metrics, _, fairness, _ = labels.judge(spec, _Ref())
    y = frame["churned"].to_numpy()
    memory = holdout_metrics("binary", y, score, _Ref.threshold)
    assert labels.grid > 0 and sum(len(p.score) for p in labels.parts) <= 5_000 + 7_000
    assert 0 < labels.auc_bound < 1e-2 and abs(metrics["roc_auc"] - memory["roc_auc"]) <= labels.auc_bound
    assert _close({k: v for k, v in metrics.items() if k != "roc_auc"}, {k: v for k, v in memory.items() if k != "roc_auc"}, 1e-12)
    exact = fairness_checks.assess_scores(spec, frame, score, threshold=_Ref.threshold).model_dump(mode="json")
    for name, block in fairness.model_dump(mode="json")["features"].items():  # rates exact: counted before flooring
        assert [g["selection_rate"] for g in block["groups"]] == [g["selection_rate"] for g in exact["features"][name]["groups"]]
