"""Champion-challenger training as a Prefect flow.

validate -> split -> tune (Optuna, nested MLflow runs) -> refit -> score challenger and
champion on the same holdout -> fairness -> drift -> gates -> register -> card.
Each task calls a plain function of the ``govern`` package; this file only wires them.
"""

from __future__ import annotations

import getpass
import shutil
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from govern import drift as drift_checks
from govern import fairness as fairness_checks
from govern import gates, mitigation, registry, registration, splits, tuning, validation
from govern import record as evidence
from govern.audit import AuditLog
from govern.champion import Champion, load_champion
from govern.evaluation import bootstrap_interval, holdout_metrics, paired_bootstrap
from govern.settings import load_settings
from govern.spec import ModelSpec, load_spec

STEP = dict(cache_policy=NO_CACHE, persist_result=False)
INTERVAL_METRICS = {"binary": ("roc_auc", "brier", "log_loss", "accuracy"), "regression": ("rmse", "mae", "r2")}


@task(name="validate", **STEP)
def validate_task(spec: ModelSpec, path: Path) -> pd.DataFrame:
    return validation.validate_frame(validation.load_table(path), spec)


@task(name="split", **STEP)
def split_task(frame: pd.DataFrame, spec: ModelSpec) -> splits.Split:
    return splits.split_data(frame, spec)


@task(name="load-champion", retries=2, retry_delay_seconds=2, **STEP)
def champion_task(name: str) -> Champion:
    return load_champion(name)


@task(name="tune", **STEP)
def tune_task(spec, split, features, categorical, *, storage, study_name, experiment_id, run_id, champion_params):
    return tuning.tune(
        spec, split.train, split.valid, features, categorical,
        storage=storage, study_name=study_name, experiment_id=experiment_id,
        parent_run_id=run_id, champion_params=champion_params,
    )


@task(name="refit", **STEP)
def refit_task(spec, candidate, split, features, categorical):
    return tuning.refit(spec, candidate, pd.concat([split.train, split.valid]), features, categorical)


@task(name="evaluate", **STEP)
def evaluate_task(spec: ModelSpec, model, champion: Champion, holdout: pd.DataFrame) -> dict:
    """Challenger and champion scored on the same holdout rows, with intervals."""
    y = holdout[spec.data.target].to_numpy()
    challenger = tuning.predict(spec, model, holdout)
    metrics = holdout_metrics(spec.task, y, challenger, spec.decision_threshold)
    intervals = {m: bootstrap_interval(spec.task, m, y, challenger, threshold=spec.decision_threshold, seed=spec.split.seed) for m in INTERVAL_METRICS[spec.task]}
    result = {"challenger_scores": challenger, "metrics": metrics, "intervals": intervals, "champion_metrics": None, "comparison": None, "note": champion.note}
    ok, note = champion.can_score(holdout)
    if ok:
        scores = tuning.predict(spec, champion.model, holdout)
        result["champion_metrics"] = holdout_metrics(spec.task, y, scores, spec.decision_threshold)
        gate = spec.gates.champion
        metric = gate.metric if gate else spec.primary_metric
        result["comparison"] = paired_bootstrap(
            spec.task, metric, y, challenger, scores,
            resamples=gate.resamples if gate else 1000, confidence=gate.confidence if gate else 0.95,
            threshold=spec.decision_threshold, seed=spec.split.seed,
        )
    elif champion.version is not None:
        result["note"] = note
    return result


@task(name="fairness", **STEP)
def fairness_task(spec: ModelSpec, model, split: splits.Split, scores) -> tuple[dict | None, dict | None]:
    """Per-group metrics of the challenger and, when the spec asks, of a mitigated candidate."""
    report = fairness_checks.assess_scores(spec, split.holdout, scores)
    if report is None or spec.fairness.mitigation == "none" or spec.task != "binary":
        return report, None
    # Thresholds are learned on validation rows: the holdout must stay unseen.
    return report, mitigation.mitigated_candidate(spec, model, split.valid, split.holdout)


@task(name="drift", **STEP)
def drift_task(spec, split, features, categorical, recent: pd.DataFrame | None, out_dir: Path) -> dict:
    """Training rows against the most recent data the model will meet."""
    reference = pd.concat([split.train, split.valid])
    current, label = (recent, "recent data supplied with --recent") if recent is not None else (split.holdout, "the holdout, the latest period")
    summary = drift_checks.assess_drift(
        reference[features], current[features], columns=features, out_dir=out_dir,
        categorical=categorical, title=f"{spec.name}: training data vs {label}",
        **drift_checks.method_options(spec.gates.drift),
    )
    summary["current_label"] = label
    return summary


