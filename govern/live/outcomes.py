"""Outcomes as they mature, joined to the predictions they judge.

A labels file holds the id, the observed outcome (the spec's target) and the date it
was observed.  Each outcome attaches to every logged prediction of that customer made
on or before its date; it is *matured* once the spec's outcome window has passed
since the prediction (an outcome observed earlier is stored as provisional and
replaced when the matured one arrives).  Ids never scored and outcomes dated before
any prediction of the customer are reported, not stored.  Re-ingesting a file
changes nothing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from govern.core.errors import DataValidationError, GovernError
from govern.spec.model import ModelSpec
from govern.stores.predictions import CHAMPION_ROLE, PredictionLog


@dataclass(frozen=True)
class Ingest:
    model: str
    rows: int
    stored: int
    updated: int
    unchanged: int
    matured: int
    provisional: int
    unknown_ids: int
    before_prediction: int
    examples: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.stored or self.updated)

    def to_dict(self) -> dict:
        return {**asdict(self), "changed": self.changed}


def _as_binary(values: pd.Series, column: str, positive_class) -> pd.Series:
    """0/1 by the spec's positive class (or as given); one class is fine in a delivery of outcomes."""
    if positive_class is not None:
        return (values.astype(str) == str(positive_class)).astype(int)
    if set(pd.unique(values)) <= {0, 1}:
        return values.astype(int)
    raise DataValidationError(f"target '{column}' must be 0/1 or boolean (or the spec must name data.positive_class)")


