"""Mitigation candidates are judged by exactly the challenger's gates: the champion and
every baseline on the same paired bootstrap of holdout scores, the challenger's leakage
result, metric floors on intervals and fairness.  A candidate worse than the champion
fails as the challenger would; without its scores the comparisons fail closed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from govern.evidence.mitigation import MitigationResult
from govern.evidence.verdict import FAILED, PASSED, GateResult
from govern.mitigation.candidates import Against, Candidates, judge_mitigated
from govern.spec.model import load_spec
from govern.training import baseline as baselines
from govern.training import comparison as champion_comparison
from tests.fairness_story import churn_report

SPEC = load_spec("churn", Path(__file__).parents[2] / "models")
RNG = np.random.default_rng(0)
Y = (RNG.random(2000) < 0.3).astype(int)
STRONG = np.clip(0.5 * Y + RNG.uniform(0, 0.5, len(Y)), 0, 1)  # AUC near 0.95
WEAK = np.clip(0.12 * Y + RNG.uniform(0, 0.88, len(Y)), 0, 1)  # AUC near 0.62
LEAKAGE_PASSED = GateResult("leakage", "leakage", PASSED, 0.7, "univariate AUC <= 0.9", "no leak signal")


def _against(champion_scores, baseline_scores, leakage=LEAKAGE_PASSED, champion_version="3") -> Against:
    baseline = baselines.Baseline(kind="logistic regression", fitted=True, scores=baseline_scores,
                                  scores_by_kind={"logistic regression": baseline_scores})
    return Against(
        y=Y, threshold=0.5, champion_version=champion_version,
        champion=lambda s: champion_comparison.compare(SPEC, Y, s, champion_scores, (0.5, 0.5)),
        baselines=lambda s: baselines.gate_evidence(baselines.compared(baseline, SPEC, Y, s, champion_comparison.compare)),
        leakage=[leakage],
    )


def _candidate(scores) -> Candidates:
    labels = (scores >= 0.5).astype(int)
    result = MitigationResult(method="reweighing", constraint="label independent of group", status="fitted",
                              metrics={"roc_auc": 0.6, "brier": 0.2, "accuracy": 0.7, "recall": 0.3}, fairness=churn_report(1))
    return Candidates([result], {"reweighing": (scores, labels)})


def _by_kind(judged: MitigationResult) -> dict[str, GateResult]:
    return {r.kind: r for r in judged.gates.results if r.kind in ("champion", "baseline", "leakage")}


def test_a_candidate_worse_than_the_champion_fails_its_champion_gate():
    (judged,) = judge_mitigated(SPEC, _candidate(WEAK), {"roc_auc": 0.95}, churn_report(0), None, _against(STRONG, WEAK))
    gates = _by_kind(judged)
    assert judged.gates.status == FAILED
    assert gates["champion"].status == FAILED and gates["champion"].interval[1] < -SPEC.gates.champion.margin
    assert "vs champion v3" in gates["champion"].reason
    assert [r.kind for r in judged.gates.results].count("baseline") == 1 and gates["leakage"] == LEAKAGE_PASSED


def test_a_candidate_as_good_as_the_champion_passes_it_and_meets_the_baseline():
    (judged,) = judge_mitigated(SPEC, _candidate(STRONG), {"roc_auc": 0.95}, churn_report(0), None, _against(STRONG * 0.999, WEAK))
    gates = _by_kind(judged)
    assert gates["champion"].status == PASSED and gates["baseline"].status == PASSED
    metric = next(r for r in judged.gates.results if r.kind == "metric" and r.gate == "roc_auc")
    assert metric.interval is not None  # judged on its interval, as the challenger's floors are


def test_the_challengers_leakage_finding_fails_its_candidates_too():
    leak = GateResult("leakage", "leakage", FAILED, 0.97, "univariate AUC <= 0.9", "x alone has AUC 0.97")
    (judged,) = judge_mitigated(SPEC, _candidate(STRONG), {"roc_auc": 0.95}, churn_report(0), None, _against(STRONG, WEAK, leakage=leak))
    assert judged.gates.status == FAILED and _by_kind(judged)["leakage"] == leak


def test_no_champion_passes_by_definition_as_for_the_challenger():
    (judged,) = judge_mitigated(SPEC, _candidate(STRONG), {"roc_auc": 0.95}, churn_report(0), None,
                                _against(STRONG, WEAK, champion_version=None))
    assert _by_kind(judged)["champion"].status == PASSED and "no champion yet" in _by_kind(judged)["champion"].reason


@pytest.mark.parametrize("against", [None, "no scores"])
def test_without_scores_or_comparisons_the_comparisons_fail_closed(against):
    candidate = _candidate(STRONG)
    if against == "no scores":
        candidate = Candidates(list(candidate))
        against = _against(STRONG, WEAK)
    (judged,) = judge_mitigated(SPEC, candidate, {"roc_auc": 0.95}, churn_report(0), None, against)
    gates = _by_kind(judged)
    assert judged.gates.status == FAILED
    assert gates["champion"].status == FAILED and "not compared" in gates["champion"].reason
    assert gates["baseline"].status == FAILED