@task(name="gates", **STEP)
def gates_task(spec, evaluation, champion, fairness, drift) -> gates.GateReport:
    return gates.evaluate_gates(
        spec, metrics=evaluation["metrics"], comparison=evaluation["comparison"],
        champion_version=champion.version, champion_note=evaluation["note"], fairness=fairness, drift=drift,
    )


@task(name="register", **STEP)
def register_task(spec, model, holdout_features, scores, run_id, record, staging, settings) -> registration.Registered:
    model_uri, model_id = registration.log_model(model, holdout_features, run_id, scores)
    return registration.register(
        name=spec.name, model_uri=model_uri, model_id=model_id, run_id=run_id, record=record, staging=staging,
        cards_root=settings.cards_dir, audit=AuditLog(settings.database_url), actor=getpass.getuser(),
    )


@contextmanager
def _timed(timings: dict, step: str):
    start = time.perf_counter()
    yield
    timings[step] = round(time.perf_counter() - start, 2)


@flow(name="champion-challenger", log_prints=False, validate_parameters=False)
def champion_challenger(model: str, data: str | None = None, recent: str | None = None, trials: int | None = None) -> dict:
    """Train a challenger for ``model``, judge it against the champion and register it."""
    settings = load_settings()
    spec = load_spec(model, settings.models_dir)
    if trials is not None:
        spec = spec.model_copy(update={"tuning": spec.tuning.model_copy(update={"trials": trials})})
    source = Path(data) if data else spec.source_path(settings.root)
    timings: dict[str, float] = {}
    with _timed(timings, "validate"):
        frame = validate_task(spec, source)
    recent_frame = None
    if recent:
        recent_frame = validation.validate_frame(validation.load_table(Path(recent)), spec, require_target=False)
    features = validation.feature_columns(frame.columns, spec)
    categorical = validation.categorical_columns(frame, features)
    split = split_task(frame, spec)
    with _timed(timings, "champion"):
        champion = champion_task(spec.name)

    experiment_id = registry.ensure_experiment(spec.name, None if settings.tracking_uri.startswith(("http:", "https:", "databricks")) else settings.mlruns / "artifacts")
    data = {"source": str(source), "rows": int(len(frame)), "digest": evidence.file_digest(source), "features": features, "categorical": categorical}
    client = registry.client()
    run = client.create_run(experiment_id, run_name=f"challenger-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}", tags={"govern.kind": "challenger", "mlflow.user": getpass.getuser()})
    run_id = run.info.run_id
    staging = settings.mlruns / "staging" / run_id
    staging.mkdir(parents=True, exist_ok=True)
    try:
        study_name = f"{spec.name}-{data['digest'][:12]}-{evidence.spec_digest(spec)[:8]}"
        with _timed(timings, "tune"):
            candidate = tune_task(
                spec, split, features, categorical, storage=settings.database_url, study_name=study_name,
                experiment_id=experiment_id, run_id=run_id, champion_params=champion.params,
            )
        with _timed(timings, "refit"):
            fitted = refit_task(spec, candidate, split, features, categorical)
        with _timed(timings, "evaluate"):
            evaluation = evaluate_task(spec, fitted, champion, split.holdout)
        with _timed(timings, "fairness"):
            fairness, mitigated = fairness_task(spec, fitted, split, evaluation["challenger_scores"])
        with _timed(timings, "drift"):
            drift = drift_task(spec, split, features, categorical, recent_frame, staging)
        verdict = gates_task(spec, evaluation, champion, fairness, drift)

        record = evidence.build_record(
            spec, data=data, split=split, candidate=candidate, evaluation=evaluation, champion_version=champion.version,
            fairness=fairness, mitigation=mitigated, drift=drift, verdict=verdict, timings=timings,
            lineage={"git_commit": evidence.git_commit(settings.root), "flow_run": str(flow_run.get_id() or "none"), "mlflow_run": run_id, "experiment": spec.name, "tracking_uri": settings.tracking_uri},
        )
        evidence.write_evidence(record, split, staging)
        registration.log_summary(run_id, record)
        with _timed(timings, "register"):
            result = register_task(spec, fitted, split.holdout[list(fitted.feature_names_)], evaluation["challenger_scores"], run_id, record, staging, settings)
        client.set_terminated(run_id, "FINISHED")
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return evidence.summary(record, version=result.version, card=result.card_dir / "card.md", run_id=run_id)
