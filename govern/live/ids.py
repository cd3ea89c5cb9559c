"""The id column of a customer file checked without holding it: count, missing, duplicates.

Ten million ids held as Python strings cost about a gigabyte; DuckDB counts them over
the file with a memory limit and a spill folder, so a daily file of any size is checked
in bounded memory before anything is scored or written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from govern.core.errors import DataValidationError
from govern.stores import duck


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
    name = '"' + column.replace('"', '""') + '"'
    with duck.scratch("govern-ids-") as conn:
        rows, missing = conn.execute(f"SELECT count(*), count(*) - count({name}) FROM {_source(path)}").fetchone()
        duplicated, example = conn.execute(
            f"SELECT count(*), any_value(id) FROM (SELECT {name}::VARCHAR AS id FROM {_source(path)} WHERE {name} IS NOT NULL "
            "GROUP BY 1 HAVING count(*) > 1)").fetchone()
    return IdCheck(int(rows), int(missing), int(duplicated), None if example is None else str(example))


def check_input_file(path: Path, id_column: str) -> tuple[list[str], int]:
    """What can be said of a file to score before any model is loaded: its type, that it
    exists and reads, and that its ids are present and unique; returns its column names
    and row count."""
    path = Path(path)
    if path.suffix.lower() not in (".parquet", ".pq", ".csv"):
        raise DataValidationError(f"unsupported data file type '{path.suffix or '(none)'}' for {path}: use .parquet or .csv")
    if not path.is_file():
        raise DataValidationError(f"data file not found: {path}")
    try:
        if path.suffix.lower() == ".csv":
            import pandas as pd

            names = list(pd.read_csv(path, nrows=0).columns)
        else:
            import pyarrow.parquet as pq

            names = pq.ParquetFile(path).schema_arrow.names
        if id_column not in names:
            raise DataValidationError(f"{path.name} lacks the id column '{id_column}'")
        ids = check_ids(path, id_column)
    except DataValidationError:
        raise
    except Exception as exc:  # the readers raise many unrelated types
        raise DataValidationError(f"cannot read {path}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    if ids.rows == 0:
        raise DataValidationError(f"{path.name} has no rows to score")
    if ids.missing:
        raise DataValidationError(f"id column '{id_column}' has {ids.missing} missing ids")
    if ids.duplicated:
        raise DataValidationError(f"id column '{id_column}' has {ids.duplicated} duplicate ids (e.g. {ids.example})")
    return names, ids.rows
