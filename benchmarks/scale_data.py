"""The data the scale benchmark reads: cohorts, labels and monitoring frames of N rows
(the demo's generators, repeated with new ids above a million), and earlier days of the
prediction log copied from the scored batch."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

DAY = date(2026, 8, 1)
BASE_ROWS = 1_000_000


def _repeated(path: Path, base, rows: int, prefix: str, row_group_size: int) -> Path:
    """``rows`` rows of ``base`` repeated with new ids ``<prefix>000000000``..., written by row
    groups to ``path`` (atomically: a partial file is renamed when complete)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pq.ParquetWriter(str(path) + ".partial", pa.Table.from_pandas(base, preserve_index=False).schema) as writer:
        for start in range(0, rows, len(base)):
            part = base.iloc[: min(len(base), rows - start)].copy()
            part["customer_id"] = [f"{prefix}{i:09d}" for i in range(start, start + len(part))]
            writer.write_table(pa.Table.from_pandas(part, preserve_index=False), row_group_size=row_group_size)
    os.replace(str(path) + ".partial", path)
    return path


def cohort_file(home: Path, rows: int) -> Path:
    """N customers for one day, written by row groups (the demo's generator repeats above 1M rows)."""
    path = home / "data" / f"cohort_{rows}.parquet"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    from govern.demo import campaign as campaign_demo

    base = campaign_demo.Campaign(offer_effect=0.3, window_days=30, seed=1).cohort(DAY, min(rows, BASE_ROWS))
    return _repeated(path, base, rows, "L", 100_000)


def labels_file(home: Path, rows: int, window_days: int) -> Path:
    import numpy as np
    import pandas as pd

    path = home / "data" / f"labels_{rows}.parquet"
    if not path.exists():
        rng = np.random.default_rng(0)
        pd.DataFrame({"customer_id": [f"L{i:09d}" for i in range(rows)], "churned": (rng.random(rows) < 0.2).astype("int8"),
                      "outcome_date": pd.Timestamp(DAY + timedelta(days=window_days + 2))}).to_parquet(path, index=False)
    return path


def copy_batches(home: Path, copies: int) -> int:
    """The scored batch's log files copied into ``copies`` earlier days, outcomes with them."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    root = home / "mlruns" / "predictions"
    originals = sorted((root / "predictions").rglob(f"as_of={DAY.isoformat()}/*.parquet")) + sorted((root / "outcomes").rglob("*.parquet"))
    for k in range(1, copies + 1):
        day = DAY - timedelta(days=k)
        for path in originals:
            table = pq.read_table(path)
            table = table.set_column(table.schema.get_field_index("batch_id"), "batch_id", pa.array([f"copy{k}"] * len(table), pa.string()))
            if "as_of" in table.schema.names:
                table = table.set_column(table.schema.get_field_index("as_of"), "as_of", pc.cast(pa.array([day] * len(table)), pa.date32()))
                target = root / "predictions" / path.parent.parent.name / f"as_of={day.isoformat()}" / f"copy{k}-{path.name}"
            else:
                target = path.parent / f"copy{k}-{path.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, target, compression="zstd")
    return copies


def monitor_file(home: Path, rows: int) -> Path:
    """Labelled new data with drift injected (the demo's generator, repeated above 1M rows)."""
    from govern.demo.customers import generate_customers

    path = home / "data" / f"monitor_{rows}.parquet"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    base = generate_customers(min(rows, BASE_ROWS), seed=9, drift=0.3, id_offset=70_000_000)
    return _repeated(path, base, rows, "M", 250_000)
