"""Monitoring as a Prefect flow: the champion's reference data against new data.

Drift always; performance and per-group fairness where the new data carries labels.
Reports land beside the champion's card under ``monitoring/<date>/``; the outcome is
logged to MLflow and appended to the audit chain.
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from govern import monitoring, validation
from govern.audit import AuditLog
from govern.settings import load_settings
from govern.spec import load_spec

STEP = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="load-reference", retries=2, retry_delay_seconds=2, **STEP)
def reference_task(name: str):
    return monitoring.champion_reference(name)


@task(name="check", **STEP)
def check_task(spec, reference, current: pd.DataFrame, out_dir: Path) -> dict:
    return monitoring.check(spec, reference, current, out_dir)


@flow(name="monitor", validate_parameters=False)
def monitor(model: str, current: str) -> dict:
    settings = load_settings()
    spec = load_spec(model, settings.models_dir)
    frame = validation.validate_frame(validation.load_table(Path(current)), spec, require_target=False)
    reference = reference_task(spec.name)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    out_dir = settings.cards_dir / spec.name / f"v{reference.version}" / "monitoring" / stamp
    outcome = check_task(spec, reference, frame, out_dir)
    outcome["current"] = str(current)
    (out_dir / "outcome.json").write_text(json.dumps(outcome, indent=2, default=str))
    monitoring.record(spec, reference, outcome, out_dir, AuditLog(settings.database_url), actor=getpass.getuser())
    return outcome
