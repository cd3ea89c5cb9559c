"""Opening the platform's own database (SQLite by default, PostgreSQL for teams).

The audit chain and the prediction log share it; both need a URL turned into an
engine the same way: a folder made for a SQLite file, a busy timeout so writers queue
instead of failing, and a bad URL stated in one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError

from govern.core.errors import GovernError

SQLITE_BUSY_TIMEOUT_SECONDS = 30.0


def open_engine(url: str, purpose: str) -> tuple[Engine, str]:
    """An engine for ``url`` and the URL with any password hidden, for messages.

    ``purpose`` names what the database is for ("the audit log") in the one-line error.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise GovernError(f"{purpose} needs a SQLAlchemy database URL, got {url!r}") from exc
    shown = parsed.render_as_string(hide_password=True)
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        if "timeout" not in parsed.query:
            connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_SECONDS
    try:
        return sa.create_engine(parsed, connect_args=connect_args), shown
    except (ArgumentError, ImportError) as exc:
        raise GovernError(f"cannot open {purpose} at {shown}: {exc}") from exc
