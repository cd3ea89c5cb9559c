"""The prediction log as Parquet files partitioned by model and date, read with DuckDB.

A month of daily scoring at 10M customers is 300M rows: appended to a SQL table with a
four-column primary key each insert checks an index that no longer fits in memory, and a
report reads the rows back through the driver one Python tuple at a time.  Here a
scoring chunk becomes one Parquet file under
``predictions/model=<name>/as_of=<date>/`` (written whole, then renamed, so a reader
never sees half a file), outcomes one file per ingestion under
``outcomes/model=<name>/``, and every read is a DuckDB query over the model's files
with a memory limit and a spill directory, so memory stays bounded by DuckDB's limit,
not the rows.  The keys are the SQL table's: a prediction is (model, batch, customer,
role), re-logging a batch adds only rows not yet logged; an outcome is (model, batch,
customer), the latest written wins (ingestion never writes a provisional outcome over a
matured one).
"""

from __future__ import annotations

import os
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from govern.stores import duck

PREDICTION_SCHEMA = pa.schema([
    ("model", pa.string()), ("batch_id", pa.string()), ("customer_id", pa.string()), ("role", pa.string()),
    ("version", pa.string()), ("score", pa.float64()), ("decision", pa.int64()), ("arm", pa.string()),
    ("as_of", pa.date32()), ("scored_at", pa.string()), ("reasons", pa.string()), ("policy", pa.string()),
])
OUTCOME_SCHEMA = pa.schema([
    ("model", pa.string()), ("batch_id", pa.string()), ("customer_id", pa.string()), ("outcome", pa.float64()),
    ("outcome_date", pa.date32()), ("matured", pa.bool_()), ("written", pa.int64()),
])
KEY = ("batch_id", "customer_id", "role")
CHAMPION_ROLE, CHALLENGER_ROLE = "champion", "challenger"


def _slug(text: str) -> str:
    return quote(str(text), safe="")


