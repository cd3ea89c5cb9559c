"""The prediction log on this machine's PostgreSQL: re-runs add nothing twice, outcomes upsert."""

from __future__ import annotations

import uuid
from datetime import date

import pandas as pd
import pytest

from govern.stores.predictions import PredictionLog
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.postgres

@pytest.fixture
def model(postgres_rows):
    _, cleanup = postgres_rows
    name = f"live-test-{uuid.uuid4().hex}"
    for table in ("govern_predictions", "govern_outcomes"):
        cleanup(table, name)
    return name


def _rows(name: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "model": name, "batch_id": "2026-08-01", "customer_id": [f"C{i}" for i in range(n)], "role": "champion", "version": "1",
        "score": 0.5, "decision": 1, "arm": "treatment", "as_of": date(2026, 8, 1), "scored_at": "t", "reasons": "a=1 (+0.10)",
    })


def test_postgres_prediction_log_is_idempotent(model):
    log = PredictionLog(POSTGRES_URL)
    assert log.add_predictions(_rows(model, 12000)) == 12000
    assert log.add_predictions(_rows(model, 12500)) == 500
    assert len(log.predictions(model)) == 12500
    outcome = pd.DataFrame({"model": model, "batch_id": "2026-08-01", "customer_id": ["C1"], "outcome": [1.0],
                            "outcome_date": [date(2026, 8, 5)], "matured": [False]})
    log.put_outcomes(outcome)
    log.put_outcomes(outcome.assign(outcome_date=date(2026, 9, 2), matured=True))
    stored = log.outcomes(model)
    assert len(stored) == 1 and bool(stored["matured"].iloc[0])
    frame = log.live_frame(model)
    assert len(frame) == 12500 and frame["outcome"].notna().sum() == 1
    log.close()
