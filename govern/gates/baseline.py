"""The baseline gate: the challenger must beat every simple baseline on the same holdout.

Each baseline (logistic regression; the mean and a linear model; BG/NBD with
Gamma-Gamma for a table built from transactions) is one gate result, judged three-way
(:mod:`govern.gates.threeway`) on the paired interval of challenger minus baseline
(positive is better) against ``-margin``: passed when the whole interval lies at or
above it, failed when wholly below, inconclusive when it straddles it (what that does
is the gate's ``on_inconclusive``, ``fail`` by default).  A baseline that could not be
fitted or compared fails: beating it was never shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from govern.evidence.baseline import BaselineComparison
from govern.evidence.verdict import FAILED, GateResult
from govern.gates.threeway import margin_bound, paired_result
from govern.spec.model import ModelSpec


def baseline_gates(spec: ModelSpec, baselines: Sequence[BaselineComparison]) -> list[GateResult]:
    """One result per baseline; none compared at all is one failed, not-measured result."""
    gate = spec.gates.baseline
    if not gate.enabled:
        return []
    confidence = spec.gates.champion.confidence if spec.gates.champion else 0.95
    bound = f"{confidence:.0%} interval of difference {margin_bound(gate.margin)}"
    if not baselines:
        return [GateResult("vs baseline", "baseline", FAILED, None, bound, "vs baseline not measured: no baseline was fitted or compared")]
    results = []
    for baseline in baselines:
        c = baseline.comparison
        if c is None:
            why = baseline.note or "was not compared"
            name = f"vs {baseline.kind}"
            results.append(GateResult(name, "baseline", FAILED, None, bound, f"{name} not measured: {baseline.kind} {why}"))
            continue
        results.append(paired_result(f"{c.metric} vs {baseline.kind}", "baseline", c, baseline.kind, gate.margin, bound, gate.on_inconclusive))
    return results
