"""The simple baseline every challenger is measured against, and the optional gate on it.

Real scikit-learn fits on small generated data; the gate is judged from a real
paired-bootstrap comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from govern.data.splits import Split
from govern.evidence.evaluation import Comparison
from govern.gates import rules as gates
from govern.spec.model import parse_spec
from govern.training import baseline
from govern.training.comparison import compare
from tests.conftest import REPO


def _spec(task="binary", **gate_overrides):
    raw = yaml.safe_load((REPO / "models" / "churn.yaml").read_text())
    raw["gates"]["baseline"] = {"margin": 0.0, **gate_overrides}
    if task == "regression":
        raw.update(task="regression", primary_metric="rmse")
        raw["data"]["target"] = "value"
        raw["gates"] = {"champion": {"metric": "rmse", "margin": 0.0, "resamples": 200}, "baseline": raw["gates"]["baseline"]}
        raw["fairness"]["mitigation"] = "none"
    return parse_spec(raw)


def _split(n=900, *, linear=True, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x": rng.normal(size=n), "noise": rng.normal(size=n), "plan": rng.choice(["a", "b"], n)})
    frame["churned"] = (frame.x + rng.normal(scale=0.7, size=n) > 0).astype(int)
    frame["value"] = (5 * frame.x if linear else 0) + rng.normal(size=n)
    third = n // 3
    return Split(frame[:third], frame[third:2 * third], frame[2 * third:], "random", {})


def test_binary_baseline_is_a_logistic_regression_compared_on_the_same_holdout():
    split = _split()
    spec = _spec()
    challenger = split.holdout.x.to_numpy()
    found = baseline.assess_baseline(spec, split, ["x", "noise", "plan"], ["plan"], 1 / (1 + np.exp(-challenger)), compare)
    assert found.fitted and found.kind == "logistic regression"
    assert found.metrics["roc_auc"] > 0.75 and set(found.intervals) >= {"roc_auc", "precision", "recall", "f1"}
    assert found.comparison.rows == len(split.holdout) and found.comparison.metric == "roc_auc"
    assert found.to_dict()["comparison"]["lower"] == found.comparison.lower


@pytest.mark.parametrize("linear", [True, False])
def test_regression_baseline_is_the_better_of_mean_and_linear_on_validation(linear):
    split = _split(linear=linear, seed=3)
    spec = _spec("regression")
    found = baseline.assess_baseline(spec, split, ["x", "noise", "plan"], ["plan"], split.holdout.value.to_numpy(), compare)
    on_validation = found.chosen_on_validation
    assert set(on_validation) == {"mean", "linear regression"} and found.kind == min(on_validation, key=on_validation.get)
    if linear:
        assert found.kind == "linear regression" and on_validation["linear regression"] < on_validation["mean"] / 3


def test_a_baseline_that_cannot_be_fitted_says_why_and_the_gate_fails_closed():
    split = _split()
    spec = _spec()
    found = baseline.assess_baseline(spec, split, ["missing_column"], [], np.zeros(len(split.holdout)), compare)
    assert not found.fitted and "could not be fitted" in found.note
    [result] = gates.baseline_gate(spec, found.comparison, found.note)
    assert result.status == gates.FAILED and result.kind == "baseline" and "not measured" in result.reason


def _comparison(lower):
    return Comparison("roc_auc", 0.80, 0.78, 0.02, lower, 0.05, 0.95, 1000, 500)


def test_baseline_gate_judges_the_lower_bound_against_the_margin():
    spec = _spec(margin=0.01)
    assert gates.baseline_gate(spec, _comparison(-0.005))[0].status == gates.PASSED
    assert gates.baseline_gate(spec, _comparison(-0.02))[0].status == gates.FAILED
    report = gates.evaluate_gates(spec, metrics={"roc_auc": 0.8, "brier": 0.1}, comparison=None, champion_version=None, baseline=_comparison(-0.02))
    assert [r.kind for r in report.failures if r.kind != "fairness"] == ["baseline"]  # no fairness evidence was given


def test_without_the_gate_declared_nothing_is_judged():
    raw = yaml.safe_load((REPO / "models" / "churn.yaml").read_text())
    spec = parse_spec(raw)
    assert spec.gates.baseline is None and gates.baseline_gate(spec, None) == []
