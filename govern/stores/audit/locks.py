"""The audit chain's locks: on PostgreSQL each with a bounded wait; on SQLite the write
lock, taken before the first read.

Two advisory locks per model, never the same one: the *append* lock, held for the
milliseconds an append reads the chain's head and inserts after it, and the *decision*
lock, held across a whole promotion or rollback (read, check, move the alias through
the tracking server, append).  The governance server only ever appends, so it never
waits for a client that is itself waiting for the server; and nobody waits for either
lock longer than its timeout (``lock_timeout``), so a stuck holder costs a one-line
error, not a hung registry.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from govern.core.errors import GovernError

# An append holds its lock for milliseconds; a longer wait means a holder is stuck.
APPEND_LOCK_TIMEOUT_SECONDS = 10.0
# A decision holds its lock for seconds (reads, an alias move, an append).
DECISION_LOCK_TIMEOUT_SECONDS = 60.0
# PostgreSQL's SQLSTATE for "canceling statement due to lock timeout".
LOCK_NOT_AVAILABLE = "55P03"


def lock_key(table: str, model: str, purpose: str = "append") -> int:
    """A stable signed 64-bit key per model and purpose for PostgreSQL's advisory locks."""
    name = f"{table}:{model}" if purpose == "append" else f"{table}:{purpose}:{model}"
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def advisory_lock(conn: Connection, key: int, *, seconds: float, model: str, held_by: str) -> None:
    """Take the transaction-scoped advisory lock ``key``, waiting at most ``seconds``;
    ``held_by`` says in the error who the caller was waiting for."""
    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{max(1, round(seconds * 1000))}ms'")
    try:
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        raise GovernError(f"the audit log of '{model}' stayed locked for {seconds:g} s ({held_by}); try again") from None


def take_over_sqlite_transactions(engine: Engine) -> None:
    """pysqlite starts transactions lazily, so two appenders could both read the same
    head and one would fail to upgrade its lock; ``BEGIN IMMEDIATE`` takes the write
    lock first and lets the busy timeout queue writers instead."""

    @sa_event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @sa_event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("govern_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
