"""The audit chain must catch edits and deletions and never fork under concurrent writers."""

from __future__ import annotations

import multiprocessing
import threading

import pytest
import sqlalchemy as sa

from govern.core.errors import GovernError
from govern.stores.audit.events import APPROVED, GATES, GENESIS_HASH, MONITORED, PROMOTED, AuditEvent, canonical_json
from govern.stores.audit.log import AuditLog
from tests.audit_story import promote_story, raw_sql


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'nested' / 'govern.db'}"


@pytest.fixture
def log(url):
    with AuditLog(url) as audit:
        yield audit


# -- appending and reading ------------------------------------------------------------


def test_append_and_read_back(log, url, tmp_path):
    assert (tmp_path / "nested" / "govern.db").exists()
    assert log.events("credit") == [] and log.head("credit") is None and log.verify("credit") == []

    first = log.append("credit", GATES, actor="flow", version=3, details={"status": "passed", "n": 1})
    second = log.append("credit", APPROVED, actor="alice", version="v3")

    assert (first.seq, first.prev_hash, first.version) == (1, GENESIS_HASH, "3")
    assert (second.seq, second.prev_hash, second.version, second.details) == (2, first.hash, "3", {})
    assert first.hash == first.compute_hash() and len(first.hash) == 64
    assert first.recorded_at.endswith("+00:00")
    assert log.events("credit") == [first, second]
    assert log.head("credit") == second
    assert log.models() == ["credit"]

    # A second handle on the same database sees the same chain and extends it.
    with AuditLog(url) as other:
        third = other.append("credit", PROMOTED, actor="alice", version=3)
    assert third.seq == 3 and third.prev_hash == second.hash
    assert log.verify("credit") == []

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("select details from govern_audit where seq = 1")).scalar_one()
    engine.dispose()
    assert stored == '{"n":1,"status":"passed"}'


def test_details_are_stored_canonically_and_hash_is_reproducible(log):
    import numpy as np

    details = {"b": [1, np.float64(2.5), np.int64(3)], "a": {"z": None, "y": "é"}}
    event = log.append("m", MONITORED, actor="flow", details=details)
    assert canonical_json(event.details) == '{"a":{"y":"\\u00e9","z":null},"b":[1,2.5,3]}'
    assert type(event.details["b"][1]) is float
    rebuilt = AuditEvent(**{**event.as_dict(), "hash": ""})
    assert rebuilt.compute_hash() == event.hash
    assert event.label == "event 1 (monitoring)"
    assert log.verify("m") == []


def test_append_rejects_bad_input(log):
    with pytest.raises(GovernError, match="non-empty actor"):
        log.append("credit", GATES, actor="  ")
    with pytest.raises(GovernError, match="non-empty model"):
        log.append("", GATES, actor="flow")
    with pytest.raises(GovernError, match="mapping"):
        log.append("credit", GATES, actor="flow", details=["passed"])  # type: ignore[arg-type]
    assert log.events("credit") == []


def test_bad_url_is_a_one_line_error():
    with pytest.raises(GovernError, match="SQLAlchemy database URL"):
        AuditLog("not a url")


# -- tampering ------------------------------------------------------------------------


def test_verify_passes_on_intact_chain(log):
    promote_story(log)
    assert log.verify("credit") == []
    assert [e.seq for e in log.events("credit")] == [1, 2, 3, 4, 5, 6]


def test_editing_details_is_caught_and_names_the_event(log, url):
    promote_story(log)
    raw_sql(url, "update govern_audit set details = :d where model = 'credit' and seq = 6", d='{"from":"9"}')

    assert log.verify("credit") == ["event 6 (promote v2) was edited: hash does not match its content"]


def test_editing_actor_or_version_is_caught(log, url):
    promote_story(log)
    raw_sql(url, "update govern_audit set actor = 'mallory' where model = 'credit' and seq = 2")
    raw_sql(url, "update govern_audit set version = '7' where model = 'credit' and seq = 4")

    assert log.verify("credit") == [
        "event 2 (approve v1) was edited: hash does not match its content",
        "event 4 (gates v7) was edited: hash does not match its content",
    ]


def test_unreadable_details_are_reported_not_raised(log, url):
    promote_story(log)
    raw_sql(url, "update govern_audit set details = '{broken' where model = 'credit' and seq = 1")

    assert log.verify("credit") == ["event 1 (gates v1) was edited: its details are not valid JSON"]
    assert len(log.events("credit")) == 6


def test_deleting_a_middle_event_is_caught(log, url):
    promote_story(log)
    raw_sql(url, "delete from govern_audit where model = 'credit' and seq = 3")

    assert log.verify("credit") == ["event 3 is missing before event 4 (gates v2): deleted from the log"]


def test_deleting_the_first_events_is_caught(log, url):
    promote_story(log)
    raw_sql(url, "delete from govern_audit where model = 'credit' and seq in (1, 2)")

    assert log.verify("credit") == ["events 1 to 2 are missing before event 3 (promote v1): deleted from the log"]


