"""The Parquet prediction log: the SQL log's keys and frames, files by model and date."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from govern.stores.prediction_files import ParquetPredictionLog, parquet_root
from govern.stores.predictions import PredictionLog


def _rows(n: int, role: str = "champion", start: int = 0) -> pd.DataFrame:
    return pd.DataFrame({
        "model": "m", "batch_id": "2026-08-01", "customer_id": [f"C{i}" for i in range(start, n)], "role": role,
        "version": "1" if role == "champion" else "2", "score": [i / n for i in range(start, n)], "decision": 1, "arm": "treatment",
        "as_of": date(2026, 8, 1), "scored_at": "t", "reasons": "a=1 (+0.10)" if role == "champion" else None,
    })


def _fill(log: PredictionLog) -> None:
    assert log.add_predictions(_rows(1200)) == 1200
    assert log.add_predictions(_rows(1250)) == 50  # a re-run adds only what is new
    assert log.add_predictions(_rows(1250, "challenger"), disjoint=True) == 1250
    outcome = pd.DataFrame({"model": "m", "batch_id": "2026-08-01", "customer_id": ["C1", "C2"], "outcome": [1.0, 0.0],
                            "outcome_date": [date(2026, 8, 5)] * 2, "matured": [False, False]})
    log.put_outcomes(outcome)
    log.put_outcomes(outcome.iloc[:1].assign(outcome_date=date(2026, 9, 2), matured=True))


@pytest.mark.parametrize("choice", ["parquet", "sql"])
def test_the_log_kind_follows_the_url_and_the_setting(tmp_path, monkeypatch, choice):
    monkeypatch.setenv("GOVERN_PREDICTION_LOG", choice)
    log = PredictionLog(f"sqlite:///{tmp_path}/govern.db")
    assert isinstance(log, ParquetPredictionLog) == (choice == "parquet")
    assert parquet_root("postgresql+psycopg://u@h/db") is None and parquet_root(f"sqlite:///{tmp_path}/g.db") == tmp_path / "predictions"
    log.close()


def test_parquet_log_gives_the_sql_logs_frames(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVERN_PREDICTION_LOG", "sql")
    sql = PredictionLog(f"sqlite:///{tmp_path}/govern.db")
    files = ParquetPredictionLog(tmp_path / "log")
    for log in (sql, files):
        _fill(log)
    key = ["batch_id", "customer_id"]
    for method in ("live_frame", "outcomes"):
        a, b = (getattr(log, method)("m").sort_values(key).reset_index(drop=True) for log in (files, sql))
        pd.testing.assert_frame_equal(a, b)
    a, b = (log.predictions("m", role="champion", columns=["batch_id", "customer_id", "as_of"]).sort_values(key).reset_index(drop=True)
            for log in (files, sql))
    pd.testing.assert_frame_equal(a, b)
    stored = files.outcomes("m").set_index("customer_id")
    assert bool(stored.loc["C1", "matured"]) and not bool(stored.loc["C2", "matured"])  # the later outcome replaced the earlier
    assert sorted(p.parent.name for p in (tmp_path / "log" / "predictions").rglob("*.parquet")) == ["as_of=2026-08-01"] * 3
    sql.close()


def test_an_empty_log_reads_as_empty_frames(tmp_path):
    log = ParquetPredictionLog(tmp_path)
    assert log.live_frame("none").empty and log.outcomes("none").empty and log.predictions("none").empty
