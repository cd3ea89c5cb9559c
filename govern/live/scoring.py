"""Daily scoring: the champion acts, the challenger watches, the control group waits.

Every row is scored by the champion; when a ``challenger`` exists it scores the same
rows silently.  A salted hash of the id puts each customer in the treatment or the
control arm (:mod:`govern.live.assignment`).  Out come, per batch,
``mlruns/scores/<model>/<batch>/all.parquet`` (every score of both models, with its
arm) and ``audience.parquet`` (the champion's positive decisions in the treatment arm:
the customers downstream systems act on; the control group is never in it), plus a
row per score in the prediction log.  Files stream in chunks, so memory stays bounded
by the chunk size; the batch's files appear only when the whole batch is scored.
Where the recorded decision policy is ``incremental_value`` and ``<model>-uplift`` has a
champion, the treatment arm is acted on by the uplift model's predicted reduction x value
- cost; with the spec's named ``arms`` each arm gets its own policy (risk: the champion's,
uplift: incremental value, control: none); ``policy`` names the policy and version that
decided each row.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from mlflow.exceptions import MlflowException

from govern.core.errors import DataValidationError, GovernError
from govern.data.load_checks import model_inputs
from govern.data.validation import MISSING_CATEGORY
from govern.evidence.decision import LEGACY_THRESHOLD, threshold_of
from govern.live import assignment, reasons
from govern.live.ids import check_input_file
from govern.spec.decision import DecisionPolicy
from govern.spec.model import ModelSpec
from govern.stores import registry
from govern.stores.predictions import CHALLENGER_ROLE, CHAMPION_ROLE, PredictionLog

CHUNK_ROWS = 100_000
OUTPUT_COLUMNS = ["customer_id", "score", "decision", "reasons", "role", "version", "batch_id", "as_of", "scored_at", "arm", "policy"]
UPLIFT_SUFFIX = "-uplift"


@dataclass
class LiveModels:
    """The champion and (if any) the challenger, each loaded by the version its alias named once."""

    champion_version: str
    champion: object
    challenger_version: str | None = None
    challenger: object | None = None
    champion_threshold: float = LEGACY_THRESHOLD
    challenger_threshold: float = LEGACY_THRESHOLD
    uplift_version: str | None = None
    uplift: object | None = None
    incremental: DecisionPolicy | None = None  # the champion's recorded incremental_value policy, if that is its kind

    def roles(self) -> list[tuple[str, str, object, float]]:
        """Role, version, model and the threshold its recorded decision policy acts at."""
        pairs = [(CHAMPION_ROLE, self.champion_version, self.champion, self.champion_threshold)]
        if self.challenger is not None:
            pairs.append((CHALLENGER_ROLE, self.challenger_version, self.challenger, self.challenger_threshold))
        return pairs


def version_threshold(name: str, version: str) -> float:
    """The threshold a version's recorded decision policy acts at (read from its record,
    never from the spec file, which may have changed since)."""
    record = registry.read_record(name, version)
    return record.threshold if record is not None else threshold_of(None)


def version_policy(name: str, version: str) -> DecisionPolicy | None:
    """The decision policy a version recorded, if it recorded one."""
    record = registry.read_record(name, version)
    declared = getattr(record.spec, "decision", None) if record is not None else None
    return DecisionPolicy.model_validate(declared) if isinstance(declared, dict) else None


def _load(name: str, version: str):
    try:
        return mlflow.catboost.load_model(f"models:/{name}/{version}")
    except (MlflowException, OSError) as exc:
        raise GovernError(f"{name} v{version} could not be loaded ({exc.__class__.__name__})") from None


def load_models(name: str) -> LiveModels:
    champion = registry.alias_version(name, registry.CHAMPION)
    if champion is None:
        raise GovernError(f"{name} has no champion to score with: promote a version first")
    challenger = registry.alias_version(name, registry.CHALLENGER)
    uplift_name = name + UPLIFT_SUFFIX
    uplift = registry.alias_version(uplift_name, registry.CHAMPION) if registry.registered(uplift_name) else None
    policy = version_policy(name, champion)
    return LiveModels(champion, _load(name, champion), challenger, _load(name, challenger) if challenger else None,
                      champion_threshold=version_threshold(name, champion),
                      challenger_threshold=version_threshold(name, challenger) if challenger else LEGACY_THRESHOLD,
                      uplift_version=uplift, uplift=_load(uplift_name, uplift) if uplift else None,
                      incremental=policy if policy is not None and policy.kind == "incremental_value" else None)


def required_columns(spec: ModelSpec, models: LiveModels) -> list[str]:
    needed = [spec.data.id_column]
    for model in [m for _, _, m, _ in models.roles()] + ([models.uplift] if models.uplift is not None else []):
        needed += [f for f in model.feature_names_ if f not in needed]
    return needed


def _chunks(path: Path, columns: list[str], chunk_rows: int) -> Iterator[pd.DataFrame]:
    if path.suffix.lower() == ".csv":
        yield from pd.read_csv(path, usecols=columns, chunksize=chunk_rows)
        return
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows, columns=columns):
        yield batch.to_pandas()


def check_input(spec: ModelSpec, models: LiveModels, path: Path) -> int:
    """Columns present, ids present and unique, before anything is written; returns the row count."""
    names, rows = check_input_file(Path(path), spec.data.id_column)
    check_columns(spec, models, Path(path), names)
    return rows


def check_columns(spec: ModelSpec, models: LiveModels, path: Path, names: list[str]) -> None:
    missing = [c for c in required_columns(spec, models) if c not in names]
    if missing:
        raise DataValidationError(f"{path.name} lacks columns the models need: {', '.join(missing)}")


def _prepare(frame: pd.DataFrame, model) -> pd.DataFrame:
    out = frame.copy()
    for i in model.get_cat_feature_indices():
        column = model.feature_names_[i]
        values = out[column].astype(object)
        out[column] = values.where(values.notna(), MISSING_CATEGORY).astype(str)
    return out


def _incremental(spec: ModelSpec, models: LiveModels, share: float) -> DecisionPolicy:
    """The incremental-value rule for ``share`` of a batch: the recorded one, else the
    experiment's economics; its capacity per batch shared out by rows."""
    exp = spec.experiment
    rule = models.incremental or DecisionPolicy(kind="incremental_value", value_per_outcome_prevented=exp.value_per_saved_customer,
                                                offer_cost=exp.offer_cost, capacity=exp.capacity)
    return rule.model_copy(update={"capacity": max(1, round(rule.capacity * share))}) if rule.capacity else rule


