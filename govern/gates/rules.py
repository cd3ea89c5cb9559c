"""Gates: the declared conditions a challenger must meet, judged from recorded evidence.

Each gate yields a :class:`GateResult` with the observed value, the bound and a
sentence.  A gate whose evidence is missing is never ``passed``: it is ``failed``, or
``not_measured`` where the spec lets it warn.  The verdict is ``passed`` when no gate
failed; gates not measured are listed as warnings beside it.  Nothing here trains or
loads anything: the flow hands in the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from govern.evidence.baseline import BaselineComparison
from govern.evidence.drift import DriftSummary
from govern.evidence.evaluation import Comparison
from govern.evidence.fairness import FairnessReport, fairness_evidence
from govern.evidence.verdict import FAILED, NOT_MEASURED, PASSED, GateReport, GateResult, GateStatus
from govern.gates.baseline import baseline_gates
from govern.spec.model import ModelSpec

__all__ = ["FAILED", "NOT_MEASURED", "PASSED", "GateReport", "GateResult", "GateStatus", "evaluate_gates"]


def _bounded(kind: str, name: str, value: float | None, low: float | None, high: float | None) -> GateResult:
    bound = " and ".join(b for b in (f">= {low:g}" if low is not None else "", f"<= {high:g}" if high is not None else "") if b)
    if value is None:
        return GateResult(name, kind, FAILED, None, bound, f"{name} could not be measured")
    ok = (low is None or value >= low) and (high is None or value <= high)
    verdict = "meets" if ok else "misses"
    return GateResult(name, kind, PASSED if ok else FAILED, value, bound, f"{name} = {value:.4g} {verdict} {bound}")


def metric_gates(spec: ModelSpec, metrics: Mapping[str, float | None]) -> list[GateResult]:
    return [_bounded("metric", g.metric, metrics.get(g.metric), g.min, g.max) for g in spec.gates.metrics]


def champion_gate(spec: ModelSpec, comparison: Comparison | None, champion_version: str | None, note: str = "") -> list[GateResult]:
    gate = spec.gates.champion
    if gate is None:
        return []
    name = f"{gate.metric} vs champion"
    bound = f"lower {gate.confidence:.0%} bound of difference >= -{gate.margin:g}"
    if champion_version is None:
        return [GateResult(name, "champion", PASSED, None, bound, "no champion yet: the first version passes this gate by definition")]
    if comparison is None:
        return [GateResult(name, "champion", FAILED, None, bound, f"champion v{champion_version} could not be scored on the holdout: {note}")]
    ok = comparison.lower >= -gate.margin
    reason = (
        f"challenger {comparison.challenger:.4g} vs champion v{champion_version} {comparison.champion:.4g}: "
        f"difference {comparison.delta:+.4g}, {gate.confidence:.0%} interval [{comparison.lower:+.4g}, {comparison.upper:+.4g}] "
        f"({comparison.resamples} paired resamples of {comparison.rows} rows)"
    )
    return [GateResult(name, "champion", PASSED if ok else FAILED, comparison.lower, bound, reason)]


def fairness_gates(spec: ModelSpec, fairness: FairnessReport | None) -> list[GateResult]:
    """Each fairness gate on its point estimate (``judge: point``) or on the conservative
    end of its bootstrap interval (``judge: bound``: the upper end against a ceiling, the
    lower against a floor).  The sentence gives both; missing evidence fails."""
    confidence = fairness.confidence if fairness is not None else spec.fairness.confidence
    results = []
    for g in spec.gates.fairness:
        name = f"{g.metric} by {g.feature}"
        bound = " and ".join(b for b in (f">= {g.min:g}" if g.min is not None else "", f"<= {g.max:g}" if g.max is not None else "") if b)
        bound += " (point estimate)" if g.judge == "point" else f" ({confidence:.0%} interval bound)"
        value, interval, note = fairness_evidence(fairness, g.feature, g.metric)
        if value is None or (g.judge == "bound" and interval is None):
            why = note if value is None else "no bootstrap interval could be computed"
            results.append(GateResult(name, "fairness", FAILED, value, bound, f"not measured: {why}", interval))
            continue
        if g.judge == "point" or interval is None:
            low = high = value
        else:
            low, high = interval
        ok = (g.min is None or low >= g.min) and (g.max is None or high <= g.max)
        spread = f"{confidence:.0%} interval [{interval[0]:.4g}, {interval[1]:.4g}]" if interval else "no interval"
        if g.judge == "point":
            judged = "judged on the point estimate"
        else:
            ends = [f"lower end {low:.4g}"] * (g.min is not None) + [f"upper end {high:.4g}"] * (g.max is not None)
            judged = "judged on the " + " and ".join(ends)
        reason = f"{name} = {value:.4g} ({spread}); {judged}: {'meets' if ok else 'misses'} {bound.split(' (')[0]}"
        results.append(GateResult(name, "fairness", PASSED if ok else FAILED, value, bound, reason, interval))
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
    results = metric_gates(spec, metrics)
    results += champion_gate(spec, comparison, champion_version, champion_note)
    results += baseline_gates(spec, baselines)
    results += leakage or []
    results += fairness_gates(spec, fairness)
    results += drift_gates(spec, drift)
    return judge(results)