def test_resealed_edit_breaks_the_link_to_the_next_event(log, url):
    promote_story(log)
    target = log.events("credit")[1]
    forged = AuditEvent(**{**target.as_dict(), "actor": "mallory", "hash": ""})
    raw_sql(
        url,
        "update govern_audit set actor = :a, hash = :h where model = 'credit' and seq = 2",
        a="mallory",
        h=forged.compute_hash(),
    )

    assert log.verify("credit") == [
        "event 3 (promote v1) does not link to event 2 (approve v1): prev_hash differs, "
        "so an earlier event was replaced"
    ]


def test_chains_of_two_models_are_independent(log, url):
    promote_story(log, "credit")
    promote_story(log, "churn")
    log.append("churn", MONITORED, actor="flow", version=2, details={"drift": False})

    credit, churn = log.events("credit"), log.events("churn")
    assert [e.seq for e in churn] == [1, 2, 3, 4, 5, 6, 7]
    assert credit[0].prev_hash == churn[0].prev_hash == GENESIS_HASH
    assert credit[0].hash != churn[0].hash
    assert log.models() == ["churn", "credit"]

    raw_sql(url, "delete from govern_audit where model = 'churn' and seq = 2")
    assert log.verify("credit") == []
    assert log.verify("churn") != []

    # Moving an event into another model's chain is an edit, too.
    raw_sql(url, "update govern_audit set model = 'other' where model = 'credit' and seq = 6")
    assert log.verify("credit") == []  # the tail is gone, which only the registry reveals
    assert log.verify("other") == [
        "events 1 to 5 are missing before event 6 (promote v2): deleted from the log",
        "event 6 (promote v2) was edited: hash does not match its content",
    ]


# -- concurrency ----------------------------------------------------------------------


def test_concurrent_threads_never_fork_the_chain(log, url):
    per_thread, threads = 10, 8
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            # Half the threads share one handle, half open their own.
            audit = log if index % 2 else AuditLog(url)
            for n in range(per_thread):
                audit.append("credit", MONITORED, actor=f"t{index}", details={"n": n})
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    events = log.events("credit")
    assert [e.seq for e in events] == list(range(1, per_thread * threads + 1))
    assert log.verify("credit") == []


def _append_from_process(url: str, model: str, actor: str, count: int) -> None:
    with AuditLog(url) as audit:
        for n in range(count):
            audit.append(model, MONITORED, actor=actor, details={"n": n})


def test_concurrent_processes_never_fork_the_chain(log, url):
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_append_from_process, args=(url, "credit", f"p{i}", 15)) for i in range(2)
    ]
    for process in processes:
        process.start()
    _append_from_process(url, "credit", "parent", 15)
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    events = log.events("credit")
    assert [e.seq for e in events] == list(range(1, 46))
    assert {e.actor for e in events} == {"p0", "p1", "parent"}
    assert log.verify("credit") == []


# -- holding the lock across a decision -----------------------------------------------


def test_exclusive_commits_at_the_end_and_reads_its_own_appends(log, url):
    with log.exclusive("credit"):
        log.append("credit", GATES, actor="flow", version=1, details={"status": "passed"})
        assert [e.seq for e in log.events("credit")] == [1]  # this thread sees it
        assert log.head("credit").seq == 1
        with AuditLog(url) as other:
            assert other.events("credit") == []  # others see it only once committed
        with log.exclusive("credit"):  # re-entrant in the same thread
            log.append("credit", APPROVED, actor="alice", version=1)
    assert [e.seq for e in log.events("credit")] == [1, 2]
    assert log.verify("credit") == []


def test_exclusive_rolls_back_when_the_decision_fails(log):
    log.append("credit", GATES, actor="flow", version=1, details={"status": "passed"})
    with pytest.raises(RuntimeError):
        with log.exclusive("credit"):
            log.append("credit", PROMOTED, actor="alice", version=1)
            raise RuntimeError("the registry refused the alias")
    assert [e.action for e in log.events("credit")] == [GATES]
    log.append("credit", APPROVED, actor="alice", version=1)
    assert log.verify("credit") == []


def test_exclusive_serialises_decisions_of_threads(log, url):
    """Each decision reads the head and appends after it; none sees a stale head."""
    import time

    seen: list[tuple[int, int]] = []

    def decide(index: int) -> None:
        audit = AuditLog(url)
        with audit.exclusive("credit"):
            head = audit.head("credit")
            time.sleep(0.05)
            event = audit.append("credit", MONITORED, actor=f"t{index}", details={"after": head.seq if head else 0})
            seen.append((head.seq if head else 0, event.seq))
        audit.close()

    workers = [threading.Thread(target=decide, args=(i,)) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(seen) == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert log.verify("credit") == []
