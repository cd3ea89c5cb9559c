"""Champion-challenger training as a Prefect flow.

validate -> split -> tune (Optuna, nested MLflow runs) -> refit -> score challenger and
champion on the same holdout -> fairness -> drift -> gates -> register -> card.
Each task calls a plain function of the ``govern`` package; this file only wires them.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import shutil
import subprocess
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import mlflow
import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from govern import drift as drift_checks
from govern import fairness as fairness_checks
from govern import gates, registry, registration, splits, tuning, validation
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
    sensitive = spec.fairness.sensitive_features
    if not sensitive:
        return None, None
    holdout = split.holdout
    y = holdout[spec.data.target].to_numpy()
    labels = (scores >= spec.decision_threshold).astype(int) if spec.task == "binary" else scores
    report = fairness_checks.assess_fairness(
        y, labels, holdout[sensitive], task=spec.task,
        y_score=scores if spec.task == "binary" else None, min_group_size=spec.fairness.min_group_size,
    )
    if spec.fairness.mitigation == "none" or spec.task != "binary":
        return report, None
    fit_rows = split.valid
    features = list(model.feature_names_)
    mitigator = fairness_checks.mitigate(
        model, fit_rows[features], fit_rows[spec.data.target], fit_rows[sensitive],
        method=spec.fairness.mitigation, constraint=spec.fairness.mitigation_constraint, seed=spec.split.seed,
    )
    mitigated_scores = fairness_checks.mitigated_scores(mitigator, holdout[features], holdout[sensitive])
    mitigated_labels = fairness_checks.mitigated_predict(mitigator, holdout[features], holdout[sensitive], seed=spec.split.seed)
    mitigated_report = fairness_checks.assess_fairness(
        y, mitigated_labels, holdout[sensitive], task=spec.task, y_score=mitigated_scores,
        min_group_size=spec.fairness.min_group_size,
    )
    metrics = holdout_metrics(spec.task, y, mitigated_scores, spec.decision_threshold)
    label_metrics = holdout_metrics(spec.task, y, mitigated_labels.astype(float), 0.5)
    for name in ("accuracy", "precision", "recall", "f1"):
        metrics[name] = label_metrics[name]
    return report, {
        "method": spec.fairness.mitigation,
        "constraint": spec.fairness.mitigation_constraint,
        "metrics": metrics,
        "fairness": mitigated_report,
    }


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


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _git_commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _period(frame: pd.DataFrame, spec: ModelSpec) -> dict:
    part = {"rows": int(len(frame))}
    if spec.data.time_column and spec.data.time_column in frame:
        part["start"] = str(frame[spec.data.time_column].min().date())
        part["end"] = str(frame[spec.data.time_column].max().date())
    if spec.task == "binary":
        part["positive_rate"] = float(frame[spec.data.target].mean())
    return part


def _mitigation_summary(spec, mitigation, evaluation, fairness, champion, drift):
    if mitigation is None:
        return None
    report = gates.evaluate_gates(
        spec, metrics=mitigation["metrics"], comparison=None, champion_version=None,
        fairness=mitigation["fairness"], drift=drift,
    )
    rows = {m: (evaluation["metrics"][m], mitigation["metrics"][m]) for m in (spec.primary_metric, "accuracy", "recall")}
    for g in spec.gates.fairness:
        rows[f"{g.metric} by {g.feature}"] = (
            fairness_checks.fairness_value(fairness, g.feature, g.metric),
            fairness_checks.fairness_value(mitigation["fairness"], g.feature, g.metric),
        )
    return {"method": mitigation["method"], "constraint": mitigation["constraint"], "gates": report.to_dict(), "comparison": rows, "metrics": mitigation["metrics"], "fairness": mitigation["fairness"]}


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
    data_digest = _file_digest(source)
    spec_digest = hashlib.sha256(json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    client = registry.client()
    run = client.create_run(experiment_id, run_name=f"challenger-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}", tags={"govern.kind": "challenger", "mlflow.user": getpass.getuser()})
    run_id = run.info.run_id
    staging = settings.mlruns / "staging" / run_id
    staging.mkdir(parents=True, exist_ok=True)
    try:
        study_name = f"{spec.name}-{data_digest[:12]}-{spec_digest[:8]}"
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
            fairness, mitigation = fairness_task(spec, fitted, split, evaluation["challenger_scores"])
        with _timed(timings, "drift"):
            drift = drift_task(spec, split, features, categorical, recent_frame, staging)
        verdict = gates_task(spec, evaluation, champion, fairness, drift)

        comparison = evaluation["comparison"]
        record = {
            "model": spec.name,
            "task": spec.task,
            "version": None,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "spec": spec.model_dump(mode="json"),
            "spec_digest": spec_digest,
            "data": {"source": str(source), "rows": int(len(frame)), "digest": data_digest, "features": features, "categorical": categorical},
            "split": {"strategy": split.strategy, "train": _period(split.train, spec), "valid": _period(split.valid, spec), "holdout": _period(split.holdout, spec), "detail": split.description},
            "tuning": {"study": study_name, "trials": candidate.trials, "pruned": candidate.pruned, "params": candidate.params, "iterations": candidate.iterations, "seconds": candidate.seconds, "best_validation": candidate.value},
            "metrics": {"challenger": evaluation["metrics"], "intervals": evaluation["intervals"], "champion": evaluation["champion_metrics"], "confidence": 0.95},
            "champion": {"version": champion.version, "comparison": comparison.to_dict() if comparison else None, "note": evaluation["note"]},
            "fairness": fairness,
            "mitigation": _mitigation_summary(spec, mitigation, evaluation, fairness, champion, drift),
            "drift": {k: v for k, v in drift.items() if k not in ("html", "json")},
            "gates": verdict.to_dict(),
            "timings": timings,
            "lineage": {"git_commit": _git_commit(settings.root), "flow_run": str(flow_run.get_id() or "none"), "mlflow_run": run_id, "experiment": spec.name, "tracking_uri": settings.tracking_uri},
        }
        holdout_cols = [spec.data.id_column] + features + [spec.data.target]
        split.holdout[holdout_cols].to_parquet(staging / "holdout.parquet", index=False)
        pd.concat([split.train, split.valid])[features].to_parquet(staging / "reference.parquet", index=False)
        if fairness is not None:
            (staging / "fairness.json").write_text(json.dumps({"challenger": fairness, "mitigated": record["mitigation"]}, indent=2, default=str))

        client.log_batch(run_id, params=[mlflow.entities.Param(f"cb.{k}", str(v)) for k, v in candidate.params.items()] + [
            mlflow.entities.Param("iterations", str(candidate.iterations)), mlflow.entities.Param("optuna_study", study_name),
            mlflow.entities.Param("data_digest", data_digest), mlflow.entities.Param("spec_digest", spec_digest),
            mlflow.entities.Param("champion_version", str(champion.version)),
        ])
        metric_rows = {f"holdout_{k}": v for k, v in evaluation["metrics"].items()}
        metric_rows.update({f"champion_{k}": v for k, v in (evaluation["champion_metrics"] or {}).items()})
        if comparison:
            metric_rows.update({"delta_vs_champion": comparison.delta, "delta_lower": comparison.lower, "delta_upper": comparison.upper})
        metric_rows["drifted_share"] = drift["drifted_share"]
        for name, value in metric_rows.items():
            if value is not None and value == value:
                client.log_metric(run_id, name, float(value))
        client.set_tag(run_id, "gate.status", verdict.status)

        holdout_features = split.holdout[list(fitted.feature_names_)]
        with _timed(timings, "register"):
            result = register_task(spec, fitted, holdout_features, evaluation["challenger_scores"], run_id, record, staging, settings)
        client.set_terminated(run_id, "FINISHED")
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {
        "model": spec.name,
        "version": result.version,
        "gates": verdict.status,
        "failures": [r.reason for r in verdict.failures],
        "champion": champion.version,
        "primary_metric": spec.primary_metric,
        "holdout": evaluation["metrics"][spec.primary_metric],
        "comparison": comparison.to_dict() if comparison else None,
        "card": str(result.card_dir / "card.md"),
        "run_id": run_id,
        "trials": candidate.trials,
        "pruned": candidate.pruned,
        "drifted_share": drift["drifted_share"],
        "mitigation": record["mitigation"]["gates"]["status"] if record["mitigation"] else None,
        "timings": timings,
        "fairness_gates": [f"{r.gate} {r.observed:.3f} ({r.status})" for r in verdict.results if r.kind == "fairness" and r.observed is not None],
    }