def _champion_decisions(spec: ModelSpec, models: LiveModels, frame: pd.DataFrame, arms: np.ndarray, decision: np.ndarray,
                        share: float) -> tuple[np.ndarray, np.ndarray]:
    """Each row's decision and the policy that made it: the risk threshold, or incremental
    value from the uplift champion in the uplift arm (named arms) or in both arms (an
    ``incremental_value`` policy: control keeps the decision it would have had)."""
    policy = np.full(len(arms), f"risk:{spec.name} v{models.champion_version}", dtype=object)
    named = dict(spec.experiment.arms or {})
    if models.uplift is None or ("uplift" not in named if named else models.incremental is None):
        return decision, policy
    ready = _prepare(frame, models.uplift)
    reduction = np.asarray(models.uplift.predict(ready[list(models.uplift.feature_names_)]), float)
    if named:
        groups = [(arms == "uplift", named["uplift"])]
    else:
        groups = [(arms == a, spec.experiment.control_share if a == assignment.CONTROL else 1 - spec.experiment.control_share)
                  for a in (assignment.CONTROL, assignment.TREATMENT)]
    decision = decision.copy()
    for mask, arm_share in groups:
        decision[mask] = _incremental(spec, models, share * arm_share).incremental_decisions(reduction[mask])
        policy[mask] = f"incremental_value:{spec.name}{UPLIFT_SUFFIX} v{models.uplift_version}"
    return decision, policy


