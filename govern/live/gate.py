"""The live gate: a challenger is promoted only after it has been watched on live customers.

Its silent period must be complete (distinct daily batches scored), enough outcomes
of untreated customers scored by both models must have matured, and the lower bound
of the paired bootstrap of its live difference from the champion, widened to the
sequential boundary of the current look, must clear ``-margin``.  Then Spotify's rule:
at least one success metric of ``gate.success`` improves and every guardrail of the
experiment is non-inferior; a sample-ratio mismatch blocks everything with one line,
and evidence made before these checks existed is refused until the report is made again.

The evidence is a record (``live.json``, :class:`govern.evidence.live.LiveEvidence`)
logged to MLflow with the experiment report; the SHA-256 of its strict JSON is set on the
version as ``live.digest`` when the report is made, and promotion re-reads the record, checks the digest and judges the
record, so what the reviewer saw is what promotion relies on.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from scipy.stats import norm

from govern.evidence.evaluation import Comparison
from govern.evidence.live import GuardrailResult, LiveEvidence, SampleRatio, Sequential
from govern.live import report_data
from govern.live.sequential import current_bound
from govern.spec.model import ExperimentSpec, LiveGate
from govern.stores import registry

LIVE_DIGEST, LIVE_RUN = "live.digest", "live.run_id"
LIVE_RECORD = "experiment/live.json"


def gather(model: str, silent: report_data.Silent | pd.DataFrame | None, matured_control: pd.DataFrame, comparison: Comparison | None, gate: LiveGate,
           window_days: int, today: date, *, sequential: Sequential | None = None, srm: SampleRatio | None = None,
           guardrails: list[GuardrailResult] | None = None) -> LiveEvidence | None:
    """The live evidence of the silent challenger (``silent``, or read from a live frame; None
    if none was scored).  The comparison's lower bound is widened to the sequential test's
    current boundary (a repeated confidence bound, from the bootstrap interval's
    normal-equivalent error), as the gate is judged again at every promotion attempt."""
    if isinstance(silent, pd.DataFrame):
        silent = report_data.silent_of(silent)
    if silent is None:
        return None
    matured = int((matured_control["challenger_version"] == silent.challenger).sum())
    short = gate.min_matured_outcomes - matured
    expected, waiting = None, 0
    for day, rows in silent.pending:  # the short-th earliest due date among the pending rows
        waiting += rows
        if 0 < short <= waiting:
            expected = (day + timedelta(days=window_days)).isoformat()
            break
    return LiveEvidence(
        model=model, challenger_version=silent.challenger, champion_version=silent.champion_version,
        silent_days=len(silent.days), first_silent_day=silent.days[0].isoformat(), last_batch_day=silent.days[-1].isoformat(),
        matured_outcomes=matured, outcomes_expected_by=expected, comparison=comparison, gate=gate, made_on=today.isoformat(),
        comparison_lower=_repeated_lower(comparison, sequential), sequential=sequential, srm=srm, guardrails=guardrails,
    )


def _repeated_lower(comparison: Comparison | None, sequential: Sequential | None) -> float | None:
    bound = current_bound(sequential) if sequential is not None else None
    if comparison is None or bound is None:
        return None
    se = (comparison.upper - comparison.lower) / (2 * norm.ppf(0.5 + comparison.confidence / 2))
    return comparison.delta - bound * se


def judge(evidence: LiveEvidence, gate: LiveGate) -> list[str]:
    """Every unmet condition, each saying when it can be met (empty: the gate passes)."""
    v, reasons = f"v{evidence.challenger_version}", []
    if evidence.silent_days < gate.min_silent_days:
        left = gate.min_silent_days - evidence.silent_days
        earliest = date.fromisoformat(evidence.last_batch_day) + timedelta(days=left)
        reasons.append(f"{v} has been scored silently on {evidence.silent_days} of {gate.min_silent_days} days; complete on {earliest} with daily batches")
    if evidence.matured_outcomes < gate.min_matured_outcomes:
        when = (f"the batches already scored bring enough by {evidence.outcomes_expected_by}" if evidence.outcomes_expected_by
                else "more batches must be scored before enough can mature")
        reasons.append(f"{v} has {evidence.matured_outcomes} of {gate.min_matured_outcomes} matured control outcomes; {when}")
    c, again = evidence.comparison, "run govern experiment again to measure it"
    if evidence.srm is None or evidence.sequential is None or evidence.guardrails is None:
        return [*reasons, f"{v}'s live evidence has no sample-ratio check, sequential test or guardrails: {again}"]
    if evidence.srm.mismatch:
        return [f"{v}: {evidence.srm.note}"]
    if c is None:
        reasons.append(f"{v}'s live difference from the champion is not measured yet (too few matured outcomes of both classes)")
    elif evidence.comparison_lower is None:
        reasons.append(f"{v}'s live difference from the champion has no sequential bound yet (no alpha spent at the looks so far)")
    elif evidence.comparison_lower < -gate.margin:
        reasons.append(f"{v}'s live {c.metric} difference {c.delta:+.4f} has sequential lower bound {evidence.comparison_lower:+.4f}"
                       f" below -{gate.margin:g} over {c.rows} customers; it can clear only as more outcomes mature and narrow the interval")
    seq = evidence.sequential
    improved = {"lift": seq.crossed_on is not None and seq.direction == "lower",
                "challenger": evidence.comparison_lower is not None and evidence.comparison_lower > 0}
    if not any(improved[m] for m in gate.success):
        said = {"lift": "the lift has not crossed its sequential boundary towards fewer outcomes",
                "challenger": "the challenger's live metric is not shown above the champion's"}
        reasons.append(f"no success metric improves for {v}: " + "; ".join(said[m] for m in gate.success))
    for g in evidence.guardrails:
        if g.status != "passed":
            bound = "no finite bound" if g.bound is None else f"bound {g.bound:.4g} above {g.max:g}"
            reasons.append(f"guardrail {g.metric}{f' ({g.column})' if g.column else ''} is not shown non-inferior for {v}: {bound}"
                           + (f" ({g.note})" if g.note else ""))
    return reasons


def record(name: str, evidence: LiveEvidence, run_id: str) -> str:
    """Bind the version to the evidence just logged under ``run_id``."""
    c = registry.client()
    digest = evidence.digest()
    c.set_model_version_tag(name, evidence.challenger_version, LIVE_DIGEST, digest)
    c.set_model_version_tag(name, evidence.challenger_version, LIVE_RUN, run_id)
    return digest


def recorded_gate(name: str, version: str) -> tuple[LiveGate | None, str | None]:
    """The live gate ``version`` was judged under: its record's ``spec.gates.live``, never
    the spec file, so moving or editing ``models/<name>.yaml`` after training changes
    nothing.  Returns (gate, None), (None, None) when the record declares none, or
    (None, reason) when the rules cannot be read, which holds the version back."""
    from govern.core.errors import GovernError

    try:
        record = registry.read_record(name, version)
    except GovernError as exc:
        return None, f"v{version}'s recorded rules could not be read ({exc}), so its live gate is unknown"
    if record is None:
        return None, f"v{version} has no {registry.EVIDENCE_DIR}/record.json, so its live gate is unknown"
    raw = (record.spec.gates or {}).get("live")
    if not raw:
        return None, None
    try:
        return LiveGate.model_validate(raw), None
    except ValueError as exc:
        return None, f"v{version}'s recorded live gate is not valid ({exc.__class__.__name__}), so it cannot be judged"


def _recorded_experiment(name: str, version: str) -> dict | None:
    record = registry.read_record(name, version)
    return (record.spec.model_extra or {}).get("experiment") if record is not None else None


def against_recorded_experiment(evidence: LiveEvidence, recorded: dict | None) -> list[str]:
    """The report must have applied the experiment rules recorded with the version, not a
    spec file loosened since: the same sequential plan, the sample-ratio threshold and every
    recorded guardrail at its recorded margin or tighter.  A record without an experiment
    section (older versions) leaves the report's own rules standing."""
    if not recorded or evidence.sequential is None or evidence.srm is None or evidence.guardrails is None:
        return []
    seq, v = evidence.sequential, f"v{evidence.challenger_version}"
    try:
        exp = ExperimentSpec.model_validate(recorded)
    except ValueError as exc:
        return [f"{v}'s recorded experiment rules are not valid ({exc.__class__.__name__}), so its live evidence cannot be judged"]
    reasons = []
    if (seq.planned_days, seq.spending) != (exp.planned_days, exp.spending) or abs(seq.alpha - (1 - exp.confidence)) > 1e-9:
        reasons.append(f"{v}'s sequential test used {seq.planned_days} planned days, {seq.spending} spending and alpha {seq.alpha:g}, not the recorded"
                       f" {exp.planned_days}, {exp.spending} and {1 - exp.confidence:g}")
    if evidence.srm.threshold < exp.srm_p_value:
        reasons.append(f"{v}'s sample-ratio check used p < {evidence.srm.threshold:g}, looser than the recorded {exp.srm_p_value:g}")
    applied = {(g.metric, g.column): g.max for g in evidence.guardrails}
    for g in exp.guardrails:
        if applied.get((g.metric, g.column), float("inf")) > g.max:
            reasons.append(f"{v}'s recorded guardrail {g.metric}{f' ({g.column})' if g.column else ''} at most {g.max:g} was not applied"
                           " with that margin or tighter")
    return reasons