def read_labels(spec: ModelSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """Id, outcome as 0/1 and date, checked; one line per problem."""
    if spec.experiment is None:
        raise GovernError(f"{spec.name}: the spec has no experiment section")
    id_col, target, date_col = spec.data.id_column, spec.data.target, spec.experiment.outcome_date_column
    missing = [c for c in (id_col, target, date_col) if c not in frame.columns]
    if missing:
        raise DataValidationError(f"labels lack columns {', '.join(missing)} (need {id_col}, {target}, {date_col})")
    if frame.empty:
        raise DataValidationError("labels file is empty")
    if frame[target].isna().any():
        raise DataValidationError(f"target '{target}' has {int(frame[target].isna().sum())} missing values")
    outcome = _as_binary(frame[target], target, spec.data.positive_class)
    dates = pd.to_datetime(frame[date_col], errors="coerce")
    if dates.isna().any():
        raise DataValidationError(f"'{date_col}' has {int(dates.isna().sum())} missing or unreadable dates")
    labels = pd.DataFrame({"customer_id": frame[id_col].astype(str), "outcome": outcome.astype(float), "outcome_date": dates.dt.normalize()})
    duplicated = labels.duplicated(["customer_id", "outcome_date"], keep=False) & ~labels.duplicated(keep=False)
    if duplicated.any():
        raise DataValidationError(f"labels give {int(duplicated.sum())} conflicting outcomes for the same customer and date")
    return labels.drop_duplicates()


def join(spec: ModelSpec, labels: pd.DataFrame, scored: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Outcome rows per prediction, and the labels with unknown ids or dated too early."""
    window = pd.Timedelta(days=spec.experiment.outcome_window_days)
    scored = scored.assign(as_of=pd.to_datetime(scored["as_of"]))
    labels = labels.reset_index(drop=True).rename_axis("label_row").reset_index()
    known = labels["customer_id"].isin(scored["customer_id"])
    merged = labels[known].merge(scored, on="customer_id")
    merged = merged[merged["outcome_date"] >= merged["as_of"]]
    early = known & ~labels["label_row"].isin(merged["label_row"])
    merged = merged.assign(matured=merged["outcome_date"] >= merged["as_of"] + window)
    # One outcome per prediction: a matured one wins over provisional, then the latest.
    merged = merged.sort_values(["matured", "outcome_date"]).drop_duplicates(["batch_id", "customer_id"], keep="last")
    return merged, labels.loc[~known, "customer_id"], labels.loc[early, "customer_id"]


LABEL_CHUNK_ROWS = 250_000


def labels_to_parquet(spec: ModelSpec, path: Path, target: Path) -> int:
    """A labels file checked by :func:`read_labels` chunk by chunk (Parquet row groups
    streamed; a CSV is read whole) into ``target`` (customer_id, outcome, outcome_date),
    so a delivery of any size is checked in bounded memory; returns the rows read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from govern.data import validation

    path = Path(path)
    if path.suffix.lower() not in (".parquet", ".pq"):
        chunks: Iterator[pd.DataFrame] = iter([validation.load_table(path)])
    else:
        if not path.is_file():
            raise DataValidationError(f"data file not found: {path}")
        try:
            names = pq.ParquetFile(path).schema_arrow.names
        except Exception as exc:  # pyarrow raises several unrelated types
            raise DataValidationError(f"cannot read {path}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
        wanted = [c for c in (spec.data.id_column, spec.data.target, spec.experiment.outcome_date_column if spec.experiment else "") if c in names]
        chunks = (b.to_pandas() for b in pq.ParquetFile(path).iter_batches(batch_size=LABEL_CHUNK_ROWS, columns=wanted or None))
    rows, writer = 0, None
    try:
        for chunk in chunks:
            if chunk.empty and rows:
                continue
            labels = read_labels(spec, chunk)
            rows += len(chunk)
            table = pa.Table.from_pandas(labels.assign(outcome_date=labels["outcome_date"].dt.date), preserve_index=False)
            writer = writer or pq.ParquetWriter(target, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    if rows == 0:
        raise DataValidationError("labels file is empty")
    _no_conflicts(target)
    return rows


def _no_conflicts(path: Path) -> None:
    from govern.stores import duck

    with duck.scratch("govern-labels-") as conn:
        rows = conn.execute(f"""SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM (SELECT DISTINCT * FROM read_parquet('{path}'))
            GROUP BY customer_id, outcome_date HAVING count(*) > 1)""").fetchone()[0]
    if rows:
        raise DataValidationError(f"labels give {int(rows)} conflicting outcomes for the same customer and date")


def ingest_file(log: PredictionLog, spec: ModelSpec, path: Path) -> Ingest:
    """:func:`ingest` of a labels file; on the Parquet log neither the file nor the log is held."""
    if not hasattr(log, "ingest_outcomes"):
        from govern.data import validation

        return ingest(log, spec, validation.load_table(Path(path)))
    with tempfile.TemporaryDirectory(prefix="govern-labels-") as folder:
        target = Path(folder) / "labels.parquet"
        labels_to_parquet(spec, path, target)
        return Ingest(model=spec.name, **log.ingest_outcomes(spec.name, str(target), spec.experiment.outcome_window_days))


def ingest(log: PredictionLog, spec: ModelSpec, frame: pd.DataFrame) -> Ingest:
    labels = read_labels(spec, frame)
    if hasattr(log, "ingest_outcomes"):  # the Parquet log joins on disk
        return Ingest(model=spec.name, **log.ingest_outcomes(spec.name, labels, spec.experiment.outcome_window_days))
    scored = log.predictions(spec.name, role=CHAMPION_ROLE, columns=["batch_id", "customer_id", "as_of"])
    rows, unknown, early = join(spec, labels, scored)
    stored = log.outcomes(spec.name)
    if not stored.empty:
        stored["outcome_date"] = pd.to_datetime(stored["outcome_date"])
        stored["matured"] = stored["matured"].astype(bool)
    keyed = (rows.merge(stored, on=["batch_id", "customer_id"], how="left", suffixes=("", "_old"), indicator=True) if not stored.empty
             else rows.assign(_merge="left_only"))
    new = keyed["_merge"] == "left_only"
    if stored.empty:
        same = np.zeros(len(keyed), dtype=bool)
        downgrade = same
    else:
        same = (~new & (keyed["outcome"] == keyed["outcome_old"]) & (keyed["outcome_date"] == keyed["outcome_date_old"])
                & (keyed["matured"] == keyed["matured_old"].astype("boolean").fillna(False))).to_numpy()
        downgrade = (~new & keyed["matured_old"].astype("boolean").fillna(False) & ~keyed["matured"]).to_numpy()
    write = keyed[~same & ~downgrade].assign(model=spec.name)
    log.put_outcomes(write[["model", "batch_id", "customer_id", "outcome", "outcome_date", "matured"]].assign(
        outcome_date=lambda f: f["outcome_date"].dt.date))
    return Ingest(
        model=spec.name, rows=len(labels), stored=int(new.sum()), updated=int(len(write) - new.sum()),
        unchanged=int(same.sum() + downgrade.sum()), matured=int(write["matured"].sum()), provisional=int((~write["matured"]).sum()),
        unknown_ids=int(len(unknown)), before_prediction=int(len(early)),
        examples={"unknown_ids": unknown.head(3).tolist(), "before_prediction": early.head(3).tolist()},
    )
