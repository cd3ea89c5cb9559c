"""Prefect's cached empty database is kept only from a database nothing has used: one that
another server filled first (a deployment, a flow run) would seed every new project."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from govern.runtime.prefect_server import _unused


def _database(path, **rows):
    with closing(sqlite3.connect(path)) as con, con:
        for table in ("flow", "flow_run", "deployment"):
            con.execute(f"create table {table} (name text)")
            for _ in range(rows.get(table, 0)):
                con.execute(f"insert into {table} values ('x')")
    return path


def test_only_an_unused_database_becomes_the_template(tmp_path):
    assert _unused(_database(tmp_path / "empty.db"))
    for table in ("flow", "flow_run", "deployment"):
        assert not _unused(_database(tmp_path / f"{table}.db", **{table: 1}))
    assert not _unused(tmp_path / "missing.db")
