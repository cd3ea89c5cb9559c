"""The audit chain's locks on this machine's PostgreSQL: a decision does not hold the
lock appends take, and nobody waits for a lock longer than its timeout."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from govern.core.errors import GovernError
from govern.stores.audit.events import GATES, MONITORED
from govern.stores.audit.locks import lock_key
from govern.stores.audit.log import TABLE_NAME, AuditLog
from tests.conftest import POSTGRES_URL
from tests.stores.test_audit_postgres import postgres_model  # noqa: F401 -- fixture

pytestmark = pytest.mark.postgres


def test_an_append_does_not_wait_for_a_decision_in_progress(postgres_model):  # noqa: F811
    """The server appends while a promoter holds its decision (and waits on the server)."""
    model = postgres_model
    with AuditLog(POSTGRES_URL) as promoter, AuditLog(POSTGRES_URL) as server:
        with promoter.exclusive(model):
            began = time.monotonic()
            server.append(model, "server.refused", actor="ana", details={"request": "SetRegisteredModelAlias"})
            waited = time.monotonic() - began
            assert [e.action for e in promoter.events(model)] == ["server.refused"]  # committed, visible to all
        assert waited < 2.0, f"the append waited {waited:.1f} s for a decision"
        assert server.verify(model) == []


def test_an_append_waits_for_a_stuck_holder_at_most_its_timeout(postgres_model):  # noqa: F811
    model = postgres_model
    engine = sa.create_engine(POSTGRES_URL)
    with engine.connect() as stuck, stuck.begin(), AuditLog(POSTGRES_URL, lock_timeout=1.0) as log:
        stuck.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key(TABLE_NAME, model))))
        began = time.monotonic()
        with pytest.raises(GovernError, match=f"the audit log of '{model}' stayed locked for 1 s \\(another writer is appending\\); try again"):
            log.append(model, MONITORED, actor="server")
        assert time.monotonic() - began < 5.0
    engine.dispose()
    with AuditLog(POSTGRES_URL) as log:
        assert log.events(model) == []
        log.append(model, GATES, actor="flow", version=1, details={"status": "passed"})  # free again
        assert log.verify(model) == []


def test_two_decisions_still_run_one_after_the_other(postgres_model):  # noqa: F811
    model = postgres_model
    seen: list[tuple[int, int]] = []

    def decide(index: int) -> None:
        with AuditLog(POSTGRES_URL) as audit, audit.exclusive(model):
            head = audit.head(model)
            time.sleep(0.1)
            event = audit.append(model, MONITORED, actor=f"t{index}", details={"after": head.seq if head else 0})
            seen.append((head.seq if head else 0, event.seq))

    workers = [threading.Thread(target=decide, args=(i,)) for i in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(seen) == [(0, 1), (1, 2), (2, 3)]
