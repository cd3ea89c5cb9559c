"""Champion-challenger training as a Prefect flow.

validate -> split -> champion on the holdout (labels must agree) -> tune (Optuna, nested
MLflow runs; the baseline, drift and representation beside it) -> refit -> score
challenger and champion on the same holdout -> explanations, fairness and leakage beside
each other -> baseline comparison and curves -> gates -> register -> card.  Each task
calls a plain function of the ``govern`` package; this file only wires them.
"""

from __future__ import annotations

import getpass
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows.beside import Beside
from flows.retries import transient
from govern.card import record as evidence
from govern.checks import leakage
from govern.checks.drift import assess as drift_checks
from govern.checks.fairness import assess as fairness_checks
from govern.checks.fairness import representation
from govern.core.settings import load_settings
from govern.data import splits, transactions, validation
from govern.data.overlap import id_salt
from govern.evidence.decision import LEGACY_THRESHOLD
from govern.evidence.evaluation import Evaluation
from govern.gates import rules as gates
from govern.governance import registration
from govern.mitigation import candidates as mitigation
from govern.spec.model import ModelSpec, load_spec
from govern.stores import registry
from govern.stores.audit.log import AuditLog
from govern.stores.champion import Champion, load_champion
from govern.training import baseline as baselines
from govern.training import clv_baseline, curves, explanations, policy, tuning
from govern.training import comparison as champion_comparison

STEP = dict(cache_policy=NO_CACHE, persist_result=False)


@task(name="validate", **STEP)
def validate_task(spec: ModelSpec, root: Path, source: Path | None):
    """The table to train on (built first when the source is a transaction log), validated."""
    table, note = transactions.customer_table(spec, root, source=source)
    return validation.validate_frame(table, spec), note


@task(name="clv-baseline", **STEP)
def clv_baseline_task(spec: ModelSpec, root: Path, source: Path | None, holdout: pd.DataFrame, scores, references=None):
    """BG/NBD with Gamma-Gamma beside CatBoost, for a table built from a transaction log."""
    return clv_baseline.compare_with_baseline(spec, root, holdout, scores, source=source, references=references).to_dict()


@task(name="split", **STEP)
def split_task(frame: pd.DataFrame, spec: ModelSpec) -> splits.Split:
    return splits.split_data(frame, spec)


@task(name="load-champion", retries=2, retry_delay_seconds=2, retry_condition_fn=transient, **STEP)
def champion_task(name: str) -> Champion:
    return load_champion(name)


@task(name="score-champion", **STEP)
def champion_scores_task(spec: ModelSpec, champion: Champion, holdout: pd.DataFrame, labels: dict | None):
    return champion_comparison.champion_scores(spec, champion, holdout, labels)


@task(name="tune", **STEP)
def tune_task(spec, split, features, categorical, *, storage, study_name, experiment_id, run_id, champion_params, on_first_trial):
    return tuning.tune(
        spec, split.train, split.valid, features, categorical,
        storage=storage, study_name=study_name, experiment_id=experiment_id,
        parent_run_id=run_id, champion_params=champion_params, on_first_trial=on_first_trial,
    )


@task(name="refit", **STEP)
def refit_task(spec, candidate, split, features, categorical):
    return tuning.refit(spec, candidate, pd.concat([split.train, split.valid]), features, categorical)


@task(name="decide", **STEP)
def decide_task(spec: ModelSpec, candidate, split: splits.Split, features, categorical):
    """The threshold the spec's decision policy implies, fitted on validation rows scored by
    the tuned parameters trained without them; None for regression."""
    if spec.task != "binary":
        return None
    valid = policy.validation_scores(spec, candidate.params, candidate.iterations, split.train, split.valid, features, categorical)
    return policy.fit_threshold(spec.decision, *valid), valid


@task(name="evaluate", **STEP)
def evaluate_task(spec: ModelSpec, model, champion: Champion, holdout: pd.DataFrame, scored, salt: str, threshold: float) -> Evaluation:
    scores, note = scored
    return champion_comparison.evaluate(spec, model, holdout, champion, scores, note, salt, threshold)


@task(name="baseline", **STEP)
def baseline_task(spec: ModelSpec, split: splits.Split, features, categorical) -> baselines.Baseline:
    """A simple model on the same rows, so the tuned one has to show it earns its complexity."""
    return baselines.score_baseline(spec, split, features, categorical)


@task(name="compare-baseline", **STEP)
def compare_baseline_task(spec: ModelSpec, baseline: baselines.Baseline, holdout: pd.DataFrame, challenger_scores) -> baselines.Baseline:
    return baselines.compared(baseline, spec, holdout[spec.data.target], challenger_scores, champion_comparison.compare)


