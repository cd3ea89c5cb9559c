"""The prediction log: every live score, and the outcomes joined to it.

On the embedded SQLite database the log is partitioned Parquet beside it
(:mod:`govern.stores.prediction_files`, read with DuckDB: 10M rows a day append and
aggregate in bounded memory); on PostgreSQL (teams) it is the two tables below in the
same database as the audit log (``GOVERN_DATABASE_URL``).  ``GOVERN_PREDICTION_LOG``
chooses: ``sql``, ``parquet`` (beside the SQLite file) or a folder for the Parquet log.  A prediction is keyed by (model, batch, customer, role), so
scoring the same batch again inserts nothing twice; an outcome is keyed by the
prediction it belongs to, so re-ingesting a labels file changes nothing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from govern.core.errors import GovernError
from govern.stores.database import open_engine
from govern.stores.prediction_files import CHALLENGER_ROLE, CHAMPION_ROLE, ParquetPredictionLog, parquet_root

PREDICTIONS, OUTCOMES = "govern_predictions", "govern_outcomes"
INSERT_ROWS = 5000

_metadata = sa.MetaData()
predictions = sa.Table(
    PREDICTIONS,
    _metadata,
    sa.Column("model", sa.String(255), primary_key=True),
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("customer_id", sa.String(255), primary_key=True),
    sa.Column("role", sa.String(16), primary_key=True),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("decision", sa.Integer, nullable=False),
    sa.Column("arm", sa.String(16), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("scored_at", sa.String(40), nullable=False),
    sa.Column("reasons", sa.Text, nullable=True),
    sa.Column("policy", sa.String(128), nullable=True),  # which decision policy and version decided the row
)
outcomes = sa.Table(
    OUTCOMES,
    _metadata,
    sa.Column("model", sa.String(255), primary_key=True),
    sa.Column("batch_id", sa.String(64), primary_key=True),
    sa.Column("customer_id", sa.String(255), primary_key=True),
    sa.Column("outcome", sa.Float, nullable=False),
    sa.Column("outcome_date", sa.Date, nullable=False),
    sa.Column("matured", sa.Boolean, nullable=False),
)
sa.Index("ix_govern_predictions_model_role", predictions.c.model, predictions.c.role)


def _parquet_root(url: str):
    """The Parquet log's folder for this database URL and ``GOVERN_PREDICTION_LOG``, or None for SQL."""
    import os
    from pathlib import Path

    choice = os.environ.get("GOVERN_PREDICTION_LOG", "").strip()
    if choice.lower() == "sql":
        return None
    if choice and choice.lower() != "parquet":
        return Path(choice)
    return parquet_root(url)


