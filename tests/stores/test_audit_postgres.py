"""The audit chain on the PostgreSQL of this machine: same guarantees, real server."""

from __future__ import annotations

import threading
import uuid

import pytest

from govern.stores.audit.champion import champion_findings
from govern.stores.audit.events import MONITORED
from govern.stores.audit.log import AuditLog
from tests.audit_story import promote_story, raw_sql
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.postgres

@pytest.fixture
def postgres_model(postgres_rows):
    _, cleanup = postgres_rows
    model = f"audit-test-{uuid.uuid4().hex}"
    cleanup("govern_audit", model)
    return model


def test_postgres_append_and_verify(postgres_model):
    model = postgres_model
    with AuditLog(POSTGRES_URL) as log:
        promote_story(log, model)
        events = log.events(model)
        assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
        assert log.verify(model) == []
        assert log.head(model) == events[-1]
        assert model in log.models()
        assert champion_findings(events, "2") == []

        raw_sql(POSTGRES_URL, "update govern_audit set details = '{}' where model = :m and seq = 6", m=model)
        assert log.verify(model) == ["event 6 (promote v2) was edited: hash does not match its content"]


def test_postgres_concurrent_threads(postgres_model):
    model = postgres_model
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            with AuditLog(POSTGRES_URL) as audit:
                # Half the writers skip the advisory lock, as on a server without one,
                # so losing the race for a seq number and retrying is exercised too.
                audit._postgres = bool(index % 2)
                for n in range(5):
                    audit.append(model, MONITORED, actor=f"t{index}", details={"n": n})
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    with AuditLog(POSTGRES_URL) as log:
        assert [e.seq for e in log.events(model)] == list(range(1, 31))
        assert log.verify(model) == []
