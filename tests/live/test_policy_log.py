"""The prediction log records which policy and version decided each row, on the SQL and
the Parquet log; logs and rows from before the column read it as missing."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from govern.stores.prediction_files import ParquetPredictionLog
from govern.stores.predictions import PredictionLog


def _rows(policy: str | None, start: int, n: int) -> pd.DataFrame:
    frame = pd.DataFrame({"model": "m", "batch_id": f"b{start}", "customer_id": [f"C{i}" for i in range(start, start + n)], "role": "champion",
                          "version": "3", "score": 0.5, "decision": 1, "arm": "uplift", "as_of": date(2026, 8, 1 + start // 100), "scored_at": "t",
                          "reasons": None})
    return frame if policy is None else frame.assign(policy=policy)


@pytest.mark.parametrize("kind", ["sql", "parquet"])
def test_the_log_keeps_each_rows_policy(tmp_path, monkeypatch, kind):
    monkeypatch.setenv("GOVERN_PREDICTION_LOG", kind)
    log = PredictionLog(f"sqlite:///{tmp_path}/govern.db")
    assert isinstance(log, ParquetPredictionLog) == (kind == "parquet")
    assert log.add_predictions(_rows(None, 0, 5)) == 5  # a writer that knows nothing of policies
    assert log.add_predictions(_rows("incremental_value:m-uplift v2", 100, 5)) == 5
    got = log.predictions("m").sort_values("customer_id")
    assert got["policy"].isna().sum() == 5 and set(got["policy"].dropna()) == {"incremental_value:m-uplift v2"}
    log.close()


def test_a_sql_log_made_before_the_column_gains_it_on_open(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVERN_PREDICTION_LOG", "sql")
    url = f"sqlite:///{tmp_path}/old.db"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE govern_predictions (model VARCHAR(255), batch_id VARCHAR(64), customer_id VARCHAR(255), role VARCHAR(16),"
                             " version VARCHAR(64) NOT NULL, score FLOAT NOT NULL, decision INTEGER NOT NULL, arm VARCHAR(16) NOT NULL,"
                             " as_of DATE NOT NULL, scored_at VARCHAR(40) NOT NULL, reasons TEXT,"
                             " PRIMARY KEY (model, batch_id, customer_id, role))"))
        conn.execute(sa.text("INSERT INTO govern_predictions VALUES ('m', 'b0', 'C0', 'champion', '1', 0.5, 1, 'treatment', '2026-08-01', 't', NULL)"))
    engine.dispose()
    log = PredictionLog(url)
    assert log.add_predictions(_rows("risk:m v3", 100, 2)) == 2
    got = log.predictions("m").set_index("customer_id")["policy"]
    assert got.isna()["C0"] and got["C100"] == "risk:m v3"
    log.close()


def test_parquet_files_written_before_the_column_read_it_as_missing(tmp_path, monkeypatch):
    import pyarrow as pa

    from govern.stores import prediction_files

    monkeypatch.setenv("GOVERN_PREDICTION_LOG", "parquet")
    log = PredictionLog(f"sqlite:///{tmp_path}/govern.db")
    old = pa.schema([f for f in prediction_files.PREDICTION_SCHEMA if f.name != "policy"])
    table = pa.Table.from_pandas(_rows(None, 0, 3)[old.names], schema=old, preserve_index=False)
    prediction_files._write(table, log.root / "predictions" / "model=m" / "as_of=2026-08-01", "b0")
    assert log.add_predictions(_rows("risk:m v3", 100, 2)) == 2
    got = log.predictions("m").set_index("customer_id")["policy"]
    assert got.isna().sum() == 3 and (got.dropna() == "risk:m v3").all() and len(got) == 5
    log.close()
