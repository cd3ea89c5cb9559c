"""Outcome ingestion and the experiment report as Prefect flows (wiring only)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.steps import step
from govern.core.settings import load_settings
from govern.spec.model import load_spec
from govern.stores.predictions import PredictionLog

if TYPE_CHECKING:
    from govern.live import outcomes

STEP = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="ingest-outcomes", **STEP)
def ingest_task(spec, labels: str) -> outcomes.Ingest:
    from govern.live import outcomes

    log = PredictionLog(load_settings().database_url)
    try:
        return outcomes.ingest_file(log, spec, Path(labels))
    finally:
        log.close()


@task(name="experiment-report", **STEP)
def report_task(spec, today: date) -> dict:
    settings = load_settings()
    from govern.live import report_data

    log = PredictionLog(settings.database_url)
    try:
        data = report_data.read(log, spec.name, arms=bool(spec.experiment.arms))
    finally:
        log.close()
    from govern.live import report as experiment_report  # matplotlib, SciPy's statistics, MLflow: after the log is read

    report, evidence, matured = experiment_report.build(spec, data, today)
    folder = settings.cards_dir / spec.name / f"v{report.champion_version}" / "experiment"
    paths = experiment_report.write(report, experiment_report.pictures(matured, report), folder)
    run_id = experiment_report.log_to_mlflow(spec, folder, evidence)
    return {**report.to_dict(), "reports": {k: str(v) for k, v in paths.items()}, "run_id": run_id}


@flow(name="experiment", validate_parameters=False)
def experiment(model: str, today: str | None = None) -> dict:
    spec = load_spec(model, load_settings().models_dir)
    day = date.fromisoformat(today) if today else datetime.now(UTC).date()
    return step(report_task)(spec, day)


@flow(name="outcomes", validate_parameters=False)
def outcomes_and_report(model: str, labels: str, today: str | None = None, report: bool = True) -> dict:
    """Ingest outcomes; when any were new or changed, make the experiment report again."""
    spec = load_spec(model, load_settings().models_dir)
    ingest = step(ingest_task)(spec, labels)
    result = {"ingest": ingest.to_dict()}
    if report and ingest.changed:
        day = date.fromisoformat(today) if today else datetime.now(UTC).date()
        result["report"] = step(report_task)(spec, day)
    return result
