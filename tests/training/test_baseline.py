"""The simple baselines every challenger is measured against, and the gate on them (on by default).

Real scikit-learn fits on small generated data; the gate is judged from a real
paired-bootstrap comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from govern.data.splits import Split
from govern.evidence.baseline import BaselineComparison
from govern.evidence.evaluation import Comparison
from govern.evidence.verdict import FAILED, INCONCLUSIVE, PASSED
from govern.gates import rules as gates
from govern.gates.baseline import baseline_gates
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
    assert [(c.kind, c.comparison) for c in found.comparisons] == [("logistic regression", found.comparison)]


@pytest.mark.parametrize("linear", [True, False])
def test_regression_challenger_is_compared_with_both_the_mean_and_a_linear_model(linear):
    split = _split(linear=linear, seed=3)
    spec = _spec("regression")
    found = baseline.assess_baseline(spec, split, ["x", "noise", "plan"], ["plan"], split.holdout.value.to_numpy(), compare)
    on_validation = found.chosen_on_validation
    assert set(on_validation) == {"mean", "linear regression"} and found.kind == min(on_validation, key=on_validation.get)
    assert [c.kind for c in found.comparisons] == ["mean", "linear regression"]
    assert all(c.comparison is not None and c.comparison.rows == len(split.holdout) for c in found.comparisons)
    shown = next(c.comparison for c in found.comparisons if c.kind == found.kind)
    assert found.comparison == shown
    if linear:
        assert found.kind == "linear regression" and on_validation["linear regression"] < on_validation["mean"] / 3


def test_a_baseline_that_cannot_be_fitted_says_why_and_the_gate_fails_closed():
    split = _split()
    spec = _spec()
    found = baseline.assess_baseline(spec, split, ["missing_column"], [], np.zeros(len(split.holdout)), compare)
    assert not found.fitted and "could not be fitted" in found.note
    [result] = baseline_gates(spec, baseline.gate_evidence(found))
    assert result.status == FAILED and result.kind == "baseline" and "not measured" in result.reason
    assert "logistic regression could not be fitted" in result.reason


def _comparison(lower, upper, metric="roc_auc"):
    return Comparison(metric, 0.80, 0.78, (lower + upper) / 2, lower, upper, 0.95, 1000, 500)


@pytest.mark.parametrize(
    "lower, upper, margin, status",
    [
        (0.004, 0.03, 0.0, PASSED),  # beats the baseline: the whole interval above zero
        (-0.05, -0.012, 0.0, FAILED),  # significantly worse
        (-0.02, 0.01, 0.0, INCONCLUSIVE),  # the holdout cannot tell them apart
        (-0.008, 0.01, 0.01, PASSED),  # within a declared tolerance
        (-0.03, -0.011, 0.01, FAILED),  # worse than the tolerance allows
        (0.0, 0.02, 0.0, PASSED),  # touching the bound meets it
    ],
)
def test_baseline_gate_is_three_way_on_the_paired_interval(lower, upper, margin, status):
    spec = _spec(margin=margin)
    [result] = baseline_gates(spec, [BaselineComparison(kind="logistic regression", comparison=_comparison(lower, upper))])
    assert result.status == status and result.interval == (lower, upper) and result.gate == "roc_auc vs logistic regression"
    assert result.on_inconclusive == "fail" and result.mde is not None
    assert f"[{lower:+.4g}, {upper:+.4g}]" in result.reason


def test_inconclusive_fails_the_verdict_by_default_and_follows_on_inconclusive():
    straddling = [BaselineComparison(kind="logistic regression", comparison=_comparison(-0.02, 0.01))]
    report = gates.evaluate_gates(_spec(), metrics={"roc_auc": 0.8, "brier": 0.1}, comparison=None, champion_version=None, baselines=straddling)
    assert "roc_auc vs logistic regression" in [r.gate for r in report.failures]
    acknowledged = gates.evaluate_gates(
        _spec(on_inconclusive="acknowledge"), metrics={"roc_auc": 0.8, "brier": 0.1}, comparison=None, champion_version=None, baselines=straddling,
    )
    assert "roc_auc vs logistic regression" not in [r.gate for r in acknowledged.failures]
    assert "roc_auc vs logistic regression" in acknowledged.needs_acknowledgement


def test_every_baseline_is_judged_and_one_not_measured_fails_closed():
    spec = _spec("regression")
    found = [
        BaselineComparison(kind="mean", comparison=_comparison(5.0, 9.0, "rmse")),
        BaselineComparison(kind="linear regression", comparison=_comparison(1.0, 3.0, "rmse")),
        BaselineComparison(kind="BG/NBD with Gamma-Gamma", note="fit failed at 2026-01-01: ConvergenceError"),
    ]
    results = baseline_gates(spec, found)
    assert [r.status for r in results] == [PASSED, PASSED, FAILED]
    assert "vs BG/NBD with Gamma-Gamma not measured" in results[2].reason and "ConvergenceError" in results[2].reason


def test_no_baseline_evidence_at_all_fails_closed():
    [result] = baseline_gates(_spec(), [])
    assert result.status == FAILED and "not measured" in result.reason


def test_bg_nbd_joins_the_gate_from_its_recorded_block():
    measured = {"comparison": _comparison(-6.3, 8.2, "rmse").to_dict(), "reason": ""}
    evidence = baseline.gate_evidence(baseline.Baseline(kind="mean", fitted=True), measured)
    assert evidence[-1].kind == "BG/NBD with Gamma-Gamma" and evidence[-1].comparison.lower == -6.3
    unmeasured = baseline.gate_evidence(baseline.Baseline(kind="mean", fitted=True), {"comparison": None, "reason": "the spec builds no table"})
    assert unmeasured[-1].comparison is None and unmeasured[-1].note == "the spec builds no table"


def test_the_gate_is_on_by_default_and_only_an_explicit_switch_turns_it_off():
    raw = yaml.safe_load((REPO / "models" / "churn.yaml").read_text())
    raw["gates"].pop("baseline", None)
    spec = parse_spec(raw)
    assert spec.gates.baseline.enabled and spec.gates.baseline.margin == 0.0 and spec.gates.baseline.on_inconclusive == "fail"
    report = gates.evaluate_gates(spec, metrics={"roc_auc": 0.8, "brier": 0.1}, comparison=None, champion_version=None)
    assert [r.kind for r in report.failures if r.kind == "baseline"] == ["baseline"]
    raw["gates"]["baseline"] = {"enabled": False}
    assert baseline_gates(parse_spec(raw), []) == []
