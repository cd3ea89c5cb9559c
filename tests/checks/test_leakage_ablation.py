"""Leakage ablation and dominance: what dropping the strongest feature costs, and a
feature far stronger than every other named even under the absolute ceilings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from govern.checks.leakage import (
    assess_leakage,
    leakage_gates,
)
from govern.checks.leakage_ablation import DOMINANT_SHARE_RATIO, dominance
from govern.data import splits, validation
from govern.demo import customers as demo_data
from govern.evidence.verdict import FAILED, PASSED
from tests.checks.leakage_story import ROWS, label_copy, spec_named, training


def _agreeing(frame, rng):
    """A column agreeing with the label on 85% of rows: under both absolute ceilings."""
    keep = rng.random(len(frame)) < 0.85
    frame["agrees"] = np.where(keep, frame["churned"], 1 - frame["churned"])
    return frame


def _holdout(spec, plant=None, seed: int = 0) -> pd.DataFrame:
    """The holdout of the same split ``_training`` fits on."""
    frame = validation.validate_frame(demo_data.generate_customers(ROWS, seed=seed), spec)
    if plant is not None:
        frame = plant(frame, np.random.default_rng(seed + 1000))
    return splits.split_data(frame, spec).holdout


@pytest.fixture(scope="module")
def churn_agreeing():
    return training(spec_named("churn"), _agreeing)


@pytest.mark.integration
def test_a_feature_far_stronger_than_all_others_is_named_under_the_ceilings(churn_agreeing):
    spec = spec_named("churn")
    train, features, categorical, model = churn_agreeing
    report = assess_leakage(spec, train, features, categorical, model, None, holdout=_holdout(spec, _agreeing))
    gate = leakage_gates(spec, report)[0]
    agrees = next(c for c in report.columns if c.column == "agrees")
    assert agrees.univariate < 0.9 and agrees.importance_share < 0.7, agrees
    assert [(f.signal, f.column) for f in report.findings] == [("dominance", "agrees")]
    assert gate.status == FAILED
    assert gate.reason.startswith("possible leak: agrees carries ") and "far stronger than every other feature" in gate.reason
    ablation = report.ablation
    assert ablation.column == "agrees" and ablation.judged_on == "holdout" and ablation.metric == "roc_auc"
    assert ablation.drop == pytest.approx(ablation.with_column - ablation.without_column) and ablation.drop > 0.03
    assert f"without agrees roc_auc falls by {ablation.drop:.4g}" in gate.reason
    assert json.loads(json.dumps(report.to_dict()))["ablation"]["column"] == "agrees"
    accepted = assess_leakage(spec_named("churn", acknowledged=["agrees"]), train, features, categorical, model, None)
    gate = leakage_gates(spec, accepted)[0]
    assert gate.status == PASSED and "acknowledged by the spec: agrees carries" in gate.reason
    assert accepted.ablation.judged_on == "held-out training" and "without agrees roc_auc falls by" in gate.reason


@pytest.mark.integration
@pytest.mark.parametrize("name", ["churn", "clv"])
def test_demo_data_passes_and_reports_what_dropping_its_strongest_feature_costs(name, churn_demo):
    spec = spec_named(name)
    fitted = churn_demo if name == "churn" else training(spec)
    train, features, categorical, model = fitted
    report = assess_leakage(spec, train, features, categorical, model, None, holdout=_holdout(spec))
    gate = leakage_gates(spec, report)[0]
    assert gate.status == PASSED and report.findings == [], gate.reason
    strongest = max(report.columns, key=lambda c: c.importance_share).column
    assert report.ablation.column == strongest and report.ablation.rows == len(_holdout(spec))
    assert report.ablation.metric == ("roc_auc" if name == "churn" else spec.primary_metric)
    moved = "falls" if name == "churn" else "rises"  # rmse: lower is better
    assert f"; without {strongest} {report.ablation.metric} {moved} by {report.ablation.drop:.4g}" in gate.reason


@pytest.mark.integration
def test_an_ablation_that_cannot_be_measured_is_said_and_the_ceilings_still_judge(churn_planted, churn_demo):
    spec = spec_named("churn")
    train, features, categorical, model = churn_planted
    unlabeled = _holdout(spec, label_copy).drop(columns=["churned"])
    report = assess_leakage(spec, train, features, categorical, model, None, holdout=unlabeled)
    gate = leakage_gates(spec, report)[0]
    assert report.ablation is None and report.ablation_note.startswith("ablation not measured (KeyError")
    assert gate.status == FAILED and "ablation not measured" in gate.reason
    train, features, categorical, model = churn_demo
    report = assess_leakage(spec, train, features, categorical, model, None, holdout=_holdout(spec).drop(columns=["churned"]))
    assert leakage_gates(spec, report)[0].status == PASSED and report.to_dict()["ablation"] is None


def test_dominance_needs_a_share_several_times_the_next_or_a_large_auc_gap():
    shares = {"a": 0.64, "b": 0.128, "c": 0.1}
    signals = {"a": 0.85, "b": 0.80, "c": 0.6}
    column, value, ceiling, why = dominance(signals, shares, binary=True)
    assert (column, value, ceiling) == ("a", 0.64, pytest.approx(DOMINANT_SHARE_RATIO * 0.128))
    assert why == "a carries 64% of importance, 5.0x the next feature's 13%"
    assert dominance(signals, {"a": 0.46, "b": 0.2, "c": 0.19}, binary=True) is None  # a genuine driver, as in the CLV demo
    gap = dominance({"a": 0.87, "b": 0.72, "c": None}, {"a": 0.4, "b": 0.3, "c": None}, binary=True)
    assert gap[:2] == ("a", 0.87) and gap[3] == "a alone has AUC 0.87, 0.15 above the next feature's 0.72"
    assert dominance({"a": 0.87, "b": 0.72}, {"a": 0.4, "b": 0.3}, binary=False) is None  # a gap of rank correlations is no AUC gap
    assert dominance({"a": 0.9}, {"a": 1.0}, binary=True) is None  # one feature: nothing to be stronger than