def score_chunk(spec: ModelSpec, models: LiveModels, frame: pd.DataFrame, *, batch_id: str, as_of: date, scored_at: str, k: int = 3,
                share: float = 1.0) -> pd.DataFrame:
    """Both models' rows for one chunk (``share`` of its batch): score, decision, reasons (champion), arm, policy."""
    ids = frame[spec.data.id_column].astype(str).to_numpy()
    arms = assignment.arms_of(ids, spec.experiment)
    parts = []
    for role, version, model, threshold in models.roles():
        ready = _prepare(frame, model)
        score = model.predict_proba(ready[list(model.feature_names_)])[:, 1]
        why = reasons.top_reasons_text(model, ready, k) if role == CHAMPION_ROLE else np.full(len(ids), None, dtype=object)
        decision, policy = (score >= threshold).astype(int), np.full(len(ids), f"risk:{spec.name} v{version}", dtype=object)
        if role == CHAMPION_ROLE:
            decision, policy = _champion_decisions(spec, models, frame, arms, decision, share)
        parts.append(pd.DataFrame({
            "customer_id": ids, "score": score, "decision": decision.astype(int), "reasons": why,
            "role": role, "version": version, "batch_id": batch_id, "as_of": as_of, "scored_at": scored_at, "arm": arms, "policy": policy,
        }))
    return pd.concat(parts, ignore_index=True)[OUTPUT_COLUMNS]


def audience(rows: pd.DataFrame) -> pd.DataFrame:
    """The customers to act on: the champion's positive decisions in every arm but control."""
    mask = (rows["role"] == CHAMPION_ROLE) & (rows["arm"] != assignment.CONTROL) & (rows["decision"] == 1)
    return rows[mask]


@dataclass(frozen=True)
class ScoringResult:
    model: str
    batch_id: str
    as_of: str
    rows: int
    champion: str
    challenger: str | None
    audience: int
    control: int
    logged: int
    folder: str
    balance: dict
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


_SCHEMA = pa.schema([
    ("customer_id", pa.string()), ("score", pa.float64()), ("decision", pa.int64()), ("reasons", pa.string()),
    ("role", pa.string()), ("version", pa.string()), ("batch_id", pa.string()), ("as_of", pa.date32()),
    ("scored_at", pa.string()), ("arm", pa.string()), ("policy", pa.string()),
])


def score_file(spec: ModelSpec, models: LiveModels, path: Path, *, batch_id: str, as_of: date, out_root: Path,
               log: PredictionLog, chunk_rows: int = CHUNK_ROWS) -> ScoringResult:
    """Score ``path`` chunk by chunk into the batch folder and the prediction log."""
    started = datetime.now(UTC)
    if spec.experiment is None:
        raise GovernError(f"{spec.name}: the spec has no experiment section (control_share, salt, outcome window)")
    if spec.task != "binary":
        raise GovernError(f"{spec.name}: live scoring with a control group supports binary tasks only")
    rows = check_input(spec, models, Path(path))
    folder = out_root / spec.name / batch_id
    staging = out_root / spec.name / f".{batch_id}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    scored_at = started.isoformat(timespec="seconds")
    counter = assignment.BalanceCounter([f for f in models.champion.feature_names_], spec.experiment.control_share)
    logged = targeted = 0
    writers = {name: pq.ParquetWriter(staging / f"{name}.parquet", _SCHEMA) for name in ("all", "audience")}
    try:
        for chunk in _chunks(Path(path), required_columns(spec, models), chunk_rows):
            chunk = model_inputs(chunk, spec)
            out = score_chunk(spec, models, chunk, batch_id=batch_id, as_of=as_of, scored_at=scored_at, share=len(chunk) / rows)
            arms = out.loc[out["role"] == CHAMPION_ROLE, "arm"].to_numpy()
            counter.add(_prepare(chunk, models.champion), np.where(arms == assignment.CONTROL, assignment.CONTROL, assignment.TREATMENT))
            act = audience(out)
            targeted += len(act)
            writers["all"].write_table(pa.Table.from_pandas(out, schema=_SCHEMA, preserve_index=False))
            writers["audience"].write_table(pa.Table.from_pandas(act, schema=_SCHEMA, preserve_index=False))
            logged += log.add_predictions(out.assign(model=spec.name), disjoint=True)
    finally:
        for writer in writers.values():
            writer.close()
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    result = counter.result()
    return ScoringResult(
        model=spec.name, batch_id=batch_id, as_of=as_of.isoformat(), rows=rows, champion=models.champion_version,
        challenger=models.challenger_version, audience=targeted, control=result.control, logged=logged, folder=str(folder),
        balance=result.to_dict(), seconds=(datetime.now(UTC) - started).total_seconds(),
    )