class PredictionLog:
    """Predictions and outcomes of live scoring, shared by processes through SQL (or Parquet files)."""

    def __new__(cls, url: str = ""):
        if cls is PredictionLog:
            root = _parquet_root(url)
            if root is not None:
                return ParquetPredictionLog(root)  # not a PredictionLog: Python does not run __init__ on it
        return super().__new__(cls)

    def __init__(self, url: str):
        self.engine, self.url = open_engine(url, "the prediction log")
        self.dialect = self.engine.dialect.name
        if self.dialect not in ("sqlite", "postgresql"):
            raise GovernError(f"the prediction log supports SQLite and PostgreSQL, not {self.dialect}")
        try:
            _metadata.create_all(self.engine, checkfirst=True)
        except OperationalError as exc:
            raise GovernError(f"prediction log at {self.url}: {str(exc.orig or exc).strip().splitlines()[0]}") from None
        except sa.exc.DBAPIError:
            _metadata.create_all(self.engine, checkfirst=True)  # created by another process meanwhile
        if "policy" not in {c["name"] for c in sa.inspect(self.engine).get_columns(PREDICTIONS)}:  # a log made before the column
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.text(f"ALTER TABLE {PREDICTIONS} ADD COLUMN policy VARCHAR(128)"))
            except sa.exc.DBAPIError:  # another process added it meanwhile
                if "policy" not in {c["name"] for c in sa.inspect(self.engine).get_columns(PREDICTIONS)}:
                    raise

    @classmethod
    def from_settings(cls, settings: Any = None) -> PredictionLog:
        from govern.core.settings import load_settings

        return cls((settings or load_settings()).database_url)

    def close(self) -> None:
        self.engine.dispose()

    def _insert(self, table: sa.Table):
        return (sqlite.insert if self.dialect == "sqlite" else postgresql.insert)(table)

    def add_predictions(self, frame: pd.DataFrame, *, disjoint: bool = False) -> int:
        """Insert rows not yet logged; returns how many were new (``disjoint`` is a hint
        the Parquet log uses; the primary key makes it moot here)."""
        columns = [c.name for c in predictions.columns]
        # Counted, not summed from rowcount: drivers report executemany's rowcount differently.
        count = (sa.select(sa.func.count()).select_from(predictions)
                 .where(predictions.c.model.in_(frame["model"].unique().tolist()), predictions.c.batch_id.in_(frame["batch_id"].unique().tolist())))
        # The driver's own executemany over tuples: SQLAlchemy's per-row parameter
        # processing cost five times the insert itself at a million rows.
        mark = "?" if self.dialect == "sqlite" else "%s"
        sql = f"INSERT INTO {PREDICTIONS} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) ON CONFLICT DO NOTHING"
        values = frame.reindex(columns=columns).copy()
        if self.dialect == "sqlite":
            values["as_of"] = pd.to_datetime(values["as_of"]).dt.strftime("%Y-%m-%d")
        values = values.astype(object).where(values.notna(), None)
        with self.engine.begin() as conn:
            before = conn.execute(count).scalar_one()
            cursor = conn.connection.driver_connection.cursor()
            try:
                for start in range(0, len(values), INSERT_ROWS):
                    cursor.executemany(sql, list(values.iloc[start:start + INSERT_ROWS].itertuples(index=False, name=None)))
            finally:
                cursor.close()
            return int(conn.execute(count).scalar_one() - before)

    def predictions(self, model: str, *, role: str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
        cols = [predictions.c[c] for c in columns] if columns else [predictions]
        query = sa.select(*cols).where(predictions.c.model == model)
        if role:
            query = query.where(predictions.c.role == role)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def outcomes(self, model: str) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return pd.read_sql(sa.select(outcomes).where(outcomes.c.model == model), conn)

    def put_outcomes(self, frame: pd.DataFrame) -> None:
        """Write outcome rows, replacing a stored row with the same key (a provisional
        outcome that has since matured)."""
        if frame.empty:
            return
        columns = [c.name for c in outcomes.columns]
        statement = self._insert(outcomes)
        statement = statement.on_conflict_do_update(
            index_elements=["model", "batch_id", "customer_id"],
            set_={c: statement.excluded[c] for c in ("outcome", "outcome_date", "matured")},
        )
        with self.engine.begin() as conn:
            for start in range(0, len(frame), INSERT_ROWS):
                conn.execute(statement, frame.iloc[start:start + INSERT_ROWS][columns].to_dict("records"))

    def live_frame(self, model: str) -> pd.DataFrame:
        """One row per (batch, customer): both models' scores, the arm, and the outcome if any."""
        champ = predictions.alias("champ")
        chall = predictions.alias("chall")
        query = (
            sa.select(
                champ.c.batch_id, champ.c.customer_id, champ.c.as_of, champ.c.arm,
                champ.c.version.label("champion_version"), champ.c.score.label("champion_score"), champ.c.decision,
                chall.c.version.label("challenger_version"), chall.c.score.label("challenger_score"),
                outcomes.c.outcome, outcomes.c.outcome_date, outcomes.c.matured,
            )
            .select_from(champ)
            .outerjoin(chall, sa.and_(chall.c.model == champ.c.model, chall.c.batch_id == champ.c.batch_id,
                                      chall.c.customer_id == champ.c.customer_id, chall.c.role == CHALLENGER_ROLE))
            .outerjoin(outcomes, sa.and_(outcomes.c.model == champ.c.model, outcomes.c.batch_id == champ.c.batch_id,
                                         outcomes.c.customer_id == champ.c.customer_id))
            .where(champ.c.model == model, champ.c.role == CHAMPION_ROLE)
        )
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        frame["as_of"] = pd.to_datetime(frame["as_of"])
        frame["outcome_date"] = pd.to_datetime(frame["outcome_date"])
        frame["matured"] = frame["matured"].astype("boolean")
        return frame
