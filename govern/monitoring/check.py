"""Monitoring: is the champion still looking at the data it was judged on, and still good on it?

The champion's training rows (``evidence/reference.parquet``) are compared with new
data by the drift gate that judged it.  Where the new data has labels, the champion is
also judged on it as at training: the spec's metric floors and ceilings, a maximum drop
of the primary metric from its holdout value, its fairness gates, and (binary tasks) the
shift of the positive rate from the training rows.  Without labels those checks are
``not_measured``: shown, never passed.  Every check is a :class:`GateResult`, so the
words match the training gates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from pydantic import ValidationError

from govern.checks.drift import assess as drift_checks
from govern.checks.fairness import assess as fairness_checks
from govern.core.errors import GovernError
from govern.data import validation
from govern.evidence.decision import threshold_of
from govern.evidence.fairness import FairnessReport
from govern.evidence.io import first_problem
from govern.evidence.monitoring import BaseRate, MetricRow, MonitoringOutcome
from govern.evidence.record import Record, read_record_file
from govern.evidence.verdict import FAILED, NOT_MEASURED, PASSED, GateResult
from govern.gates import rules as gates
from govern.spec.model import GatesSpec, ModelSpec
from govern.stats.evaluation import bootstrap_interval, holdout_metrics
from govern.stores import registry
from govern.stores.audit.events import MONITORED
from govern.stores.audit.log import AuditLog
from govern.training import tuning

NO_LABELS = "the new data has no labels"


@dataclass
class Reference:
    """The champion as monitoring needs it, every part read for one version number."""

    version: str
    run_id: str
    frame: pd.DataFrame
    model: object
    record: Record | None = None

    def holdout_value(self, metric: str) -> float | None:
        return self.record.metrics.challenger.get(metric) if self.record is not None else None

    def holdout_interval(self, metric: str) -> tuple[float, float] | None:
        return self.record.metrics.intervals.get(metric) if self.record is not None else None

    @property
    def threshold(self) -> float:
        """The score at or above which the champion acts (its recorded decision policy)."""
        return self.record.threshold if self.record is not None else threshold_of(None)

    @property
    def train_positive_rate(self) -> float | None:
        return self.record.split.train.positive_rate if self.record is not None else None


def judged_by_record(spec: ModelSpec, reference: Reference) -> ModelSpec:
    """The spec with the champion's recorded gates and decision policy in place of the
    spec file's: a champion is monitored by the rules it was judged and approved under,
    so editing or moving ``models/<name>.yaml`` neither loosens nor tightens them."""
    record = reference.record
    if record is None or record.spec.gates is None:
        raise GovernError(f"champion v{reference.version} of {spec.name} has no recorded rules to monitor it by")
    try:
        gates = GatesSpec.model_validate(record.spec.gates)
    except ValidationError as exc:
        raise GovernError(f"champion v{reference.version} of {spec.name}: its recorded gates do not read ({first_problem(exc)})") from None
    return spec.model_copy(update={"gates": gates})


def require_champion(name: str) -> str:
    version = registry.alias_version(name, registry.CHAMPION)
    if version is None:
        raise GovernError(f"{name} has no champion to monitor")
    return version


def _evidence(run_id: str, name: str) -> Path | None:
    try:
        return Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=f"{registry.EVIDENCE_DIR}/{name}"))
    except (MlflowException, OSError):
        return None


def champion_reference(name: str) -> Reference:
    """The alias is read once; model, reference rows and record are loaded by that version."""
    version = require_champion(name)
    mv = registry.get_version(name, version)
    try:
        model = mlflow.catboost.load_model(f"models:/{name}/{version}")
    except (MlflowException, OSError) as exc:
        raise GovernError(f"champion v{version} of {name} could not be loaded ({exc.__class__.__name__})") from None
    frame_path = _evidence(mv.run_id, "reference.parquet")
    if frame_path is None:
        raise GovernError(f"champion v{version} of {name} has no reference data in its evidence")
    record_path = _evidence(mv.run_id, "record.json")
    record = read_record_file(record_path) if record_path else None
    return Reference(version=version, run_id=mv.run_id, frame=pd.read_parquet(frame_path), model=model, record=record)


def metric_drop_check(spec: ModelSpec, champion_value: float | None, current_value: float) -> GateResult | None:
    """The primary metric's loss against the champion's holdout; a rise of a
    lower-is-better metric (rmse, log_loss) is a loss."""
    limit = spec.monitoring.max_metric_drop
    if limit is None:
        return None
    metric = spec.primary_metric
    name, bound = f"{metric} drop from champion holdout", f"drop <= {limit:g}"
    if champion_value is None:
        return GateResult(name, "metric_drop", FAILED, None, bound, f"the champion's record holds no holdout {metric} to compare with")
    drop = champion_value - current_value if spec.higher_is_better else current_value - champion_value
    ok = drop <= limit
    reason = (f"{metric} {current_value:.4g} on new data vs {champion_value:.4g} on the champion's holdout: "
              f"drop {drop:+.4g} {'within' if ok else 'beyond'} {limit:g}")
    return GateResult(name, "metric_drop", PASSED if ok else FAILED, drop, bound, reason)


def base_rate_check(spec: ModelSpec, rate: BaseRate | None) -> GateResult | None:
    """Binary tasks: a moved positive rate means the population or the labels changed."""
    limit = spec.monitoring.max_base_rate_shift
    if spec.task != "binary" or limit is None or rate is None:
        return None
    name, bound = "base-rate shift", f"absolute shift <= {limit:.1%}"
    if rate.shift is None:
        return GateResult(name, "base_rate", FAILED, None, bound, "the champion's record holds no training positive rate")
    ok = abs(rate.shift) <= limit
    reason = f"positive rate {rate.current:.1%} on new data vs {rate.training:.1%} in training rows: shift {rate.shift:+.1%}"
    return GateResult(name, "base_rate", PASSED if ok else FAILED, abs(rate.shift), bound, reason)


def label_checks(spec: ModelSpec, metrics: dict, champion_value: float | None, rate: BaseRate | None, fairness: FairnessReport | None) -> list[GateResult]:
    """Every check that needs labels, judged on the champion's scores of the new data."""
    results = gates.metric_gates(spec, metrics)
    results += [r for r in (metric_drop_check(spec, champion_value, metrics[spec.primary_metric]), base_rate_check(spec, rate)) if r]
    return results + gates.fairness_gates(spec, fairness)