def current_digest(name: str, version: str) -> str | None:
    return (registry.get_version(name, version).tags or {}).get(LIVE_DIGEST)


def refusals(name: str, version: str) -> list[str]:
    """Why the live gate holds ``version`` back (empty: it passes or its recorded rules declare none).

    A model with no champion has nothing to be compared with live, so its first
    version passes by definition, as it does the offline comparison.
    """
    champion = registry.alias_version(name, registry.CHAMPION)
    if champion is None:
        return []
    gate, unreadable = recorded_gate(name, version)
    if unreadable:
        return [unreadable]
    if gate is None:
        return []
    tags = registry.get_version(name, version).tags or {}
    digest, run_id = tags.get(LIVE_DIGEST), tags.get(LIVE_RUN)
    if not digest or not run_id:
        return [f"v{version} has no live evidence: score it silently beside the champion (govern score), ingest outcomes and run govern experiment {name}"]
    try:
        raw = json.loads(Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=LIVE_RECORD)).read_text())
        evidence = LiveEvidence.model_validate(raw)
    except (MlflowException, OSError, ValueError, TypeError) as exc:
        return [f"v{version}'s live evidence could not be read ({exc.__class__.__name__})"]
    if evidence.digest() != digest:
        return [f"v{version}'s live evidence changed since the report was made (digest {digest[:12]} != {evidence.digest()[:12]})"]
    reasons = []
    if evidence.challenger_version != str(version):
        reasons.append(f"the live evidence on record is about v{evidence.challenger_version}, not v{version}")
    if evidence.champion_version != champion:
        reasons.append(f"v{version}'s live evidence compares it with v{evidence.champion_version}, but the champion is now v{champion}:"
                       f" run govern experiment {name} again")
    return reasons + against_recorded_experiment(evidence, _recorded_experiment(name, version)) + judge(evidence, gate)
