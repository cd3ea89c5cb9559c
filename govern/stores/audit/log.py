"""The tamper-evident audit trail: a hash chain of decisions per model, in SQL.

Events (see :mod:`govern.stores.audit.events`) are stored in the database named by
``GOVERN_DATABASE_URL`` (the one that holds the Optuna studies), so the trail works
the same in the embedded default and beside a tracking server.  ``verify`` says where
a chain was edited or cut.

On PostgreSQL a decision's lock is not the lock appends take, and every wait is bounded
(:mod:`govern.stores.audit.locks`), so the governance server, which appends, never waits
for a promoter that is waiting for the server.

What the chain cannot prove: that nobody removed the newest events or rewrote a whole
tail with freshly computed hashes.  :mod:`govern.stores.audit.champion` compares the log with
the registry, which catches the cases that matter for a champion.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from govern.core.errors import GovernError
from govern.stores.audit.events import EVENT_FIELDS, GENESIS_HASH, AuditEvent, audit_key, canonical_json, chain_problems, normalize_version, seal_problems
from govern.stores.audit.locks import APPEND_LOCK_TIMEOUT_SECONDS, DECISION_LOCK_TIMEOUT_SECONDS, advisory_lock, lock_key, take_over_sqlite_transactions
from govern.stores.database import open_engine

TABLE_NAME = "govern_audit"

# SQLite and PostgreSQL queue appenders on a lock; other servers rely on the unique
# (model, seq) constraint, and a writer that keeps losing that race backs off with
# jitter so busy writers interleave instead of colliding again.
APPEND_ATTEMPTS = 20

_metadata = sa.MetaData()
_table = sa.Table(
    TABLE_NAME,
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("model", sa.String(255), nullable=False, index=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("version", sa.String(64), nullable=True),
    sa.Column("actor", sa.String(255), nullable=False),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("mac", sa.String(96), nullable=True),
    sa.UniqueConstraint("model", "seq", name="uq_govern_audit_model_seq"),
)


def _event_from_row(row: Any) -> AuditEvent:
    """Rows whose details were mangled into invalid JSON still load, so they can be shown."""
    try:
        details = json.loads(row.details)
    except (TypeError, ValueError):
        details = {"_unreadable_details": row.details}
    if not isinstance(details, dict):
        details = {"_unreadable_details": row.details}
    fields = {name: getattr(row, name) for name in EVENT_FIELDS if name not in ("details", "mac")}
    return AuditEvent(**fields, details=details, mac=getattr(row, "mac", None) or "")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class AuditLog:
    """The hash-chained log in a SQL database, shared safely by threads and processes."""

    def __init__(self, url: str, *, lock_timeout: float = APPEND_LOCK_TIMEOUT_SECONDS, key: bytes | None = None):
        """``key`` (default ``GOVERN_AUDIT_KEY`` where this process holds it) seals every
        append and makes :meth:`verify` check the seals."""
        self._engine, self.url = open_engine(url, "the audit log")
        self.lock_timeout = lock_timeout
        self.key = key if key is not None else audit_key()
        self._sqlite = self._engine.dialect.name == "sqlite"
        self._postgres = self._engine.dialect.name == "postgresql"
        self._held = threading.local()
        if self._sqlite and self._engine.dialect.driver == "pysqlite":
            take_over_sqlite_transactions(self._engine)
        self._create_table()

    @classmethod
    def from_settings(cls, settings: Any = None) -> AuditLog:
        """The project's log: ``GOVERN_DATABASE_URL`` or ``mlruns/govern.db``."""
        from govern.core.settings import load_settings

        return cls((settings or load_settings()).database_url)

    def __repr__(self) -> str:
        return f"AuditLog({self.url!r})"

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _database(self) -> Iterator[None]:
        """An unreachable or locked database is the user's problem to fix: say so in one line."""
        try:
            yield
        except OperationalError as exc:
            lines = str(exc.orig or exc).strip().splitlines()
            reason = lines[0] if lines else type(exc).__name__
            raise GovernError(f"audit log at {self.url}: {reason}") from exc

    def _create_table(self) -> None:
        with self._database():
            with self._engine.connect():
                pass  # an unreachable server fails here, once, before the race below
            try:
                _metadata.create_all(self._engine, checkfirst=True)
            except DBAPIError:
                # Another process created it between our check and our CREATE.
                _metadata.create_all(self._engine, checkfirst=True)
            if "mac" not in {c["name"] for c in sa.inspect(self._engine).get_columns(TABLE_NAME)}:
                try:  # a chain from before keyed seals: its events stay unsealed
                    with self._engine.begin() as conn:
                        conn.execute(sa.text(f"ALTER TABLE {TABLE_NAME} ADD COLUMN mac VARCHAR(96)"))
                except DBAPIError:
                    pass  # another process added it first

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction that holds the write lock from its first read (SQLite); inside
        :meth:`exclusive`, the transaction that already holds it."""
        held = getattr(self._held, "conn", None)
        if held is not None:
            yield held
            return
        with self._engine.connect() as conn:
            conn.execution_options(govern_immediate=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """Reads inside :meth:`exclusive` see the events it appended before commit."""
        held = getattr(self._held, "conn", None)
        if held is not None:
            yield held
            return
        with self._engine.connect() as conn:
            yield conn

    @contextmanager
    def exclusive(self, model: str) -> Iterator[None]:
        """Hold the model's lock across a whole decision (read the registry, check, move
        an alias, append), so two decisions on one model run one after the other.

        PostgreSQL (the team store): a decision lock of its own, waited for at most
        :data:`DECISION_LOCK_TIMEOUT_SECONDS`; appends inside commit as they go, so the
        server's appends never wait for it.  SQLite (embedded, no server to wait for):
        its write lock, and appends and reads in this thread join the held transaction,
        which commits when the block ends normally and rolls back if it raises."""
        if self._postgres:
            with self._deciding(model):
                yield
            return
        if getattr(self._held, "conn", None) is not None:
            yield  # appends still take each model's lock inside the held transaction
            return
        with self._database(), self._write() as conn:
            self._held.conn = conn
            try:
                yield
            finally:
                self._held.conn = None

    @contextmanager
    def _deciding(self, model: str) -> Iterator[None]:
        held = getattr(self._held, "decisions", frozenset())
        if model in held:
            yield
            return
        with self._database(), self._engine.connect() as conn, conn.begin():
            advisory_lock(conn, lock_key(TABLE_NAME, model, "decision"), seconds=DECISION_LOCK_TIMEOUT_SECONDS, model=model,
                          held_by="another promotion or rollback of it is under way")
            self._held.decisions = held | {model}
            try:
                yield
            finally:
                self._held.decisions = held

    def append(
        self,
        model: str,
        action: str,
        *,
        actor: str,
        version: str | int | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Seal a decision onto the model's chain; the read of the head and the insert
        share one transaction, and a lost race for the seq number is retried so
        concurrent writers never fork the chain."""
        for name, value in (("model", model), ("action", action), ("actor", actor)):
            if not isinstance(value, str) or not value.strip():
                raise GovernError(f"an audit event needs a non-empty {name}, got {value!r}")
        if details is not None and not isinstance(details, dict):
            raise GovernError(f"audit details must be a mapping, got {type(details).__name__}")
        details_json = canonical_json(details or {})
        stored_details = json.loads(details_json)
        stored_version = normalize_version(version)
        if stored_version is not None and len(stored_version) > 64:
            raise GovernError(f"version {stored_version[:20]!r}... is too long for the audit log")

        inside = getattr(self._held, "conn", None) is not None
        for attempt in range(1, APPEND_ATTEMPTS + 1):
            try:
                with self._database(), self._write() as conn:
                    if self._postgres:
                        advisory_lock(conn, lock_key(TABLE_NAME, model), seconds=self.lock_timeout, model=model, held_by="another writer is appending")
                    last = conn.execute(
                        sa.select(_table.c.seq, _table.c.hash)
                        .where(_table.c.model == model)
                        .order_by(_table.c.seq.desc())
                        .limit(1)
                    ).first()
                    unsealed = AuditEvent(
                        model=model,
                        seq=(last.seq + 1) if last else 1,
                        recorded_at=_now(),
                        action=action,
                        version=stored_version,
                        actor=actor,
                        details=stored_details,
                        prev_hash=last.hash if last else GENESIS_HASH,
                    )
                    sealed = replace(unsealed, hash=unsealed.compute_hash())
                    if self.key:
                        sealed = replace(sealed, mac=sealed.compute_mac(self.key))
                    conn.execute(sa.insert(_table).values(**{**sealed.as_dict(), "details": details_json}))
                return sealed
            except IntegrityError as exc:
                if inside or attempt == APPEND_ATTEMPTS:
                    raise GovernError(
                        f"could not append to the audit log of {model!r} after {attempt} attempts: "
                        "other writers kept taking the next sequence number"
                    ) from exc
                time.sleep(random.uniform(0.0, min(0.5, 0.005 * 2**attempt)))
        raise AssertionError("unreachable")

    def _rows(self, model: str) -> list[Any]:
        with self._database(), self._read() as conn:
            return list(
                conn.execute(sa.select(_table).where(_table.c.model == model).order_by(_table.c.seq))
            )

    def events(self, model: str) -> list[AuditEvent]:
        """The model's chain, oldest first."""
        return [_event_from_row(row) for row in self._rows(model)]

    def head(self, model: str) -> AuditEvent | None:
        """The newest event of the model, or None before its first decision."""
        with self._database(), self._read() as conn:
            row = conn.execute(
                sa.select(_table)
                .where(_table.c.model == model)
                .order_by(_table.c.seq.desc())
                .limit(1)
            ).first()
        return _event_from_row(row) if row is not None else None

    def models(self) -> list[str]:
        """Every model with at least one recorded event, sorted."""
        with self._database(), self._engine.connect() as conn:
            return sorted(conn.execute(sa.select(_table.c.model).distinct()).scalars())

    def verify(self, model: str) -> list[str]:
        """One line per break in the model's chain: edited, relinked or deleted events,
        and, for a holder of the key, events it did not seal as they stand."""
        events = self.events(model)
        return chain_problems(events) + (seal_problems(events, self.key) if self.key else [])
