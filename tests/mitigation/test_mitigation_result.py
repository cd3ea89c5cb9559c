"""Mitigated candidates as typed values, judged and round-tripped without training."""

from __future__ import annotations

import json
from pathlib import Path

from fairness_story import churn_report

from govern.evidence.mitigation import MitigationResult, MitigationStatus
from govern.evidence.verdict import GateStatus
from govern.mitigation.candidates import judge_mitigated
from govern.spec.model import load_spec

SPEC = load_spec("churn", Path(__file__).parents[2] / "models")
TUNED = {"roc_auc": 0.8, "accuracy": 0.8, "recall": 0.5}


def test_a_candidate_that_was_not_applicable_stays_so_with_its_reason_through_json():
    skipped = MitigationResult(
        method="threshold_optimizer", constraint="equalized_odds", status="not_applicable",
        reason="fewer than two groups of the validation rows can be learned from (1 left)",
        excluded_groups={"F&55+": "one class only (0 positives, 12 negatives)"},
    )
    (judged,) = judge_mitigated(SPEC, [skipped], TUNED, churn_report(), None)
    assert judged.status is MitigationStatus.NOT_APPLICABLE and not judged.applicable
    assert judged.gates is None and judged.comparison is None and judged.metrics is None
    assert judged.line() == "threshold_optimizer: not applicable: fewer than two groups of the validation rows can be learned from (1 left)"
    raw = json.loads(judged.model_dump_json())
    assert raw["status"] == "not_applicable" and raw["excluded_groups"] == {"F&55+": "one class only (0 positives, 12 negatives)"}
    assert MitigationResult.model_validate(raw) == judged


def test_a_fitted_candidate_without_scores_is_never_judged():
    (judged,) = judge_mitigated(SPEC, MitigationResult(method="reweighing", constraint="c", status="fitted"), TUNED, None, None)
    assert judged.status == "not_applicable" and judged.gates is None


def test_a_fitted_candidate_is_judged_by_the_same_gates_beside_the_tuned_model():
    tuned, candidate_report = churn_report(0), churn_report(1)
    fitted = MitigationResult(
        method="reweighing", constraint="label independent of group", status="fitted",
        metrics={"roc_auc": 0.78, "brier": 0.15, "accuracy": 0.79, "recall": float("nan")}, fairness=candidate_report,
    )
    (judged,) = judge_mitigated(SPEC, [fitted], TUNED, tuned, None)
    assert judged.status == "judged" and judged.gates.status in (GateStatus.PASSED, GateStatus.FAILED)
    assert judged.metrics["recall"] is None  # not a number: null, never NaN
    assert judged.comparison["roc_auc"] == (0.8, 0.78)
    gap = "equalized_odds_difference by gender"
    assert judged.comparison[gap] == (tuned.features["gender"].disparities["equalized_odds_difference"],
                                      candidate_report.features["gender"].disparities["equalized_odds_difference"])
    assert MitigationResult.model_validate_json(judged.model_dump_json()) == judged
