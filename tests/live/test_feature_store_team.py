"""A team's online stores, for real: a scored batch published to Feast's PostgreSQL and Redis
online stores on this machine is read back by customer id, control customers not
actionable, and a second batch replaces the first.  Skips, saying why, where the service or
the Feast environment is absent."""

from __future__ import annotations

import socket
import uuid
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govern.live import serving
from govern.live.scoring import _SCHEMA
from govern.stores import feature_store
from tests.conftest import postgres_admin_or_skip

pytestmark = [pytest.mark.integration, pytest.mark.postgres,
              pytest.mark.skipif(feature_store.feast_python() is None, reason="no Feast environment (.venv-feast): run make install")]

CUSTOMERS = [f"c{i}" for i in range(6)]
ARMS = ["control", "treatment", "treatment", "control", "treatment", "treatment"]


@pytest.fixture
def postgres_store():
    import sqlalchemy

    engine = postgres_admin_or_skip()
    name = f"govern_feast_{uuid.uuid4().hex[:8]}"
    with engine.connect() as con:
        con.execute(sqlalchemy.text(f'create database "{name}"'))
    yield f"postgresql://postgres@127.0.0.1:5432/{name}?sslmode=disable"
    with engine.connect() as con:
        con.execute(sqlalchemy.text(f'drop database if exists "{name}" with (force)'))


@pytest.fixture
def redis_store():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    except OSError as exc:
        pytest.skip(f"Redis not reachable on 127.0.0.1:6379 ({exc.__class__.__name__})")
    return "redis://127.0.0.1:6379"


def _batch(folder, day: str, scores: list[float]) -> pa.Table:
    rows = len(CUSTOMERS)
    table = pa.table({
        "customer_id": CUSTOMERS, "score": scores, "decision": [int(s >= 0.5) for s in scores], "reasons": [f"tenure={i} (+0.10)" for i in range(rows)],
        "role": ["champion"] * rows, "version": ["3"] * rows, "batch_id": [day] * rows, "as_of": [date.fromisoformat(day)] * rows,
        "scored_at": [f"{day}T06:00:00+00:00"] * rows, "arm": ARMS, "policy": ["risk:team v3"] * rows,
    }, schema=_SCHEMA)
    path = folder / f"all-{day}.parquet"
    pq.write_table(table, path)
    return path


@pytest.mark.parametrize("store", ["postgres_store", "redis_store"])
def test_a_team_online_store_serves_the_latest_batch_by_customer_id(store, request, tmp_path, monkeypatch):
    monkeypatch.setenv("GOVERN_FEAST_ONLINE_STORE", request.getfixturevalue(store))
    model = f"team_{uuid.uuid4().hex[:6]}"  # a view of its own: a shared Redis keeps other runs' keys
    repo = tmp_path / "feature_store"
    source = repo / "data" / feature_store.view_name(model)
    source.mkdir(parents=True)
    for day, scores in (("2026-09-01", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), ("2026-09-02", [0.9, 0.8, 0.1, 0.7, 0.6, 0.2])):
        batch_file = source / f"{day}.parquet"
        written = serving.write_source(_batch(tmp_path, day, scores), batch_file)
        answer = feature_store.publish(repo, model, batch_file, day)
        assert answer["online"] is True and written["rows"] == len(CUSTOMERS)
    found = {row["customer_id"]: row for row in feature_store.online_features(repo, model, [*CUSTOMERS, "nobody"])}
    assert [found[c]["score"] for c in CUSTOMERS] == pytest.approx([0.9, 0.8, 0.1, 0.7, 0.6, 0.2])
    assert {found[c]["as_of"] for c in CUSTOMERS} == {"2026-09-02"}
    assert [found[c]["actionable"] for c in CUSTOMERS] == [False, True, False, False, True, False]  # control c0, c3 never
    assert found["nobody"]["score"] is None
