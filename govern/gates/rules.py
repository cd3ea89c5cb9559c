"""Gates: the declared conditions a challenger must meet, judged from recorded evidence.

Each gate yields a :class:`GateResult` with the observed value, the bound and a
sentence.  A gate judged on an interval is three-way (:mod:`govern.gates.threeway`):
passed, failed, or inconclusive when the interval straddles the bound, with the smallest
difference the evidence could detect.  A gate whose evidence is missing is never
``passed``: it is ``failed``, or ``not_measured`` where the spec lets it warn.  The
verdict is ``passed`` when no gate fails it (an inconclusive gate fails it under
``on_inconclusive: fail``); the others are listed as warnings beside it.  Nothing here trains or
loads anything: the flow hands in the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from govern.evidence.baseline import BaselineComparison
from govern.evidence.drift import DriftSummary
from govern.evidence.evaluation import Comparison
from govern.evidence.fairness import FairnessReport, fairness_evidence
from govern.evidence.verdict import FAILED, INCONCLUSIVE, NOT_MEASURED, PASSED, GateReport, GateResult, GateStatus
from govern.gates.baseline import baseline_gates
from govern.gates.threeway import bound_text, interval_status, margin_bound, minimum_detectable_effect, paired_result, verdict_words
from govern.spec.gates import OnInconclusive
from govern.spec.model import ModelSpec

__all__ = ["FAILED", "INCONCLUSIVE", "NOT_MEASURED", "PASSED", "GateReport", "GateResult", "GateStatus", "evaluate_gates"]


def _bounded(kind: str, name: str, value: float | None, low: float | None, high: float | None,
             interval: tuple[float, float] | None = None, on_inconclusive: OnInconclusive = "fail", confidence: float = 0.95) -> GateResult:
    """One floor or ceiling: three-way on ``interval``; without one, on the point estimate."""
    bound = bound_text(low, high)
    if value is None:
        return GateResult(name, kind, FAILED, None, bound, f"{name} could not be measured")
    if interval is None:
        ok = (low is None or value >= low) and (high is None or value <= high)
        reason = f"{name} = {value:.4g} {'meets' if ok else 'misses'} {bound} (no interval: judged on the point estimate)"
        return GateResult(name, kind, PASSED if ok else FAILED, value, bound, reason)
    status = interval_status(interval, low, high)
    mde = minimum_detectable_effect(interval, confidence=confidence)
    reason = f"{name} = {value:.4g} ({confidence:.0%} interval [{interval[0]:.4g}, {interval[1]:.4g}]); {verdict_words(status, bound, mde, on_inconclusive)}"
    return GateResult(name, kind, status, value, bound, reason, interval, mde, on_inconclusive)


def metric_gates(spec: ModelSpec, metrics: Mapping[str, float | None], intervals: Mapping[str, tuple[float, float] | None] | None = None) -> list[GateResult]:
    """Each metric floor or ceiling, three-way on the metric's bootstrap interval where
    ``intervals`` holds one (training), on the point estimate where it does not."""
    return [
        _bounded("metric", g.metric, metrics.get(g.metric), g.min, g.max, (intervals or {}).get(g.metric), g.on_inconclusive)
        for g in spec.gates.metrics
    ]


def champion_gate(spec: ModelSpec, comparison: Comparison | None, champion_version: str | None, note: str = "") -> list[GateResult]:
    """Non-inferiority to the champion, three-way on the paired interval of the difference
    (challenger minus champion, positive better) against ``-margin``."""
    gate = spec.gates.champion
    if gate is None:
        return []
    name = f"{gate.metric} vs champion"
    bound = f"{gate.confidence:.0%} interval of difference {margin_bound(gate.margin)}"
    if champion_version is None:
        return [GateResult(name, "champion", PASSED, None, bound, "no champion yet: the first version passes this gate by definition")]
    if comparison is None:
        why = f"champion v{champion_version} could not be scored on the holdout: {note}"
        return [GateResult(name, "champion", FAILED, None, bound, why)]
    return [paired_result(name, "champion", comparison, f"champion v{champion_version}", gate.margin, bound, gate.on_inconclusive)]


def fairness_gates(spec: ModelSpec, fairness: FairnessReport | None) -> list[GateResult]:
    """Each fairness gate three-way on its disparity's bootstrap interval; the sentence
    gives the estimate, the interval and the smallest disparity the holdout could detect.
    Missing evidence, or a disparity without an interval, fails as not measured."""
    confidence = fairness.confidence if fairness is not None else spec.fairness.confidence
    results = []
    for g in spec.gates.fairness:
        name = f"{g.metric} by {g.feature}"
        bound = bound_text(g.min, g.max) + f" ({confidence:.0%} interval)"
        value, interval, note = fairness_evidence(fairness, g.feature, g.metric)
        if value is None or interval is None:
            why = note if value is None else "no bootstrap interval could be computed"
            results.append(GateResult(name, "fairness", FAILED, value, bound, f"not measured: {why}", interval))
            continue
        status = interval_status(interval, g.min, g.max)
        mde = minimum_detectable_effect(interval, confidence=confidence)
        words = verdict_words(status, bound_text(g.min, g.max), mde, g.on_inconclusive, what=g.metric)
        reason = f"{name} = {value:.4g} ({confidence:.0%} interval [{interval[0]:.4g}, {interval[1]:.4g}]); {words}"
        results.append(GateResult(name, "fairness", status, value, bound, reason, interval, mde, g.on_inconclusive))
    return results


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}" if abs(value) >= 0.01 else f"{value:.2g}"


def drift_gate_findings(summary: DriftSummary, *, max_drifted_share: float, must_not_drift: list[str]) -> list[str]:
    """One line per reason the drift gate fails; an empty list means it passes.

    A protected column that was not assessed fails too: a gate that cannot see the
    column must not pass it silently.
    """
    findings = []
    for col in must_not_drift:
        info = summary.columns.get(col)
        if info is None:
            findings.append(f"{col} was not assessed for drift")
        elif info.drifted:
            score, threshold = _fmt(info.score), _fmt(info.threshold)
            if info.kind == "distance":
                findings.append(f"{col} drifted ({info.method} {score} >= {threshold})")
            else:
                findings.append(f"{col} drifted ({info.method} p-value {score} < {threshold})")
    share = summary.drifted_share or 0.0
    if share > max_drifted_share:
        findings.append(
            f"{share:.0%} of columns drifted ({summary.drifted_count} of {summary.column_count}), ceiling {max_drifted_share:.0%}"
        )
    return findings


def drift_gates(spec: ModelSpec, drift: DriftSummary | None) -> list[GateResult]:
    """The drift gate; with nothing later to compare with it is not measured, never passed."""
    gate = spec.gates.drift
    if gate is None:
        return []
    bound = f"drifted share <= {gate.max_drifted_share:.0%}" + (f", {', '.join(gate.must_not_drift)} stable" if gate.must_not_drift else "")
    if drift is None or not drift.measured:
        why = (drift.reason if drift else None) or "drift could not be measured"
        status = NOT_MEASURED if gate.when_unmeasured == "warn" else FAILED
        return [GateResult("data drift", "drift", status, None, bound, f"not measured: {why}")]
    findings = drift_gate_findings(drift, max_drifted_share=gate.max_drifted_share, must_not_drift=gate.must_not_drift)
    share = drift.drifted_share
    if findings:
        return [GateResult("data drift", "drift", FAILED, share, bound, "; ".join(findings))]
    return [GateResult("data drift", "drift", PASSED, share, bound, f"{share:.0%} of columns drifted; named columns stable")]


def baseline_gate(spec: ModelSpec, comparison: Comparison | None, note: str = "", kind: str = "baseline") -> list[GateResult]:
    """The challenger against one baseline (see :mod:`govern.gates.baseline`)."""
    return baseline_gates(spec, [BaselineComparison(kind=kind, comparison=comparison, note=note)])


def judge(results: list[GateResult]) -> GateReport:
    return GateReport.judge(results)


def evaluate_gates(
    spec: ModelSpec,
    *,
    metrics: Mapping[str, float | None],
    intervals: Mapping[str, tuple[float, float] | None] | None = None,
    comparison: Comparison | None,
    champion_version: str | None,
    champion_note: str = "",
    fairness: FairnessReport | None = None,
    drift: DriftSummary | None = None,
    leakage: list[GateResult] | None = None,
    baselines: Sequence[BaselineComparison] = (),
) -> GateReport:
    """All declared gates over the evidence of one candidate; ``leakage`` holds the
    leakage check's results, judged from the training rows by :mod:`govern.checks.leakage`;
    ``baselines`` the challenger's paired comparison with each simple baseline (none
    given fails the baseline gate when it is on)."""
    results = metric_gates(spec, metrics, intervals)
    results += champion_gate(spec, comparison, champion_version, champion_note)
    results += baseline_gates(spec, baselines)
    results += leakage or []
    results += fairness_gates(spec, fairness)
    results += drift_gates(spec, drift)
    return judge(results)
