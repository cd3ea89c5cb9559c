"""The uplift model's gates, three-way on bootstrap intervals, failing closed.

* ``uplift_qini``: the Qini coefficient's interval lies above zero (the model ranks the
  held-out customers by the offer's effect better than chance).
* ``uplift_over_risk``: the paired interval of Qini(model) - Qini(risk score) lies above
  zero (targeting by the model beats targeting by churn risk on the same customers).

A Qini that could not be measured fails: an uplift model has no other purpose.
"""

from __future__ import annotations

from pydantic import Field

from govern.evidence.io import Evidence
from govern.evidence.verdict import FAILED, GateReport, GateResult
from govern.gates.threeway import bound_text, interval_status, minimum_detectable_effect, verdict_words
from govern.spec.gates import OnInconclusive
from govern.uplift.evaluation import MODEL, RISK, UpliftEvaluation

KIND = "uplift"


class UpliftGates(Evidence):
    """The rules an uplift model is judged by (recorded with the version as ``spec.gates.uplift``)."""

    min_qini: float = Field(0.0, description="The Qini coefficient's interval must lie above this")
    over_risk_margin: float = Field(0.0, ge=0.0, description="Qini(model) - Qini(risk) must lie above minus this")
    compare_with_risk: bool = True
    on_inconclusive: OnInconclusive = "fail"


def _judge(gate: str, observed, interval, low: float, what: str, rules: UpliftGates, confidence: float) -> GateResult:
    bound = bound_text(low, None)
    if observed is None or interval is None:
        return GateResult(gate, KIND, FAILED, None, bound, f"{what} not measured on the held-out customers: failed (fails closed)")
    status = interval_status(interval, low, None)
    mde = minimum_detectable_effect(interval, confidence=confidence)
    reason = f"{what} {observed:+.4f} [{interval[0]:+.4f}, {interval[1]:+.4f}]; {verdict_words(status, bound, mde, rules.on_inconclusive)}"
    return GateResult(gate, KIND, status, observed, bound, reason, interval, mde, rules.on_inconclusive)


def judge(evaluation: UpliftEvaluation | None, rules: UpliftGates) -> GateReport:
    if evaluation is None:
        evaluation = UpliftEvaluation(customers=0, treated=0, control=0, resamples=0, confidence=0.95, rankings={})
    model = evaluation.rankings.get(MODEL)
    results = [_judge("uplift_qini", model and model.qini, model and model.qini_interval, rules.min_qini,
                      "Qini coefficient of the uplift model", rules, evaluation.confidence)]
    if rules.compare_with_risk:
        results.append(_judge("uplift_over_risk", evaluation.qini_over_risk, evaluation.qini_over_risk_interval, -rules.over_risk_margin,
                              f"Qini over the risk score ({RISK})", rules, evaluation.confidence))
    return GateReport.judge(results)
