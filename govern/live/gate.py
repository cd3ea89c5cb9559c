"""The live gate: a challenger is promoted only after it has been watched on live customers.

Its silent period must be complete (distinct daily batches scored), enough outcomes
of untreated customers scored by both models must have matured, and the lower bound
of the paired bootstrap of its live difference from the champion must clear
``-margin``.  The evidence is a record (``live.json``, :class:`govern.evidence.live.LiveEvidence`)
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

from govern.evidence.evaluation import Comparison
from govern.evidence.live import LiveEvidence
from govern.spec.model import LiveGate
from govern.stores import registry

LIVE_DIGEST, LIVE_RUN = "live.digest", "live.run_id"
LIVE_RECORD = "experiment/live.json"


def gather(model: str, frame: pd.DataFrame, matured_control: pd.DataFrame, comparison: Comparison | None, gate: LiveGate,
           window_days: int, today: date) -> LiveEvidence | None:
    """The live evidence of the challenger scored in ``frame`` (None if none was scored)."""
    silent = frame[frame["challenger_version"].notna()]
    if silent.empty:
        return None
    challenger = str(silent.sort_values("as_of")["challenger_version"].iloc[-1])
    mine = silent[silent["challenger_version"] == challenger]
    days = sorted(pd.to_datetime(mine["as_of"]).dt.date.unique())
    matured = int((matured_control["challenger_version"] == challenger).sum())
    pending = mine[(mine["arm"] == "control") & ~mine["matured"].fillna(False).astype(bool)]
    due = sorted(pd.to_datetime(pending["as_of"]).dt.date + timedelta(days=window_days))
    short = gate.min_matured_outcomes - matured
    expected = due[short - 1].isoformat() if 0 < short <= len(due) else None
    return LiveEvidence(
        model=model, challenger_version=challenger, champion_version=str(mine["champion_version"].iloc[-1]),
        silent_days=len(days), first_silent_day=days[0].isoformat(), last_batch_day=days[-1].isoformat(),
        matured_outcomes=matured, outcomes_expected_by=expected, comparison=comparison, gate=gate, made_on=today.isoformat(),
    )


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
    c = evidence.comparison
    if c is None:
        reasons.append(f"{v}'s live difference from the champion is not measured yet (too few matured outcomes of both classes)")
    elif c.lower < -gate.margin:
        reasons.append(f"{v}'s live {c.metric} difference {c.delta:+.4f} has lower bound {c.lower:+.4f} below -{gate.margin:g}"
                       f" over {c.rows} customers; it can clear only as more outcomes mature and narrow the interval")
    return reasons


def record(name: str, evidence: LiveEvidence, run_id: str) -> str:
    """Bind the version to the evidence just logged under ``run_id``."""
    c = registry.client()
    digest = evidence.digest()
    c.set_model_version_tag(name, evidence.challenger_version, LIVE_DIGEST, digest)
    c.set_model_version_tag(name, evidence.challenger_version, LIVE_RUN, run_id)
    return digest


def _spec_gate(name: str):
    """The spec's live gate; None when no spec declares one.  A spec that exists but does
    not load raises, so breaking the spec cannot lift the gate."""
    from govern.core.settings import load_settings
    from govern.spec.model import load_spec

    models_dir = load_settings().models_dir
    if not (models_dir / f"{name}.yaml").exists():
        return None
    return load_spec(name, models_dir).gates.live


def current_digest(name: str, version: str) -> str | None:
    return (registry.get_version(name, version).tags or {}).get(LIVE_DIGEST)


def refusals(name: str, version: str) -> list[str]:
    """Why the live gate holds ``version`` back (empty: it passes or the spec declares none).

    A model with no champion has nothing to be compared with live, so its first
    version passes by definition, as it does the offline comparison.
    """
    gate = _spec_gate(name)
    if gate is None:
        return []
    champion = registry.alias_version(name, registry.CHAMPION)
    if champion is None:
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
    return reasons + judge(evidence, gate)
