"""Monitoring: is the champion still looking at the data it was judged on?

The champion's training rows (logged as ``evidence/reference.parquet`` at
registration) are compared with new data by the same drift check and gate that
judged the challenger; where the new data has labels, the champion is scored on
it and broken down by group.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mlflow
import pandas as pd

from govern import drift as drift_checks
from govern import fairness as fairness_checks
from govern import registry, tuning, validation
from govern.audit import AuditLog
from govern.audit_events import MONITORED
from govern.champion import load_champion
from govern.errors import GovernError
from govern.evaluation import holdout_metrics
from govern.spec import ModelSpec


@dataclass
class Reference:
    version: str
    run_id: str
    frame: pd.DataFrame
    model: object


def champion_reference(name: str) -> Reference:
    champion = load_champion(name)
    if champion.version is None:
        raise GovernError(f"{name} has no champion to monitor")
    if champion.model is None:
        raise GovernError(champion.note)
    mv = registry.get_version(name, champion.version)
    path = mlflow.artifacts.download_artifacts(run_id=mv.run_id, artifact_path=f"{registry.EVIDENCE_DIR}/reference.parquet")
    return Reference(version=champion.version, run_id=mv.run_id, frame=pd.read_parquet(path), model=champion.model)


def check(spec: ModelSpec, reference: Reference, current: pd.DataFrame, out_dir: Path) -> dict:
    features = list(reference.model.feature_names_)
    missing = [c for c in features if c not in current.columns]
    if missing:
        raise GovernError(f"current data lacks the champion's features: {', '.join(missing)}")
    categorical = validation.categorical_columns(reference.frame, features)
    summary = drift_checks.assess_drift(
        reference.frame[features], current[features], columns=features, out_dir=out_dir,
        categorical=categorical, title=f"{spec.name} v{reference.version}: reference vs new data",
        **drift_checks.method_options(spec.gates.drift),
    )
    gate = spec.gates.drift
    findings = drift_checks.drift_gate_findings(
        summary, max_drifted_share=gate.max_drifted_share if gate else 1.0, must_not_drift=gate.must_not_drift if gate else [],
    )
    outcome = {
        "model": spec.name,
        "champion": reference.version,
        "rows": int(len(current)),
        "drift": {k: v for k, v in summary.items() if k not in ("html", "json")},
        "drift_gate": "failed" if findings else "passed",
        "findings": findings,
        "performance": None,
        "fairness": None,
    }
    target = spec.data.target
    if target in current.columns and current[target].notna().all():
        scores = tuning.predict(spec, reference.model, current)
        y = current[target].to_numpy()
        outcome["performance"] = holdout_metrics(spec.task, y, scores, spec.decision_threshold)
        outcome["fairness"] = fairness_checks.assess_scores(spec, current, scores)
    return outcome


def record(spec: ModelSpec, reference: Reference, outcome: dict, out_dir: Path, log: AuditLog, actor: str) -> str:
    """Log the outcome as an MLflow run beside the model's training runs and audit it."""
    experiment = mlflow.get_experiment_by_name(spec.name)
    client = registry.client()
    run = client.create_run(experiment.experiment_id, run_name=f"monitor-v{reference.version}", tags={"govern.kind": "monitoring", "champion.version": reference.version, "drift.gate": outcome["drift_gate"]})
    client.log_metric(run.info.run_id, "drifted_share", float(outcome["drift"]["drifted_share"]))
    for name, value in (outcome["performance"] or {}).items():
        if value == value:
            client.log_metric(run.info.run_id, f"current_{name}", float(value))
    client.log_artifacts(run.info.run_id, str(out_dir), "monitoring")
    client.set_terminated(run.info.run_id, "FINISHED")
    log.append(spec.name, MONITORED, actor=actor, version=reference.version, details={
        "drift_gate": outcome["drift_gate"], "drifted_share": outcome["drift"]["drifted_share"],
        "drifted_columns": outcome["drift"]["drifted_columns"], "findings": outcome["findings"],
        "performance": outcome["performance"], "reports": str(out_dir), "run_id": run.info.run_id,
    })
    return run.info.run_id