def unmeasured_checks(spec: ModelSpec) -> list[GateResult]:
    """The label checks the spec declares, each visibly not measured."""
    declared = gates.metric_gates(spec, {})
    if spec.monitoring.max_metric_drop is not None:
        declared.append(GateResult(f"{spec.primary_metric} drop from champion holdout", "metric_drop", FAILED, None,
                                   f"drop <= {spec.monitoring.max_metric_drop:g}", ""))
    if spec.task == "binary" and spec.monitoring.max_base_rate_shift is not None:
        declared.append(GateResult("base-rate shift", "base_rate", FAILED, None, f"absolute shift <= {spec.monitoring.max_base_rate_shift:.1%}", ""))
    declared += gates.fairness_gates(spec, None)
    return [replace(r, status=NOT_MEASURED, observed=None, interval=None, reason=f"not measured: {NO_LABELS}") for r in declared]


def performance_table(spec: ModelSpec, reference: Reference, metrics: dict, interval) -> list[MetricRow]:
    """New-data metrics beside the champion's holdout ones; the primary metric with its
    bootstrap interval (``interval(metric)``: from the rows, or from streamed counts)."""
    rows = []
    for metric, value in metrics.items():
        current = interval(metric) if metric == spec.primary_metric else None
        rows.append(MetricRow(metric=metric, current=value, champion_holdout=reference.holdout_value(metric), current_interval=current,
                              champion_interval=reference.holdout_interval(metric) if metric == spec.primary_metric else None))
    return rows


