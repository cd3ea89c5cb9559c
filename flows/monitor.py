"""Monitoring as a Prefect flow: the champion's reference data against new data.

Drift always; performance, fairness and base rate judged where the new data carries
labels.  Reports land beside the champion's card under ``monitoring/<stamp>/``
(Evidently's ``drift.html``, ``monitoring.md`` and ``.html``, ``outcome.json``); the
outcome is logged to MLflow and appended to the audit chain.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.retries import transient
from flows.steps import step
from govern.core.settings import load_settings
from govern.evidence.io import write_evidence
from govern.governance.card_refresh import refresh_after_decision
from govern.monitoring import check as monitoring
from govern.monitoring import report as monitoring_report
from govern.monitoring import stream
from govern.spec.model import load_spec
from govern.stores import registry
from govern.stores.audit.log import AuditLog

STEP = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="load-reference", retries=2, retry_delay_seconds=2, retry_condition_fn=transient, **STEP)
def reference_task(name: str):
    return monitoring.champion_reference(name)


@task(name="check", **STEP)
def check_task(spec, reference, current: str, out_dir: Path, engine: str = "local", scheduler: str | None = None) -> monitoring.MonitoringOutcome:
    """The new data streamed by chunks (memory bounded by a chunk, not the rows), or its
    row groups spread over a Dask cluster."""
    if engine == "dask":
        from govern.live import partitions

        with partitions.cluster(scheduler) as client:
            return stream.check_file(spec, reference, Path(current), out_dir, client=client)
    return stream.check_file(spec, reference, Path(current), out_dir)


@flow(name="monitor", validate_parameters=False)
def monitor(model: str, current: str, engine: str = "local", scheduler: str | None = None) -> dict:
    """Judge the champion on ``current``; returns the outcome as plain JSON-able data."""
    settings = load_settings()
    spec = load_spec(model, settings.models_dir)
    monitoring.require_champion(spec.name)
    reference = step(reference_task)(spec.name)
    spec = monitoring.judged_by_record(spec, reference)
    now = datetime.now(UTC)
    out_dir = settings.cards_dir / spec.name / f"v{reference.version}" / "monitoring" / now.strftime("%Y-%m-%dT%H%M%SZ")
    outcome = step(check_task)(spec, reference, str(current), out_dir, engine, scheduler)
    outcome.current, outcome.checked_at = str(current), now.isoformat(timespec="seconds")
    outcome.reports = monitoring_report.write_reports(outcome, out_dir)
    write_evidence(out_dir / "outcome.json", outcome)
    log = AuditLog(settings.database_url)
    monitoring.record(spec, reference, outcome, out_dir, log, actor=registry.logged_in_user() or getpass.getuser())
    refresh_after_decision(log, spec.name, reference.version)  # the champion's card carries its latest verdict
    return outcome.to_dict()
