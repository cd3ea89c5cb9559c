"""No gate passes on missing evidence: each kind's path when its evidence is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from govern.evidence.verdict import FAILED, NOT_MEASURED, PASSED, GateResult
from govern.gates.rules import evaluate_gates, judge
from govern.spec.model import load_spec

MODELS = Path(__file__).parents[2] / "models"
GOOD = {"roc_auc": 0.8, "brier": 0.15}


def _churn(**gates):
    spec = load_spec("churn", MODELS)
    gates = {"baseline": spec.gates.baseline.model_copy(update={"enabled": False}), **gates}  # the baseline's own tests: tests/training
    return spec.model_copy(update={"gates": spec.gates.model_copy(update=gates)})


def _kind(report, kind):
    return [r for r in report.results if r.kind == kind]


def test_a_metric_that_could_not_be_measured_fails():
    report = evaluate_gates(_churn(fairness=[], drift=None), metrics={"roc_auc": 0.8}, comparison=None, champion_version=None)
    brier = [r for r in report.results if r.gate == "brier"][0]
    assert brier.status == FAILED and "could not be measured" in brier.reason
    assert not report.passed


def test_a_champion_that_could_not_be_scored_fails_the_comparison():
    report = evaluate_gates(_churn(fairness=[], drift=None), metrics=GOOD, comparison=None, champion_version="3",
                            champion_note="holdout lacks the champion's features plan")
    gate = _kind(report, "champion")[0]
    assert gate.status == FAILED and "could not be scored" in gate.reason and "plan" in gate.reason


def test_fairness_without_a_report_fails():
    report = evaluate_gates(_churn(drift=None), metrics=GOOD, comparison=None, champion_version=None, fairness=None)
    assert [g.status for g in _kind(report, "fairness")] == [FAILED, FAILED]
    assert all("not measured" in g.reason for g in _kind(report, "fairness"))


@pytest.mark.parametrize("choice, status, verdict", [("warn", NOT_MEASURED, PASSED), ("fail", FAILED, FAILED)])
def test_drift_without_later_data_is_not_measured_and_warns_or_fails_as_the_spec_chooses(choice, status, verdict):
    from govern.checks.drift.assess import not_measured

    spec = load_spec("churn", MODELS)
    drift_gate = spec.gates.drift.model_copy(update={"when_unmeasured": choice})
    report = evaluate_gates(_churn(fairness=[], drift=drift_gate), metrics=GOOD, comparison=None, champion_version=None,
                            drift=not_measured("the split is random and no --recent data was given"))
    gate = _kind(report, "drift")[0]
    assert gate.status == status and gate.reason.startswith("not measured: the split is random")
    assert report.status == verdict
    assert gate.status != PASSED


def test_drift_with_no_summary_at_all_is_not_passed():
    report = evaluate_gates(_churn(fairness=[]), metrics=GOOD, comparison=None, champion_version=None, drift=None)
    assert _kind(report, "drift")[0].status == NOT_MEASURED


def test_a_disabled_leakage_check_is_not_measured_never_passed():
    import pandas as pd

    from govern.checks.leakage import assess_leakage, leakage_gates

    spec = _churn(fairness=[], drift=None)
    off = spec.gates.leakage.model_copy(update={"enabled": False})
    spec = spec.model_copy(update={"gates": spec.gates.model_copy(update={"leakage": off})})
    report = assess_leakage(spec, pd.DataFrame({"churned": [0, 1]}), [], [], model=None, comparison=None)
    results = leakage_gates(spec, report)
    assert [r.status for r in results] == [NOT_MEASURED]
    assert "disabled by the spec" in results[0].reason


def test_the_verdict_fails_only_on_failed_gates_and_lists_warnings():
    results = [
        GateResult("a", "metric", PASSED, 1.0, ">= 0", "ok"),
        GateResult("b", "drift", NOT_MEASURED, None, "", "not measured: nothing later"),
    ]
    report = judge(results)
    assert report.passed and [w.gate for w in report.warnings] == ["b"] and report.failures == []
    assert not judge(results + [GateResult("c", "fairness", FAILED, None, "", "not measured: one group")]).passed
