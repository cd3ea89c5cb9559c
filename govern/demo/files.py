"""The demo's data files: the customer tables and the transaction logs, written under ``data/demo``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from govern.demo.customers import generate_customers
from govern.demo.transactions import generate_transactions


def write_demo_data(root: Path, *, n: int = 4000, seed: int = 0) -> dict[str, Path]:
    """Write the training period and a drifted recent period under ``root/data/demo``.

    The recent period (three months from 2026-07-01, drift 0.6) uses ids after
    the training ids and a seed derived from ``seed``, so both files are fixed by
    ``seed`` alone and never share a customer.
    """
    folder = Path(root) / "data" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    train = generate_customers(n, start="2026-01-01", months=6, drift=0.0, bias=0.0, seed=seed)
    recent_n = max(n // 2, 1)
    recent = generate_customers(
        recent_n, start="2026-07-01", months=3, drift=0.6, bias=0.0, seed=seed + 100_003, id_offset=n
    )
    paths = {"train": folder / "customers.parquet", "recent": folder / "customers_recent.parquet"}
    train.to_parquet(paths["train"], index=False)
    recent.to_parquet(paths["recent"], index=False)
    paths.update(write_transaction_logs(folder, n=n, seed=seed))
    return paths


TRANSACTIONS_DRIFT_FROM = "2026-07-01"


def write_transaction_logs(folder: Path, *, n: int, seed: int) -> dict[str, Path]:
    """The CLV demo's purchases: a log up to ``TRANSACTIONS_DRIFT_FROM`` (the spec's
    source), the same log continued to the end of 2027 with drift 0.6 from that date,
    and the customers' attributes.  Both logs agree on every purchase before the drift."""
    log, attributes = generate_transactions(n, end="2027-12-31", drift=0.6, drift_from=TRANSACTIONS_DRIFT_FROM, seed=seed + 7)
    paths = {
        "transactions": folder / "transactions.parquet",
        "transactions_later": folder / "transactions_to_2027.parquet",
        "attributes": folder / "customer_attributes.parquet",
    }
    log[log["order_date"] < pd.Timestamp(TRANSACTIONS_DRIFT_FROM)].to_parquet(paths["transactions"], index=False)
    log.to_parquet(paths["transactions_later"], index=False)
    attributes.to_parquet(paths["attributes"], index=False)
    return paths