@task(name="explain", **STEP)
def explain_task(spec: ModelSpec, model, champion: Champion, holdout: pd.DataFrame) -> explanations.Explanations:
    return explanations.explain(holdout, {"challenger": model, "champion": champion.model}, spec.fairness.sensitive_features, seed=spec.split.seed)


@task(name="curves", **STEP)
def curves_task(spec: ModelSpec, holdout: pd.DataFrame, evaluation: Evaluation, baseline: baselines.Baseline) -> dict:
    """The compact ROC, calibration, decile and residual tables the card's pictures are drawn from."""
    scores = {"challenger": evaluation.challenger_scores, "champion": evaluation.champion_scores, "baseline": baseline.scores}
    groups = {f: holdout[f] for f in spec.fairness.sensitive_features if f in holdout}
    return curves.curve_evidence(spec.task, holdout[spec.data.target].to_numpy(dtype=float), scores, groups, seed=spec.split.seed)


@task(name="leakage", **STEP)
def leakage_task(spec: ModelSpec, split: splits.Split, features, categorical, model, comparison):
    return leakage.assess_leakage(spec, pd.concat([split.train, split.valid]), features, categorical, model, comparison, holdout=split.holdout)


@task(name="fairness", **STEP)
def fairness_task(spec: ModelSpec, model, split: splits.Split, scores, threshold: float):
    """Per-group metrics of the challenger's decisions and, when the spec asks, of mitigated candidates."""
    report = fairness_checks.assess_scores(spec, split.holdout, scores, threshold=threshold)
    if report is None or not spec.fairness.mitigation or spec.task != "binary":
        return report, None
    return report, mitigation.mitigated_candidate(spec, model, split, threshold)


@task(name="representation", **STEP)
def representation_task(spec: ModelSpec, split: splits.Split, latest: pd.DataFrame | None):
    """Each group's share of the training rows beside its share of the latest data."""
    return representation.representation(spec, pd.concat([split.train, split.valid]), latest)


@task(name="drift", **STEP)
def drift_task(spec, split, features, categorical, recent: pd.DataFrame | None, out_dir: Path) -> drift_checks.DriftSummary:
    """Training rows against the most recent data the model will meet, when there is any."""
    reference = pd.concat([split.train, split.valid])
    if recent is not None:
        current, label = recent, "recent data supplied with --recent"
    elif split.strategy == "time":
        current, label = split.holdout, "the holdout, the latest period"
    else:
        return drift_checks.not_measured(
            "the split is random and no --recent data was given, so the holdout is a sample of the training period "
            "and there is nothing later to compare with"
        )
    summary = drift_checks.assess_drift(
        reference[features], current[features], columns=features, out_dir=out_dir,
        categorical=categorical, title=f"{spec.name}: training data vs {label}",
        **drift_checks.method_options(spec.gates.drift),
    )
    summary.current_label = label
    return summary


@task(name="gates", **STEP)
def gates_task(spec, evaluation, champion, fairness, drift, leaks, baseline, built=None) -> gates.GateReport:
    return gates.evaluate_gates(
        spec, metrics=evaluation.metrics, intervals=evaluation.intervals, comparison=evaluation.comparison,
        champion_version=champion.version, champion_note=evaluation.note, fairness=fairness, drift=drift,
        leakage=leakage.leakage_gates(spec, leaks), baselines=baselines.gate_evidence(baseline, built),
    )


@task(name="register", **STEP)
def register_task(spec, model, holdout_features, scores, run_id, record, staging, settings) -> registration.Registered:
    model_uri, model_id = registration.log_model(model, holdout_features, run_id, scores)
    return registration.register(
        name=spec.name, model_uri=model_uri, model_id=model_id, run_id=run_id, record=record, staging=staging,
        cards_root=settings.cards_dir, audit=AuditLog(settings.database_url), actor=registry.logged_in_user() or getpass.getuser(),
    )


@contextmanager
def _timed(timings: dict, step: str):
    start = time.perf_counter()
    yield
    timings[step] = round(time.perf_counter() - start, 2)


