"""Registering a judged challenger: all of it or none of it.

The evidence is logged to the flow's run, then a model version is created with its
gate verdict already in its tags, then the card (which needs the version number) is
written and logged, then the evidence digest is taken.  Any failure after the version
exists deletes it again, so the registry never holds a version without its evidence.
"""

from __future__ import annotations

import getpass
import json
import logging
import shutil
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import catboost
import mlflow
import pandas as pd
from mlflow.models import infer_signature

from govern.card import render as cards
from govern.evidence.io import write_evidence
from govern.evidence.record import Record
from govern.evidence.verdict import FAILED, INCONCLUSIVE, NOT_MEASURED, PASSED, GateResult, GateStatus
from govern.governance import identity
from govern.governance.rule_history import previous_for_card
from govern.stores import registry
from govern.stores.audit.events import GATES, rules_digest
from govern.stores.audit.log import AuditLog


@dataclass(frozen=True)
class ChallengerRun:
    experiment_id: str
    run_id: str
    staging: Path


@contextmanager
def challenger_run(settings, model: str) -> Iterator[ChallengerRun]:
    """The MLflow run a challenger's evidence is logged to, with a staging folder for its
    files: ``FINISHED`` when the body completes, ``FAILED`` on any exception, the staging
    folder removed either way."""
    experiment_id = registry.ensure_experiment(model, settings.artifact_root)
    client = registry.client()
    name = f"challenger-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    tags = {"govern.kind": "challenger", "mlflow.user": getpass.getuser(), **identity.request_tags()}
    run_id = client.create_run(experiment_id, run_name=name, tags=tags).info.run_id
    staging = settings.mlruns / "staging" / run_id
    staging.mkdir(parents=True, exist_ok=True)
    try:
        yield ChallengerRun(experiment_id, run_id, staging)
        client.set_terminated(run_id, "FINISHED")
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@dataclass(frozen=True)
class Registered:
    version: str
    status: str
    card_dir: Path
    digest: str


def log_summary(run_id: str, record: Record) -> None:
    """The record's params and metrics on the challenger's run, in one request."""
    from mlflow.entities import Metric, Param, RunTag

    from govern.card.record import run_metrics, run_params

    now = int(time.time() * 1000)
    registry.client().log_batch(
        run_id,
        params=[Param(k, v) for k, v in run_params(record).items()],
        metrics=[Metric(k, v, now, 0) for k, v in run_metrics(record).items()],
        tags=[RunTag(registry.GATE_STATUS, record.gates.status.value)],
    )


def log_model(model, holdout_features: pd.DataFrame, run_id: str, prediction) -> tuple[str, str]:
    """Log the CatBoost model with a signature and input example; returns its URI and id."""
    example = holdout_features.head(5)
    with warnings.catch_warnings():
        # Integer columns in the signature are intended: the data has no missing counts.
        warnings.simplefilter("ignore", UserWarning)
        signature = infer_signature(example, prediction[:5])
    logging.getLogger("mlflow.utils.environment").setLevel(logging.ERROR)
    with mlflow.start_run(run_id=run_id), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        info = mlflow.catboost.log_model(
            model,
            name="model",
            signature=signature,
            input_example=example,
            pip_requirements=[f"catboost=={catboost.__version__}", f"pandas=={pd.__version__}"],
        )
    return info.model_uri, info.model_id


def kind_status(results: list[GateResult]) -> GateStatus:
    """One tag per gate kind: failed if any of its gates fails the verdict, else
    inconclusive or not measured if any is (a warning a reviewer should see), else passed."""
    if any(r.fails_verdict for r in results):
        return FAILED
    for status in (INCONCLUSIVE, NOT_MEASURED):
        if any(r.status == status for r in results):
            return status
    return PASSED


def register(
    *,
    name: str,
    model_uri: str,
    model_id: str,
    run_id: str,
    record: Record,
    staging: Path,
    cards_root: Path,
    audit: AuditLog,
    actor: str,
) -> Registered:
    """Create the version, write its card, log the evidence, set tags and aliases, audit it."""
    client = registry.client()
    status = record.gates.status
    if not registry.registered(name):
        client.create_registered_model(name, description=record.spec.description, tags={"task": record.task})
    tags = {
        registry.GATE_STATUS: status.value,
        registry.APPROVAL_STATUS: registry.PENDING if status == PASSED else registry.NOT_ELIGIBLE,
    }
    for kind in dict.fromkeys(g.kind for g in record.gates.results):
        tags[f"gate.{kind}"] = kind_status([g for g in record.gates.results if g.kind == kind]).value
    if status != PASSED:
        tags["approval.reason"] = "gates failed"
    mv = client.create_model_version(name, model_uri, run_id=run_id, tags=tags, model_id=model_id)
    version = str(mv.version)
    card_dir = cards_root / name / f"v{version}"
    try:
        record.version = int(version)
        write_evidence(staging / "gates.json", record.gates)
        write_evidence(staging / "record.json", record)
        cards.write_card(record, staging, {"approval_status": tags[registry.APPROVAL_STATUS],
                                           "previous_rules": previous_for_card(name, version, record.spec)})
        registry.client().log_artifacts(run_id, str(staging), registry.EVIDENCE_DIR)
        with_model = Path(mlflow.artifacts.download_artifacts(model_uri, dst_path=str(staging.parent / f"{staging.name}-model")))
        digest = registry.evidence_digest(with_model, staging)
        shutil.rmtree(with_model, ignore_errors=True)
        client.set_model_version_tag(name, version, registry.EVIDENCE_DIGEST, digest)
        client.update_model_version(name, version, description=_summary(record))
        card_dir.mkdir(parents=True, exist_ok=True)
        for file in staging.iterdir():
            if file.is_file() and file.suffix != ".parquet":
                shutil.copy2(file, card_dir / file.name)
        if status == PASSED:
            client.set_registered_model_alias(name, registry.CHALLENGER, version)
        audit.append(name, GATES, actor=actor, version=version, details={"status": status.value, "digest": digest, "run_id": run_id,
                                                                         "rules": rules_digest(record.spec.gates),
                                                                         "failures": [g.reason for g in record.gates.results if g.status != PASSED]})
    except BaseException:
        client.delete_model_version(name, version)
        shutil.rmtree(card_dir, ignore_errors=True)
        raise
    return Registered(version=version, status=status, card_dir=card_dir, digest=digest)


def _summary(record: Record) -> str:
    primary = record.spec.primary_metric
    value = record.metrics.challenger.get(primary)
    lines = [f"Gates {record.gates.status}; holdout {primary} = {value:.4g}." if value is not None else f"Gates {record.gates.status}."]
    for gate in record.gates.results:
        lines.append(f"- [{gate.status}] {gate.line()}")
    lines.append("")
    lines.append("Card and reports: the source run's artifacts under `evidence/` (`card.html`, `drift.html`, `fairness.json`, `gates.json`).")
    lines.append("")
    if record.gates.passed:
        # In team mode the server stamps approval.reviewer from the login and refuses it from anyone.
        who = " (the server records you as `approval.reviewer`)" if registry.team_mode() else ", and add tag `approval.reviewer` with your name"
        lines.append(f"To decide: edit tag `approval.status` (pencil icon in its row) to `approved` or `rejected`{who}.")
        if record.gates.needs_acknowledgement:
            names = json.dumps(record.gates.needs_acknowledgement)
            lines.append(f"Inconclusive gates need your acknowledgement before promotion: add tag `approval.acknowledged` = `{names}`.")
    else:
        lines.append("Not eligible for approval (`approval.status=not_eligible`): it failed its gates, so it can never be promoted.")
    return "\n".join(lines)
