"""Representation audit: each group's share of the training rows beside the latest data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from govern.checks.fairness.representation import representation
from govern.spec.model import load_spec

SPEC = load_spec("churn", Path(__file__).parents[2] / "models")


def _frame(counts: dict[tuple[str, str], tuple[int, int]]) -> pd.DataFrame:
    """Rows per (gender, age_band): (positives, negatives)."""
    parts = []
    for (gender, age), (pos, neg) in counts.items():
        parts.append(pd.DataFrame({"gender": gender, "age_band": age, "churned": [1] * pos + [0] * neg}))
    return pd.concat(parts, ignore_index=True)


def test_shares_base_rates_and_rare_groups():
    training = _frame({("F", "18-34"): (100, 300), ("M", "18-34"): (100, 380), ("F", "60+"): (5, 15)})
    latest = _frame({("F", "18-34"): (10, 30), ("M", "18-34"): (10, 30), ("F", "60+"): (30, 10), ("M", "60+"): (2, 8)})
    report = representation(SPEC, training, latest)
    json.dumps(report, allow_nan=False)
    age = {g["group"]: g for g in report["features"]["age_band"]["groups"]}
    assert age["60+"]["training_rows"] == 20 and age["60+"]["training_share"] == pytest.approx(20 / 900)
    assert age["60+"]["latest_share"] == pytest.approx(50 / 130)
    assert age["60+"]["training_base_rate"] == pytest.approx(0.25) and age["60+"]["latest_base_rate"] == pytest.approx(32 / 50)
    assert age["60+"]["flags"] == ["2.2% of training rows < 5%", "20 training rows < 30"]
    assert age["18-34"]["rare_in_training"] is False
    cross = {g["group"]: g for g in report["features"]["gender&age_band"]["groups"]}
    assert cross["M&60+"]["training_rows"] == 0 and cross["M&60+"]["flags"] == ["absent from training"]
    assert report["rare_in_training"]["age_band"] == ["60+"]
    assert report["latest_labelled"] is True and report["notes"] == []


def test_without_latest_data_or_labels_it_says_so():
    training = _frame({("F", "18-34"): (100, 300), ("M", "35-59"): (100, 380)})
    alone = representation(SPEC, training, None)
    assert alone["latest_rows"] is None and "training shares only" in alone["notes"][0]
    assert "latest_share" not in alone["features"]["gender"]["groups"][0]
    unlabelled = representation(SPEC, training, training.drop(columns=["churned"]))
    assert unlabelled["latest_labelled"] is False
    assert unlabelled["features"]["gender"]["groups"][0]["latest_base_rate"] is None
    assert "no labels" in unlabelled["notes"][0]
