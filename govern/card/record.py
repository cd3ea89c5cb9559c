"""The evidence record of one challenger: everything its card and an auditor read.

Built once from the flow's results, written as ``record.json`` beside the model, and
the single source for the run's params and metrics, the card and the CLI summary.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from govern.card import frameworks
from govern.card.against import challenger_comparisons
from govern.checks.leakage import LeakageReport
from govern.data.overlap import TRAINING_IDS_FILE, hash_ids, salt_fingerprint, write_id_hashes
from govern.data.splits import Split
from govern.evidence import io as evidence_io
from govern.evidence.decision import Decision
from govern.evidence.drift import DriftSummary
from govern.evidence.evaluation import Evaluation
from govern.evidence.fairness import FairnessReport
from govern.evidence.io import finite_or_none
from govern.evidence.mitigation import MitigationResult
from govern.evidence.record import (
    ChampionSection,
    DataSection,
    FairnessEvidence,
    Metrics,
    OverlapSection,
    Period,
    Record,
    RuleChangesSection,
    SplitSection,
    Tuning,
)
from govern.evidence.verdict import GateReport
from govern.gates.changes import decision_changes, describe_changes, gates_digest
from govern.mitigation.candidates import judge_mitigated
from govern.spec.model import ModelSpec
from govern.stores.champion import Champion
from govern.training.baseline import Baseline
from govern.training.explanations import Explanations
from govern.training.tuning import Candidate


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def spec_digest(spec: ModelSpec) -> str:
    return hashlib.sha256(json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def git_commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


SOFTWARE = ("catboost", "mlflow", "optuna", "fairlearn", "evidently", "scikit-learn", "prefect")


def software_versions() -> dict[str, str]:
    """The versions that trained and judged this challenger, for the card."""
    versions = {"python": platform.python_version()}
    for name in SOFTWARE:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _period(frame: pd.DataFrame, spec: ModelSpec) -> Period:
    part = Period(rows=len(frame))
    if spec.data.time_column and spec.data.time_column in frame:
        part.start = str(frame[spec.data.time_column].min().date())
        part.end = str(frame[spec.data.time_column].max().date())
    mean = float(frame[spec.data.target].mean())
    return part.model_copy(update={"positive_rate" if spec.task == "binary" else "target_mean": finite_or_none(mean)})


def data_section(frame: pd.DataFrame, source: Path, features: list[str], categorical: list[str], provenance: str, built=None) -> DataSection:
    """What the challenger learnt from: the file and its digest, the columns and their
    types, and how the table came to be (built from a transaction log, given, retrained on)."""
    return DataSection(
        source=str(source), rows=int(len(frame)), digest=file_digest(source), features=features, categorical=categorical,
        types={c: str(frame[c].dtype) for c in features}, provenance=provenance, build=built.to_dict() if built else None,
    )


@dataclass(frozen=True)
class Trained:
    """What the training steps produced: the rows, the split, the search and the policy."""

    data: DataSection
    split: Split
    candidate: Candidate
    refit_iterations: int | None = None
    labels: dict | None = None
    decision: Decision | None = None


@dataclass(frozen=True)
class Judged:
    """The evidence the challenger was judged on, and the verdict of its gates."""

    evaluation: Evaluation
    champion: Champion
    leakage: LeakageReport
    fairness: FairnessReport | None
    drift: DriftSummary
    verdict: GateReport
    mitigation: list[MitigationResult] | None = None
    representation: dict | None = None
    baseline: Baseline | None = None
    clv_baseline: dict | None = None
    curves: dict | None = None
    explanations: Explanations | None = None


@dataclass(frozen=True)
class RunContext:
    """Where and how the run happened: step timings, the id salt and the lineage."""

    timings: dict[str, float]
    salt: str
    lineage: dict = field(default_factory=dict)


def build_record(spec: ModelSpec, trained: Trained, judged: Judged, run: RunContext) -> Record:
    """The record of one challenger; ``version`` is filled in at registration."""
    data, split, candidate, decision = trained.data, trained.split, trained.candidate, trained.decision
    evaluation, champion, fairness, drift, mitigation = judged.evaluation, judged.champion, judged.fairness, judged.drift, judged.mitigation
    baseline, explanations = judged.baseline, judged.explanations
    comparison = evaluation.comparison
    gates_spec = spec.gates.model_dump(mode="json")
    champion_gates = champion.record.spec.gates if champion.record is not None else None
    return Record(
        model=spec.name,
        task=spec.task,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        spec=spec.model_dump(mode="json"),
        spec_digest=spec_digest(spec),
        gates_digest=gates_digest(gates_spec),
        rule_changes=RuleChangesSection(
            against=champion.version,
            changes=(describe_changes(champion_gates, gates_spec) + decision_changes(champion.record.spec.model_dump(), spec.model_dump(mode="json"))
                     if champion.version and champion.record is not None and champion_gates is not None else []),
            note="" if champion.version is None or champion_gates is not None else f"champion v{champion.version} recorded no gates",
        ),
        data=data,
        labels=trained.labels,
        decision=decision,
        split=SplitSection(strategy=split.strategy, train=_period(split.train, spec), valid=_period(split.valid, spec), holdout=_period(split.holdout, spec),
                           detail=split.description),
        tuning=Tuning(study=candidate.study_name, trials=candidate.trials, pruned=candidate.pruned, params=candidate.params, iterations=candidate.iterations,
                      refit_iterations=trained.refit_iterations, seconds=candidate.seconds, best_validation=candidate.value),
        metrics=Metrics(challenger=evaluation.metrics, intervals=evaluation.intervals, champion=evaluation.champion_metrics,
                        champion_intervals=evaluation.champion_intervals),
        champion=ChampionSection(version=champion.version, comparison=comparison, note=evaluation.note),
        baseline=baseline.to_dict() if baseline is not None else None,
        clv_baseline=judged.clv_baseline,
        curves=judged.curves,
        explanations=explanations.to_dict() if explanations is not None else None,
        software=software_versions(),
        overlap=OverlapSection(salt=salt_fingerprint(run.salt), champion=evaluation.overlap),
        leakage=judged.leakage.to_dict(),
        fairness=fairness,
        representation=judged.representation,
        mitigation=(judge_mitigated(spec, mitigation, evaluation.metrics, fairness, drift, challenger_comparisons(spec, trained, judged))
                    if mitigation else None),
        drift=drift,
        gates=judged.verdict,
        timings=run.timings,
        lineage=run.lineage,
        crosswalk=frameworks.crosswalk(spec.card.frameworks) if spec.card.frameworks else None,
    )


def write_evidence(record: Record, split: Split, staging: Path, salt: str) -> None:
    """The data files the decision rests on: the holdout both models were scored on, the
    training rows monitoring compares against (and their hashed ids, for the next
    version's overlap), and the fairness report."""
    data, features = record.spec.data, record.data.features
    holdout_columns = [data["id_column"], *features, data["target"]]
    split.holdout[holdout_columns].to_parquet(staging / "holdout.parquet", index=False)
    training = pd.concat([split.train, split.valid])
    training[features].to_parquet(staging / "reference.parquet", index=False)
    write_id_hashes(hash_ids(training[data["id_column"]], salt), staging / TRAINING_IDS_FILE)
    if record.fairness is not None:
        evidence_io.write_evidence(staging / "fairness.json", FairnessEvidence(challenger=record.fairness, mitigated=record.mitigation))


def run_params(record: Record) -> dict[str, str]:
    """What the challenger's MLflow run shows as params; ``cb.*`` are read back as the
    champion's parameters when it is enqueued in the next study."""
    params = {f"cb.{k}": str(v) for k, v in record.tuning.params.items()}
    params.update({
        "iterations": str(record.tuning.iterations),
        "optuna_study": record.tuning.study,
        "data_digest": record.data.digest,
        "spec_digest": record.spec_digest,
        "champion_version": str(record.champion.version),
    })
    return params


def run_metrics(record: Record) -> dict[str, float]:
    """What the run shows as metrics: holdout scores of both models, the difference, drift."""
    metrics = {f"holdout_{k}": v for k, v in record.metrics.challenger.items()}
    metrics.update({f"champion_{k}": v for k, v in (record.metrics.champion or {}).items()})
    comparison = record.champion.comparison
    if comparison:
        metrics.update({"delta_vs_champion": comparison.delta, "delta_lower": comparison.lower, "delta_upper": comparison.upper})
    against_baseline = record.baseline.comparison if record.baseline else None
    if against_baseline:
        metrics.update({"delta_vs_baseline": against_baseline.delta, "delta_vs_baseline_lower": against_baseline.lower})
    metrics["drifted_share"] = record.drift.drifted_share if record.drift else None
    return {k: float(v) for k, v in metrics.items() if finite_or_none(v) is not None}


def decision_line(decision: Decision | None) -> str | None:
    """The fitted policy in one line: whom it acts on, on the holdout, with its interval."""
    if decision is None:
        return None
    share = f"{decision.holdout_share:.1%}" if decision.holdout_share is not None else "not measured"
    spread = f" [{decision.holdout_interval[0]:.1%}, {decision.holdout_interval[1]:.1%}]" if decision.holdout_interval else ""
    line = f"{decision.policy}: threshold {decision.threshold:.4g}, flags {share}{spread} of the holdout"
    return line + (f" ({decision.note})" if decision.note else "")


def summary(record: Record, *, version: str, card: Path, run_id: str) -> dict:
    """The flow's return value, for the CLI and the demo."""
    gates = record.gates
    primary = record.spec.primary_metric
    return {
        "model": record.model,
        "version": version,
        "gates": gates.status.value,
        "failures": [g.line() for g in gates.failures],
        "warnings": [g.line() for g in gates.warnings],
        "needs_acknowledgement": gates.needs_acknowledgement,
        "rule_changes": record.rule_changes.changes if record.rule_changes else [],
        "overlap": record.overlap.champion.share if record.overlap and record.overlap.champion else None,
        "champion": record.champion.version,
        "primary_metric": primary,
        "holdout": record.metrics.challenger[primary],
        "decision": decision_line(record.decision),
        "comparison": record.champion.comparison.to_dict() if record.champion.comparison else None,
        "card": str(card),
        "run_id": run_id,
        "trials": record.tuning.trials,
        "pruned": record.tuning.pruned,
        "drifted_share": record.drift.drifted_share if record.drift else None,
        "mitigation": [c.line() for c in record.mitigation or []],
        "timings": record.timings,
        "fairness_gates": [
            f"{g.gate} {g.observed:.3f} ({g.status}" + (f"; detectable >= {g.mde:.2g})" if g.mde is not None else ")")
            for g in gates.results if g.kind == "fairness" and g.observed is not None
        ],
    }
