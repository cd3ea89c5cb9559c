"""DuckDB under the platform's memory limit: a query over a file of any size spills to disk
past ``GOVERN_DUCKDB_MEMORY`` instead of growing with the rows (DuckDB's own default is
80% of the machine's memory)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MEMORY_LIMIT = os.environ.get("GOVERN_DUCKDB_MEMORY", "400MB")


def connect(spill: Path):
    """A connection that spills into ``spill``; insertion order is not kept (every query that needs an order says it)."""
    import duckdb

    spill.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect()
    conn.execute(f"SET memory_limit='{MEMORY_LIMIT}'; SET temp_directory='{spill}'; SET preserve_insertion_order=false")
    return conn


@contextmanager
def scratch(prefix: str) -> Iterator:
    """:func:`connect` with a spill folder that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as spill, connect(Path(spill)) as conn:
        yield conn
