"""The id column of a customer file checked without holding it: count, missing, duplicates.

Ten million ids held as Python strings cost about a gigabyte; DuckDB counts them over
the file with a memory limit and a spill folder, so a daily file of any size is checked
in bounded memory before anything is scored or written.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from govern.stores.prediction_files import MEMORY_LIMIT


@dataclass(frozen=True)
class IdCheck:
    rows: int
    missing: int
    duplicated: int
    example: str | None


def _source(path: Path) -> str:
    quoted = "'" + str(path).replace("'", "''") + "'"
    return f"read_csv({quoted}, header=true)" if path.suffix.lower() == ".csv" else f"read_parquet({quoted})"


def check_ids(path: Path, column: str) -> IdCheck:
    """Rows, missing ids and distinct ids that occur more than once (with one of them)."""
    import duckdb

    name = '"' + column.replace('"', '""') + '"'
    with tempfile.TemporaryDirectory(prefix="govern-ids-") as spill, duckdb.connect() as conn:
        conn.execute(f"SET memory_limit='{MEMORY_LIMIT}'; SET temp_directory='{spill}'; SET preserve_insertion_order=false")
        rows, missing = conn.execute(f"SELECT count(*), count(*) - count({name}) FROM {_source(path)}").fetchone()
        duplicated, example = conn.execute(
            f"SELECT count(*), any_value(id) FROM (SELECT {name}::VARCHAR AS id FROM {_source(path)} WHERE {name} IS NOT NULL "
            "GROUP BY 1 HAVING count(*) > 1)").fetchone()
    return IdCheck(int(rows), int(missing), int(duplicated), None if example is None else str(example))
