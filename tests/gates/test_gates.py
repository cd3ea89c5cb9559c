from pathlib import Path

from govern.evidence.evaluation import Comparison
from govern.gates.rules import evaluate_gates
from govern.spec.model import load_spec

MODELS = Path(__file__).parents[2] / "models"


def _spec():
    spec = load_spec("churn", MODELS)
    gates = spec.gates.model_copy(update={"fairness": [], "drift": None, "baseline": spec.gates.baseline.model_copy(update={"enabled": False})})
    return spec.model_copy(update={"gates": gates})


def _comparison(lower):
    return Comparison("roc_auc", 0.80, 0.79, 0.01, lower, 0.03, 0.95, 1000, 600)


GOOD = {"roc_auc": 0.8, "brier": 0.15}


def test_first_version_passes_comparison_and_says_why():
    report = evaluate_gates(_spec(), metrics=GOOD, comparison=None, champion_version=None)
    assert report.passed
    champion = [r for r in report.results if r.kind == "champion"][0]
    assert "no champion yet" in champion.reason


def test_metric_floor_and_ceiling():
    report = evaluate_gates(_spec(), metrics={"roc_auc": 0.65, "brier": 0.25}, comparison=None, champion_version=None)
    assert not report.passed
    assert {r.gate for r in report.failures} == {"roc_auc", "brier"}


def test_comparison_uses_the_lower_bound_not_the_point_estimate():
    spec = _spec()  # margin 0.01
    ok = evaluate_gates(spec, metrics=GOOD, comparison=_comparison(-0.009), champion_version="1")
    assert ok.passed
    # Same point estimate (+0.01), but the interval reaches further down than the margin.
    bad = evaluate_gates(spec, metrics=GOOD, comparison=_comparison(-0.02), champion_version="1")
    assert not bad.passed
    assert "interval" in bad.failures[0].reason


def test_unscorable_champion_fails_the_comparison():
    report = evaluate_gates(_spec(), metrics=GOOD, comparison=None, champion_version="3", champion_note="holdout lacks the champion's features plan")
    assert not report.passed
    assert "lacks the champion's features" in report.failures[0].reason


def test_report_serialises():
    report = evaluate_gates(_spec(), metrics=GOOD, comparison=None, champion_version=None)
    d = report.to_dict()
    assert d["status"] == "passed" and len(d["results"]) == 3
