"""Live scoring as a Prefect flow, and the daily deployment that runs it.

The flow only wires :mod:`govern.live.scoring` (models loaded by version, the file
streamed in chunks, the batch written and logged, then put in Feast's online store by
:mod:`govern.live.serving`) and, in the daily run, outcome
ingestion and the experiment report after new outcomes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.retries import transient
from flows.steps import step
from govern.core.settings import load_settings
from govern.live import scoring, serving
from govern.spec.model import load_spec
from govern.stores.predictions import PredictionLog

STEP = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="load-live-models", retries=2, retry_delay_seconds=2, retry_condition_fn=transient, **STEP)
def load_models_task(name: str) -> scoring.LiveModels:
    return scoring.load_models(name)


@task(name="score-batch", **STEP)
def score_task(spec, models, data: str, batch_id: str, as_of: date, chunk_rows: int, engine: str = "local",
               scheduler: str | None = None) -> scoring.ScoringResult:
    settings = load_settings()
    log = PredictionLog(settings.database_url)
    out_root = settings.mlruns / "scores"
    try:
        if engine == "dask":
            from govern.live import partitions

            with partitions.cluster(scheduler) as client:
                return partitions.score_file(client, spec, models, Path(data), batch_id=batch_id, as_of=as_of, out_root=out_root, log=log,
                                             database_url=settings.database_url, chunk_rows=chunk_rows)
        return scoring.score_file(spec, models, Path(data), batch_id=batch_id, as_of=as_of, out_root=out_root, log=log, chunk_rows=chunk_rows)
    finally:
        log.close()


@task(name="publish-features", **STEP)
def publish_task(result: scoring.ScoringResult) -> dict:
    """The complete batch where downstream systems read it: Feast's online store."""
    return serving.publish(result, load_settings().mlruns)


@flow(name="score", validate_parameters=False)
def score(model: str, data: str, as_of: str | None = None, batch_id: str | None = None, chunk_rows: int = scoring.CHUNK_ROWS,
          engine: str = "local", scheduler: str | None = None, publish: bool = True) -> dict:
    """Score ``data`` as the batch of ``as_of`` (default today, UTC); the batch id defaults to that date.
    ``engine="dask"`` spreads the file's row groups over a Dask cluster (``scheduler``, else a LocalCluster).
    ``publish=False`` leaves the feature store alone (a replay of many past days publishes its last)."""
    spec = load_spec(model, load_settings().models_dir)
    day = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date()
    models = step(load_models_task)(spec.name)
    result = step(score_task)(spec, models, data, batch_id or day.isoformat(), day, chunk_rows, engine, scheduler)
    features = step(publish_task)(result) if publish else {"published": False, "reason": "not asked to publish this batch"}
    return {**result.to_dict(), "features": features}


@flow(name="daily-score", validate_parameters=False)
def daily(model: str, data: str, labels: str | None = None) -> dict:
    """The scheduled run: today's batch, then outcomes and the experiment report when labels are given."""
    result = {"scoring": score(model, data)}
    if labels:
        from flows.experiment import outcomes_and_report

        result["outcomes"] = outcomes_and_report(model, labels)
    return result