def check(spec: ModelSpec, reference: Reference, current: pd.DataFrame, out_dir: Path) -> MonitoringOutcome:
    features = list(reference.model.feature_names_)
    missing = [c for c in features if c not in current.columns]
    if missing:
        raise GovernError(f"current data lacks the champion's features: {', '.join(missing)}")
    summary = drift_checks.assess_drift(
        reference.frame[features], current[features], columns=features, out_dir=out_dir,
        categorical=validation.categorical_columns(reference.frame, features),
        title=f"{spec.name} v{reference.version}: reference vs new data", **drift_checks.method_options(spec.gates.drift),
    )
    drift_results = gates.drift_gates(spec, summary)
    gate = spec.gates.drift
    findings = gates.drift_gate_findings(summary, max_drifted_share=gate.max_drifted_share, must_not_drift=gate.must_not_drift) if gate else []
    outcome = MonitoringOutcome(
        model=spec.name, champion=reference.version, rows=int(len(current)), labelled=False,
        drift=summary,
        drift_gate=drift_results[0].status if drift_results else "not_gated", findings=findings, checks=drift_results,
        primary_metric=spec.primary_metric, retrain_data=spec.monitoring.retrain_data,
    )
    target = spec.data.target
    if target not in current.columns or not current[target].notna().all():
        outcome.checks = drift_results + unmeasured_checks(spec)
        return outcome
    scores = tuning.predict(spec, reference.model, current)
    y = current[target].to_numpy()
    metrics = holdout_metrics(spec.task, y, scores, reference.threshold)
    rate = BaseRate(training=reference.train_positive_rate, current=float(y.mean())) if spec.task == "binary" else None
    fairness = fairness_checks.assess_scores(spec, current, scores, threshold=reference.threshold)
    outcome.labelled, outcome.performance, outcome.fairness, outcome.base_rate = True, metrics, fairness, rate
    outcome.performance_table = performance_table(
        spec, reference, metrics, lambda m: bootstrap_interval(spec.task, m, y, scores, threshold=reference.threshold, seed=spec.split.seed))
    outcome.checks = drift_results + label_checks(spec, metrics, reference.holdout_value(spec.primary_metric), rate, fairness)
    return outcome


def record(spec: ModelSpec, reference: Reference, outcome: MonitoringOutcome, out_dir: Path, log: AuditLog, actor: str) -> str:
    """Log the outcome as an MLflow run beside the model's training runs and audit it."""
    experiment = mlflow.get_experiment_by_name(spec.name)
    client = registry.client()
    tags = {"govern.kind": "monitoring", "champion.version": reference.version, "drift.gate": outcome.drift_gate, "monitoring.status": outcome.status}
    run = client.create_run(experiment.experiment_id, run_name=f"monitor-v{reference.version}", tags=tags)
    if outcome.drift.drifted_share is not None:
        client.log_metric(run.info.run_id, "drifted_share", outcome.drift.drifted_share)
    client.log_metric(run.info.run_id, "checks_failed", float(len(outcome.failures)))
    for name, value in (outcome.performance or {}).items():
        if value == value:
            client.log_metric(run.info.run_id, f"current_{name}", float(value))
    if outcome.base_rate is not None:
        client.log_metric(run.info.run_id, "current_positive_rate", outcome.base_rate.current)
    client.log_artifacts(run.info.run_id, str(out_dir), "monitoring")
    client.set_terminated(run.info.run_id, "FINISHED")
    log.append(spec.name, MONITORED, actor=actor, version=reference.version, details={
        "status": outcome.status, "failures": outcome.failures, "checks": len(outcome.checks),
        "failed_gates": [c.gate for c in outcome.verdict.failures], "not_measured": [c.gate for c in outcome.not_measured],
        "drift_gate": outcome.drift_gate, "drifted_share": outcome.drift.drifted_share,
        "drifted_columns": outcome.drift.drifted_columns, "findings": outcome.findings,
        "performance": outcome.performance, "reports": str(out_dir), "run_id": run.info.run_id,
    })
    return run.info.run_id
