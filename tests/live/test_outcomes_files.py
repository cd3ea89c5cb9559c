"""Outcome ingestion on the Parquet log (joined by DuckDB on disk) gives the SQL log's
results: the same counts, the same stored outcomes, re-runs and maturing included."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from govern.live import outcomes
from govern.spec.model import load_spec
from govern.stores.prediction_files import ParquetPredictionLog
from govern.stores.predictions import PredictionLog
from tests.conftest import REPO

START = date(2026, 8, 1)


@pytest.fixture
def spec():
    return load_spec("retention", REPO / "models")


def _predictions(days: int = 3, rows: int = 400) -> pd.DataFrame:
    parts = []
    for k in range(days):
        day = START + timedelta(days=k)
        ids = [f"C{i}" for i in range(k * 100, k * 100 + rows)]  # customers scored on several days
        for role in ("champion", "challenger"):
            parts.append(pd.DataFrame({"model": "retention", "batch_id": day.isoformat(), "customer_id": ids, "role": role, "version": "1",
                                       "score": 0.3, "decision": 1, "arm": "treatment", "as_of": day, "scored_at": "t", "reasons": None}))
    return pd.concat(parts, ignore_index=True)


def _labels(today: date, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 900
    ids = [f"C{i}" for i in rng.integers(0, 700, n)] + ["stranger", "C0"]
    dates = [START + timedelta(days=int(d)) for d in rng.integers(-2, (today - START).days, n)] + [START, START - timedelta(days=5)]
    frame = pd.DataFrame({"customer_id": ids, "churned": list(rng.integers(0, 2, n)) + [1, 1], "outcome_date": pd.to_datetime(dates)})
    return frame.drop_duplicates(["customer_id", "outcome_date"])


def test_parquet_ingest_is_the_sql_ingest(tmp_path, monkeypatch, spec):
    monkeypatch.setenv("GOVERN_PREDICTION_LOG", "sql")
    logs = {"sql": PredictionLog(f"sqlite:///{tmp_path}/govern.db"), "parquet": ParquetPredictionLog(tmp_path / "log")}
    for log in logs.values():
        log.add_predictions(_predictions())
    for today, seed in ((date(2026, 8, 20), 1), (date(2026, 8, 20), 1), (date(2026, 10, 1), 2), (date(2026, 8, 20), 1)):
        labels = _labels(today, seed)
        results = {k: outcomes.ingest(log, spec, labels).to_dict() for k, log in logs.items()}
        assert results["parquet"] == results["sql"]
        key = ["batch_id", "customer_id"]
        a, b = (log.outcomes("retention").sort_values(key).reset_index(drop=True) for log in (logs["parquet"], logs["sql"]))
        pd.testing.assert_frame_equal(a, b)
    assert results["sql"]["unknown_ids"] >= 1 and results["sql"]["before_prediction"] >= 1 and results["sql"]["unchanged"] > 0


def test_a_labels_file_is_checked_and_ingested_by_chunks(tmp_path, monkeypatch, spec):
    monkeypatch.setattr(outcomes, "LABEL_CHUNK_ROWS", 100)
    whole, chunked = ParquetPredictionLog(tmp_path / "a"), ParquetPredictionLog(tmp_path / "b")
    for log in (whole, chunked):
        log.add_predictions(_predictions())
    labels = _labels(date(2026, 10, 1), 3)
    path = tmp_path / "labels.parquet"
    labels.to_parquet(path, index=False, row_group_size=100)
    assert outcomes.ingest_file(chunked, spec, path) == outcomes.ingest(whole, spec, labels)
    conflict = pd.concat([labels, labels.iloc[[5]].assign(churned=1 - labels["churned"].iloc[5])])
    conflict.to_parquet(path, index=False, row_group_size=100)
    with pytest.raises(Exception, match="conflicting outcomes"):
        outcomes.ingest_file(chunked, spec, path)
