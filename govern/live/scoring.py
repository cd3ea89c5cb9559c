"""Daily scoring: the champion acts, the challenger watches, the control group waits.

Every row is scored by the champion; when a ``challenger`` exists it scores the same
rows silently.  A salted hash of the id puts each customer in the treatment or the
control arm (:mod:`govern.live.assignment`).  Out come, per batch,
``mlruns/scores/<model>/<batch>/all.parquet`` (every score of both models, with its
arm) and ``audience.parquet`` (the champion's positive decisions in the treatment arm:
the customers downstream systems act on; the control group is never in it), plus a
row per score in the prediction log.  Files stream in chunks, so memory stays bounded
by the chunk size; the batch's files appear only when the whole batch is scored.
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
from govern.live import assignment, reasons
from govern.spec.model import ModelSpec
from govern.live.ids import check_ids
from govern.stores import registry
from govern.stores.predictions import CHALLENGER_ROLE, CHAMPION_ROLE, PredictionLog

CHUNK_ROWS = 100_000
OUTPUT_COLUMNS = ["customer_id", "score", "decision", "reasons", "role", "version", "batch_id", "as_of", "scored_at", "arm"]


@dataclass
class LiveModels:
    """The champion and (if any) the challenger, each loaded by the version its alias named once."""

    champion_version: str
    champion: object
    challenger_version: str | None = None
    challenger: object | None = None

    def roles(self) -> list[tuple[str, str, object]]:
        pairs = [(CHAMPION_ROLE, self.champion_version, self.champion)]
        if self.challenger is not None:
            pairs.append((CHALLENGER_ROLE, self.challenger_version, self.challenger))
        return pairs


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
    return LiveModels(champion, _load(name, champion), challenger, _load(name, challenger) if challenger else None)


def required_columns(spec: ModelSpec, models: LiveModels) -> list[str]:
    needed = [spec.data.id_column]
    for _, _, model in models.roles():
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
    path = Path(path)
    if path.suffix.lower() not in (".parquet", ".pq", ".csv"):
        raise DataValidationError(f"unsupported data file type '{path.suffix or '(none)'}' for {path}: use .parquet or .csv")
    if not path.is_file():
        raise DataValidationError(f"data file not found: {path}")
    try:
        names = list(pd.read_csv(path, nrows=0).columns) if path.suffix.lower() == ".csv" else pq.ParquetFile(path).schema_arrow.names
        missing = [c for c in required_columns(spec, models) if c not in names]
        if missing:
            raise DataValidationError(f"{path.name} lacks columns the models need: {', '.join(missing)}")
        ids = check_ids(path, spec.data.id_column)
    except DataValidationError:
        raise
    except Exception as exc:  # the readers raise many unrelated types
        raise DataValidationError(f"cannot read {path}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    if ids.rows == 0:
        raise DataValidationError(f"{path.name} has no rows to score")
    if ids.missing:
        raise DataValidationError(f"id column '{spec.data.id_column}' has {ids.missing} missing ids")
    if ids.duplicated:
        raise DataValidationError(f"id column '{spec.data.id_column}' has {ids.duplicated} duplicate ids (e.g. {ids.example})")
    return ids.rows


def _prepare(frame: pd.DataFrame, model) -> pd.DataFrame:
    out = frame.copy()
    for i in model.get_cat_feature_indices():
        column = model.feature_names_[i]
        values = out[column].astype(object)
        out[column] = values.where(values.notna(), MISSING_CATEGORY).astype(str)
    return out


def score_chunk(spec: ModelSpec, models: LiveModels, frame: pd.DataFrame, *, batch_id: str, as_of: date, scored_at: str, k: int = 3) -> pd.DataFrame:
    """Both models' rows for one chunk: score, decision, reasons (champion), arm."""
    ids = frame[spec.data.id_column].astype(str).to_numpy()
    arms = assignment.assign(ids, spec.experiment.salt, spec.experiment.control_share)
    parts = []
    for role, version, model in models.roles():
        ready = _prepare(frame, model)
        score = model.predict_proba(ready[list(model.feature_names_)])[:, 1]
        why = reasons.top_reasons_text(model, ready, k) if role == CHAMPION_ROLE else np.full(len(ids), None, dtype=object)
        parts.append(pd.DataFrame({
            "customer_id": ids, "score": score, "decision": (score >= spec.decision_threshold).astype(int), "reasons": why,
            "role": role, "version": version, "batch_id": batch_id, "as_of": as_of, "scored_at": scored_at, "arm": arms,
        }))
    return pd.concat(parts, ignore_index=True)[OUTPUT_COLUMNS]


def audience(rows: pd.DataFrame) -> pd.DataFrame:
    """The customers to act on: the champion's positive decisions in the treatment arm."""
    mask = (rows["role"] == CHAMPION_ROLE) & (rows["arm"] == assignment.TREATMENT) & (rows["decision"] == 1)
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
    ("scored_at", pa.string()), ("arm", pa.string()),
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
            out = score_chunk(spec, models, chunk, batch_id=batch_id, as_of=as_of, scored_at=scored_at)
            champion_rows = out["role"] == CHAMPION_ROLE
            counter.add(_prepare(chunk, models.champion), out.loc[champion_rows, "arm"].to_numpy())
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
