"""The typed fairness report survives JSON unchanged, a not-measured group included (no training)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from govern.checks.fairness.assess import assess_fairness
from govern.evidence.fairness import BinaryGroup, FairnessReport, fairness_evidence


def _report() -> FairnessReport:
    """Group A: 40 positives, 40 negatives; group B: 5 positives, 60 negatives (too few for error rates)."""
    y = np.r_[[1] * 40 + [0] * 40, [1] * 5 + [0] * 60]
    pred = np.r_[[1] * 30 + [0] * 10 + [1] * 5 + [0] * 35, [1] * 2 + [0] * 3 + [1] * 10 + [0] * 50]
    score = np.clip(pred * 0.6 + np.linspace(0, 0.3, len(y)), 0, 1)
    return assess_fairness(y, pred, pd.DataFrame({"site": ["A"] * 80 + ["B"] * 65}), task="binary", y_score=score, resamples=50)


def test_a_report_with_a_not_measured_group_round_trips_through_json():
    report = _report()
    text = report.model_dump_json()
    assert "NaN" not in text and "Infinity" not in text
    back = FairnessReport.model_validate_json(text)
    assert back == report
    site = back.features["site"]
    b = site.group("B")
    assert isinstance(b, BinaryGroup) and (b.positives, b.negatives) == (5, 60)
    assert b.insufficient["true_positive_rate"] == "5 positives < 10"
    assert b.true_positive_rate == pytest.approx(0.4)  # shown beside the reason, not dropped
    assert site.disparities["equalized_odds_difference"] is None
    assert site.notes["equalized_odds_difference"].startswith("only 1 group has at least 10 positives")
    value, interval, note = fairness_evidence(back, "site", "equalized_odds_difference")
    assert value is None and interval is None and "a difference needs two" in note
    assert site.disparities["demographic_parity_difference"] is not None  # rows suffice for selection rates


def test_the_json_keeps_the_field_names_of_the_plain_report():
    raw = json.loads(_report().model_dump_json())
    assert {"task", "min_group_size", "min_class_size", "confidence", "resamples", "seed", "interval_method", "features"} <= set(raw)
    block = raw["features"]["site"]
    assert {"groups", "disparities", "intervals", "notes", "overall", "groups_counted", "small_groups", "insufficient_evidence"} <= set(block)
    low, high = block["groups"][0]["intervals"]["selection_rate"]  # a [low, high] list, as before
    assert low <= block["groups"][0]["selection_rate"] <= high


def test_a_report_missing_a_group_metric_is_refused():
    raw = json.loads(_report().model_dump_json())
    del raw["features"]["site"]["groups"][0]["selection_rate"]
    with pytest.raises(ValidationError):
        FairnessReport.model_validate(raw)