@flow(name="champion-challenger", log_prints=False, validate_parameters=False)
def champion_challenger(
    model: str, data: str | None = None, recent: str | None = None, trials: int | None = None, provenance: str | None = None,
) -> dict:
    """Train a challenger for ``model``, judge it against the champion and register it.

    ``provenance`` says how ``data`` was assembled (e.g. by monitoring's retraining
    rule); the record and card state it.
    """
    settings = load_settings()
    spec = load_spec(model, settings.models_dir)
    if trials is not None:
        spec = spec.model_copy(update={"tuning": spec.tuning.model_copy(update={"trials": trials})})
    source = Path(data) if data else spec.source_path(settings.root)
    timings: dict[str, float] = {}
    with _timed(timings, "validate"):
        frame, built = validate_task(spec, settings.root, Path(data) if data else None)
    labels = frame.attrs.get("labels")
    recent_frame = None
    if recent:
        recent_frame = validation.validate_frame(validation.load_table(Path(recent)), spec, require_target=False)
    features = validation.feature_columns(frame.columns, spec)
    categorical = validation.categorical_columns(frame, features)
    split = split_task(frame, spec)
    salt = id_salt(spec.name)
    with _timed(timings, "champion"):
        champion = champion_task(spec.name)
        scored = champion_scores_task(spec, champion, split.holdout, labels)

    given = "given with --data" if data else "the spec's data source"
    data = evidence.data_section(frame, source, features, categorical, provenance or (built.summary() if built else given), built)
    latest = recent_frame if recent_frame is not None else (split.holdout if split.strategy == "time" else None)
    with registration.challenger_run(settings, spec.name) as run, Beside(timings) as beside:
        run_id, staging = run.run_id, run.staging

        def gather_beside_tuning() -> None:
            """Evidence that needs no tuned model, gathered while the trials run (from the
            first trial's start, so it does not delay it; again after, in case none ran)."""
            beside.start("baseline", baseline_task, spec, split, features, categorical)
            beside.start("drift", drift_task, spec, split, features, categorical, recent_frame, staging)
            beside.start("representation", representation_task, spec, split, latest)

        study_name = f"{spec.name}-{data.digest[:12]}-{evidence.spec_digest(spec)[:8]}"
        with _timed(timings, "tune"):
            candidate = tune_task(
                spec, split, features, categorical, storage=settings.database_url, study_name=study_name,
                experiment_id=run.experiment_id, run_id=run_id, champion_params=champion.params, on_first_trial=gather_beside_tuning,
            )
        gather_beside_tuning()
        beside.start("decide", decide_task, spec, candidate, split, features, categorical)
        with _timed(timings, "refit"):
            fitted = refit_task(spec, candidate, split, features, categorical)
        decided = beside.result("decide")
        threshold = decided[0] if decided else LEGACY_THRESHOLD
        with _timed(timings, "evaluate"):
            evaluation = evaluate_task(spec, fitted, champion, split.holdout, scored, salt, threshold)
        decision = policy.decision_evidence(spec, threshold, decided[1], split.holdout, evaluation.challenger_scores) if decided else None
        beside.start("explain", explain_task, spec, fitted, champion, split.holdout)
        beside.start("fairness", fairness_task, spec, fitted, split, evaluation.challenger_scores, threshold)
        with _timed(timings, "leakage"):
            leaks = leakage_task(spec, split, features, categorical, fitted, evaluation.comparison)
        with _timed(timings, "compare-baseline"):
            baseline = compare_baseline_task(spec, beside.result("baseline"), split.holdout, evaluation.challenger_scores)
            built_baseline = (
                clv_baseline_task(spec, settings.root, source, split.holdout, evaluation.challenger_scores, baseline.scores_by_kind) if built else None
            )
            drawn = curves_task(spec, split.holdout, evaluation, baseline)
        explained = beside.result("explain")
        fairness, mitigated = beside.result("fairness")
        represented = beside.result("representation")
        drift = beside.result("drift")
        verdict = gates_task(spec, evaluation, champion, fairness, drift, leaks, baseline, built_baseline)

        trained = evidence.Trained(data=data, split=split, candidate=candidate, refit_iterations=int(fitted.tree_count_), labels=labels, decision=decision)
        judged = evidence.Judged(
            evaluation=evaluation, champion=champion, leakage=leaks, fairness=fairness, drift=drift, verdict=verdict, mitigation=mitigated,
            representation=represented, baseline=baseline, clv_baseline=built_baseline, curves=drawn, explanations=explained,
        )
        lineage = {"git_commit": evidence.git_commit(settings.root), "flow_run": str(flow_run.get_id() or "none"), "mlflow_run": run_id,
                   "experiment": spec.name, "tracking_uri": settings.tracking_uri}
        record = evidence.build_record(spec, trained, judged, evidence.RunContext(timings=timings, salt=salt, lineage=lineage))
        evidence.write_evidence(record, split, staging, salt)
        registration.log_summary(run_id, record)
        with _timed(timings, "register"):
            result = register_task(spec, fitted, split.holdout[list(fitted.feature_names_)], evaluation.challenger_scores, run_id, record, staging, settings)
    return evidence.summary(record, version=result.version, card=result.card_dir / "card.md", run_id=run_id)