def _write(table: pa.Table, folder: Path, stem: str) -> Path:
    """One file, visible only once complete; names sort in the order they were written."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-{_slug(stem)}-{uuid.uuid4().hex[:8]}.parquet"
    partial = folder / f".{name}.partial"
    pq.write_table(table, partial, compression="zstd")
    os.replace(partial, folder / name)
    return folder / name


class ParquetPredictionLog:
    """The prediction log's interface over a folder of Parquet files (see the module's docstring)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.url = str(self.root)
        self.dialect = "parquet"
        self._known: dict[tuple[str, str], bool] = {}

    def close(self) -> None:
        return None

    def connect(self):
        return duck.connect(self.root / ".spill")

    def _files(self, kind: str, model: str, as_of: str | None = None) -> list[str]:
        folder = self.root / kind / f"model={_slug(model)}"
        if as_of is not None:
            folder = folder / f"as_of={as_of}"
        return sorted(str(p) for p in folder.rglob("*.parquet")) if folder.is_dir() else []

    def _scan(self, files: list[str], schema: pa.Schema) -> str:
        if not files:
            columns = ", ".join(f"NULL::{_duck(f.type)} AS {f.name}" for f in schema)
            return f"(SELECT {columns}, NULL::VARCHAR AS filename, NULL::BIGINT AS file_row_number LIMIT 0)"
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        return f"read_parquet([{listed}], union_by_name=true, filename=true, file_row_number=true)"  # files from before a column was added read it as NULL

    def add_predictions(self, frame: pd.DataFrame, *, disjoint: bool = False) -> int:
        """Write rows not yet logged; returns how many were new.  ``disjoint`` says the
        caller's rows have unique keys none of its earlier rows of the batch had (one
        scoring run, or one of its partitions), so a batch that had no files when this log
        first wrote it is appended without reading it back."""
        written = 0
        for (model, batch, day), part in frame.groupby(["model", "batch_id", "as_of"], sort=False):
            day = pd.Timestamp(day).date().isoformat()
            part = part.drop_duplicates(list(KEY))
            fresh = self._known.setdefault((model, batch), not self._batch_logged(model, batch, day))
            if not (fresh and disjoint):
                part = self._not_logged(part, model, batch, day)
            if len(part):
                table = pa.Table.from_pandas(part.assign(as_of=pd.Timestamp(day).date()).reindex(columns=PREDICTION_SCHEMA.names), schema=PREDICTION_SCHEMA,
                                             preserve_index=False)
                _write(table, self.root / "predictions" / f"model={_slug(model)}" / f"as_of={day}", batch)
            written += len(part)
        return written

    def _batch_logged(self, model: str, batch: str, day: str) -> bool:
        files = self._files("predictions", model, day)
        if not files:
            return False
        with self.connect() as conn:
            return bool(conn.execute(f"SELECT count(*) FROM {self._scan(files, PREDICTION_SCHEMA)} WHERE batch_id = ?", [batch]).fetchone()[0])

    def _not_logged(self, part: pd.DataFrame, model: str, batch: str, day: str) -> pd.DataFrame:
        files = self._files("predictions", model, day)
        if not files:
            return part
        with self.connect() as conn:
            conn.register("incoming", part[list(KEY)].reset_index().rename(columns={"index": "_row"}))
            keep = conn.execute(f"""SELECT _row FROM incoming i WHERE NOT EXISTS (
                SELECT 1 FROM {self._scan(files, PREDICTION_SCHEMA)} p
                WHERE p.batch_id = ? AND p.customer_id = i.customer_id AND p.role = i.role)""", [batch]).fetchnumpy()["_row"]
        return part.loc[sorted(keep)]

    def predictions(self, model: str, *, role: str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
        cols = ", ".join(columns) if columns else ", ".join(PREDICTION_SCHEMA.names)
        where = "WHERE role = ?" if role else ""
        with self.connect() as conn:
            frame = conn.execute(f"SELECT {cols} FROM {self._scan(self._files('predictions', model), PREDICTION_SCHEMA)} {where} "
                                 "ORDER BY filename, file_row_number", [role] if role else []).df()
        if "as_of" in frame:
            frame["as_of"] = frame["as_of"].dt.date
        return frame

    def _latest_outcomes(self, model: str) -> str:
        return (f"(SELECT * EXCLUDE (filename, file_row_number) FROM {self._scan(self._files('outcomes', model), OUTCOME_SCHEMA)} "
                "QUALIFY row_number() OVER (PARTITION BY batch_id, customer_id ORDER BY written DESC, filename DESC, file_row_number DESC) = 1)")

    def outcomes(self, model: str) -> pd.DataFrame:
        with self.connect() as conn:
            frame = conn.execute(f"SELECT * EXCLUDE (written) FROM {self._latest_outcomes(model)}").df()
        frame["outcome_date"] = frame["outcome_date"].dt.date
        return frame

    def put_outcomes(self, frame: pd.DataFrame) -> None:
        """Outcome rows, replacing (by being later) a stored row with the same key."""
        if frame.empty:
            return
        stamp = time.time_ns()
        for model, part in frame.groupby("model", sort=False):
            table = pa.Table.from_pandas(part.assign(written=stamp)[OUTCOME_SCHEMA.names], schema=OUTCOME_SCHEMA, preserve_index=False)
            _write(table, self.root / "outcomes" / f"model={_slug(model)}", "outcomes")

    def ingest_outcomes(self, model: str, labels: str | pd.DataFrame, window_days: int) -> dict:
        """:func:`govern.live.outcomes.ingest`'s join done by DuckDB over the files, so neither
        the logged predictions nor the stored outcomes are held: ``labels`` (checked by
        ``read_labels``: customer_id, outcome, outcome_date; a frame or a Parquet file) attach
        to every champion prediction made on or before their date, matured once the window
        has passed; one outcome per prediction (matured first, then the latest); rows equal to
        the stored ones, and provisional rows over matured ones, are not written."""
        stamp = time.time_ns()
        folder = self.root / "outcomes" / f"model={_slug(model)}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{stamp:020d}-outcomes-{uuid.uuid4().hex[:8]}.parquet"
        with self.connect() as conn:
            if isinstance(labels, pd.DataFrame):
                conn.register("raw_labels", labels[["customer_id", "outcome", "outcome_date"]])
                source = "raw_labels"
            else:
                source = "read_parquet('" + str(labels).replace("'", "''") + "')"
            # Aggregates, not window functions: DuckDB spills a grouping past its memory limit
            # (at 10M labels the window held 190 MiB more and took 2.7x as long).
            conn.execute(f"""CREATE TEMP TABLE labels AS SELECT min(label_row) AS label_row, customer_id, outcome, outcome_date
                FROM (SELECT row_number() OVER () AS label_row, customer_id::VARCHAR AS customer_id, outcome::DOUBLE AS outcome,
                             outcome_date::DATE AS outcome_date FROM {source}) GROUP BY ALL""")
            conn.execute(f"""CREATE TEMP TABLE scored AS SELECT DISTINCT batch_id, customer_id, as_of
                FROM {self._scan(self._files('predictions', model), PREDICTION_SCHEMA)} WHERE role = '{CHAMPION_ROLE}'""")
            conn.execute(f"""CREATE TEMP TABLE pairs AS SELECT l.label_row, s.batch_id, s.customer_id, l.outcome, l.outcome_date,
                       l.outcome_date >= s.as_of + INTERVAL {int(window_days)} DAY AS matured
                FROM labels l JOIN scored s USING (customer_id) WHERE l.outcome_date >= s.as_of""")
            conn.execute("""CREATE TEMP TABLE rows AS SELECT batch_id, customer_id, best.outcome, best.outcome_date, best.matured
                FROM (SELECT batch_id, customer_id, arg_max({outcome: outcome, outcome_date: outcome_date, matured: matured},
                                                            (matured, outcome_date, outcome)) AS best FROM pairs GROUP BY ALL)""")
            conn.execute(f"""CREATE TEMP TABLE keyed AS SELECT r.*, o.batch_id IS NULL AS new,
                    coalesce(o.outcome = r.outcome AND o.outcome_date = r.outcome_date AND o.matured = r.matured, false) AS same,
                    coalesce(o.matured AND NOT r.matured, false) AS downgrade
                FROM rows r LEFT JOIN {self._latest_outcomes(model)} o USING (batch_id, customer_id)""")
            conn.execute(f"""COPY (SELECT '{model.replace("'", "''")}' AS model, batch_id, customer_id, outcome, outcome_date, matured,
                {stamp}::BIGINT AS written FROM keyed WHERE NOT same AND NOT downgrade) TO '{str(target).replace("'", "''")}'
                (FORMAT parquet, COMPRESSION zstd)""")
            counts = conn.execute("""SELECT count(*) FILTER (WHERE new), count(*) FILTER (WHERE NOT new AND NOT same AND NOT downgrade),
                count(*) FILTER (WHERE same OR downgrade), count(*) FILTER (WHERE matured AND NOT same AND NOT downgrade),
                count(*) FILTER (WHERE NOT matured AND NOT same AND NOT downgrade) FROM keyed""").fetchone()
            rows = conn.execute("SELECT count(*) FROM labels").fetchone()[0]
            conn.execute("""CREATE TEMP TABLE unmatched AS SELECT label_row, customer_id,
                    EXISTS (SELECT 1 FROM scored s WHERE s.customer_id = l.customer_id) AS known
                FROM labels l WHERE NOT EXISTS (SELECT 1 FROM pairs p WHERE p.label_row = l.label_row)""")
            found = {}
            for name, known in (("unknown_ids", False), ("before_prediction", True)):
                count = conn.execute(f"SELECT count(*) FROM unmatched WHERE known = {known}").fetchone()[0]
                first = conn.execute(f"SELECT customer_id FROM unmatched WHERE known = {known} ORDER BY label_row LIMIT 3").fetchall()
                found[name] = (int(count), [str(r[0]) for r in first])
        if not pq.ParquetFile(target).metadata.num_rows:
            target.unlink()
        stored, updated, unchanged, matured, provisional = (int(c) for c in counts)
        return {"rows": int(rows), "stored": stored, "updated": updated, "unchanged": unchanged, "matured": matured, "provisional": provisional,
                "unknown_ids": found["unknown_ids"][0], "before_prediction": found["before_prediction"][0],
                "examples": {k: v[1] for k, v in found.items()}}

    def _live_query(self, model: str) -> str:
        scan = self._scan(self._files("predictions", model), PREDICTION_SCHEMA).replace(", filename=true, file_row_number=true", "")
        return f"""
            WITH champ AS (SELECT batch_id, customer_id, as_of, arm, version, score, decision FROM {scan} WHERE role = '{CHAMPION_ROLE}'),
                 chall AS (SELECT batch_id, customer_id, version, score FROM {scan} WHERE role = '{CHALLENGER_ROLE}'),
                 o AS {self._latest_outcomes(model)}
            SELECT champ.batch_id, champ.customer_id, champ.as_of, champ.arm,
                   champ.version AS champion_version, champ.score AS champion_score, champ.decision,
                   chall.version AS challenger_version, chall.score AS challenger_score,
                   o.outcome, o.outcome_date, o.matured
            FROM champ
            LEFT JOIN chall ON chall.batch_id = champ.batch_id AND chall.customer_id = champ.customer_id
            LEFT JOIN o ON o.batch_id = champ.batch_id AND o.customer_id = champ.customer_id"""

    @contextmanager
    def live_view(self, model: str):
        """A DuckDB connection holding the live frame as the view ``live`` (not read yet), for
        reductions that should not bring 30M rows into pandas (:mod:`govern.live.report_data`)."""
        with self.connect() as conn:
            conn.execute(f"CREATE TEMP VIEW live AS {self._live_query(model)}")
            yield conn

    def live_frame(self, model: str) -> pd.DataFrame:
        """One row per (batch, customer), as the SQL log's: both models' scores, the arm, the
        outcome if any; in the order of the batches' dates, then ids (so a seeded resampling
        sees the same rows in the same order every time)."""
        with self.live_view(model) as conn:
            frame = conn.sql("SELECT * FROM live ORDER BY as_of, batch_id, customer_id").to_arrow_table().to_pandas()
        frame["as_of"] = pd.to_datetime(frame["as_of"]).astype("datetime64[s]")
        frame["outcome_date"] = pd.to_datetime(frame["outcome_date"]).astype("datetime64[s]")
        frame["matured"] = frame["matured"].astype("boolean")
        return frame


def _duck(kind: pa.DataType) -> str:
    return {pa.string(): "VARCHAR", pa.float64(): "DOUBLE", pa.int64(): "BIGINT", pa.date32(): "DATE", pa.bool_(): "BOOLEAN"}[kind]


def parquet_root(url: str) -> Path | None:
    """Where the embedded database's Parquet log lives (beside its SQLite file), or None for a server."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix or ":memory:" in url:
        return None
    return Path(url[len(prefix):]).parent / "predictions"

