"""Mitigated candidates: never take the run down, exclude thin groups with a note, reweighing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from govern.checks.fairness.assess import assess_scores, fairness_value
from govern.core.errors import SpecError
from govern.data import splits, validation
from govern.demo import customers as demo_data
from govern.mitigation.candidates import judge_mitigated, mitigate, mitigated_candidate
from govern.mitigation.reweighing import reweighing_weights
from govern.spec.model import parse_spec
from govern.training import tuning

RAW = yaml.safe_load((Path(__file__).parents[2] / "models" / "churn.yaml").read_text())
FOUR = ["gender", "age_band", "region", "plan"]


def _spec(**fairness):
    raw = json.loads(json.dumps(RAW))
    raw["fairness"].update(fairness)
    raw["tuning"].update(iterations=60)
    return parse_spec(raw)


def _fitted(spec, bias=0.0, rows=3000):
    frame = validation.validate_frame(demo_data.generate_customers(rows, bias=bias, seed=1), spec)
    split = splits.split_data(frame, spec)
    features = validation.feature_columns(frame.columns, spec)
    categorical = validation.categorical_columns(frame, features)
    model = tuning.make_model(spec, {"depth": 4}, categorical, 80)
    model.set_params(thread_count=2)
    rows = pd.concat([split.train, split.valid], ignore_index=True)
    model.fit(rows[features], rows[spec.data.target])
    return split, model


def _degenerate(split, spec):
    """One intersection of the four sensitive features has only negatives in the validation rows."""
    valid = split.valid.copy()
    cell = (valid["gender"] == valid["gender"].iloc[0]) & (valid["age_band"] == valid["age_band"].iloc[0])
    cell &= (valid["region"] == valid["region"].iloc[0]) & (valid["plan"] == valid["plan"].iloc[0])
    valid.loc[cell, spec.data.target] = 0
    return splits.Split(split.train, valid, split.holdout, split.strategy, split.description), cell


def test_list_of_methods_is_normalised_and_none_means_empty():
    assert tuple(_spec(mitigation=["threshold_optimizer", "reweighing"]).fairness.mitigation) == ("threshold_optimizer", "reweighing")
    assert tuple(_spec(mitigation="reweighing").fairness.mitigation) == ("reweighing",)
    for nothing in ("none", []):
        methods = _spec(mitigation=nothing).fairness.mitigation
        assert tuple(methods) == () and not methods and methods == "none"
    with pytest.raises(SpecError, match="not a mitigation method"):
        _spec(mitigation=["threshold_optimizer", "magic"])


@pytest.mark.integration
def test_degenerate_intersection_is_excluded_instead_of_crashing():
    spec = _spec(sensitive_features=FOUR, mitigation=["threshold_optimizer", "exponentiated_gradient"], min_class_size=3, min_group_size=5)
    split, model = _fitted(spec)
    split, cell = _degenerate(split, spec)
    features = list(model.feature_names_)
    with pytest.raises(ValueError, match="Degenerate labels"):  # what the flow died of
        mitigate(model, split.valid[features], split.valid["churned"], split.valid[FOUR], method="threshold_optimizer", constraint="equalized_odds")
    candidates = mitigated_candidate(spec, model, split, 0.5)
    assert [c.method for c in candidates] == ["threshold_optimizer", "exponentiated_gradient"]
    optimizer = candidates[0]
    assert optimizer.status == "fitted", optimizer.reason
    assert any("one class only" in why for why in optimizer.excluded_groups.values())
    assert "left out of the fit on the validation rows" in optimizer.notes[0]
    assert 0.5 < optimizer.metrics["roc_auc"] <= 1.0
    judged = judge_mitigated(spec, candidates, {"roc_auc": 0.8, "accuracy": 0.8, "recall": 0.5}, None, None)
    assert [c.status for c in judged] == ["judged", "judged"] or judged[1].status == "not_applicable"
    assert judged[0].gates.status in ("passed", "failed")
    assert judged[0].comparison["roc_auc"][0] == 0.8
    json.dumps([c.model_dump(mode="json") for c in judged], allow_nan=False)


@pytest.mark.integration
def test_mitigation_that_cannot_run_is_not_applicable_and_never_raises():
    spec = _spec(mitigation=["threshold_optimizer"], min_class_size=10_000)
    split, model = _fitted(spec, rows=1500)
    (candidate,) = mitigated_candidate(spec, model, split, 0.5)
    assert candidate.status == "not_applicable"
    assert candidate.reason.startswith("fewer than two groups")
    assert candidate.metrics is None
    broken = splits.Split(split.train, split.valid.drop(columns=["churned"]), split.holdout, split.strategy, split.description)
    (crashed,) = mitigated_candidate(spec, model, broken, 0.5)
    assert crashed.status == "not_applicable" and crashed.reason.startswith("KeyError")
    (judged,) = judge_mitigated(spec, [crashed], {"roc_auc": 0.8, "accuracy": 0.8, "recall": 0.5}, None, None)
    assert judged.status == "not_applicable" and judged.gates is None


def test_reweighing_weights_make_label_independent_of_group():
    groups = ["a"] * 80 + ["b"] * 20
    y = [1] * 60 + [0] * 20 + [1] * 2 + [0] * 18
    w = reweighing_weights(groups, y)
    g, lab = np.array(groups), np.array(y)
    rate = {k: (w * lab)[g == k].sum() / w[g == k].sum() for k in ("a", "b")}
    assert rate["a"] == pytest.approx(rate["b"]) == pytest.approx(0.62)
    assert w.mean() == pytest.approx(1.0)


@pytest.mark.integration
def test_reweighing_improves_demographic_parity_on_biased_data():
    spec = _spec(mitigation=["reweighing"])
    split, model = _fitted(spec, bias=0.9, rows=4000)
    (candidate,) = mitigated_candidate(spec, model, split, 0.5)
    assert candidate.status == "fitted", candidate.reason
    assert candidate.constraint.startswith("label independent")
    tuned = assess_scores(spec, split.holdout, tuning.predict(spec, model, split.holdout), threshold=0.5)
    before = fairness_value(tuned, "age_band", "demographic_parity_difference")
    after = fairness_value(candidate.fairness, "age_band", "demographic_parity_difference")
    assert after < before - 0.05, (before, after)
    (judged,) = judge_mitigated(spec, [candidate], {"roc_auc": 0.8, "accuracy": 0.8, "recall": 0.5}, tuned, None)
    assert judged.comparison["demographic_parity_difference by age_band"] == (before, after)
