"""The customer table built from a transaction log, as of one or more cutoffs.

Customer lifetime value starts from purchases, not from a ready table.  For each
cutoff every customer with a purchase before it becomes one row: what their history
looked like up to the cutoff (features) and what they spent in the ``horizon_days``
after it (target).  Several cutoffs, ``horizon_days`` apart, give a time column whose
latest date is the holdout, and no training target reaches past the latest cutoff.
Frequency, recency and tenure follow BG/NBD's definitions, so the probabilistic
baseline (``govern.training.clv_baseline``) and CatBoost see the same history.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from govern.core.errors import DataValidationError, SpecError
from govern.data.entities import SNAPSHOT_SUFFIX, customer_ids
from govern.data.validation import load_table
from govern.spec.model import ModelSpec, TransactionsSpec

_DAY = np.timedelta64(1, "D")


def feature_definitions(windows_days: list[int]) -> dict[str, str]:
    """What each built column means, for the record and the card."""
    definitions = {
        "purchases": "transactions before the cutoff",
        "frequency": "repeat purchase days before the cutoff: distinct purchase days minus one (BG/NBD frequency)",
        "recency_days": "days from the first to the last purchase day before the cutoff (BG/NBD recency)",
        "tenure_days": "days from the first purchase to the cutoff, i.e. days since first purchase (BG/NBD T)",
        "days_since_last": "days from the last purchase to the cutoff",
        "monetary_total": "total amount spent before the cutoff",
        "monetary_mean": "mean amount per transaction before the cutoff",
    }
    for w in sorted(windows_days):
        definitions[f"purchases_{w}d"] = f"transactions in the {w} days before the cutoff"
        definitions[f"spend_{w}d"] = f"amount spent in the {w} days before the cutoff"
    return definitions


@dataclass(frozen=True)
class BuildNote:
    """How the customer table was built: enough for a reviewer to rebuild it."""

    source: str
    id_column: str
    date_column: str
    amount_column: str
    cutoffs: list[str]
    horizon_days: int
    target: str
    target_definition: str
    log_rows: int
    log_first: str
    log_last: str
    rows_per_cutoff: dict[str, int]
    customers: int
    attributes: str | None
    features: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.rows_per_cutoff.values())

    def to_dict(self) -> dict:
        return {**asdict(self), "rows": self.rows}

    def summary(self) -> str:
        cutoffs = self.cutoffs[0] if len(self.cutoffs) == 1 else f"{len(self.cutoffs)} cutoffs {self.cutoffs[0]} .. {self.cutoffs[-1]}"
        return (
            f"built from the transaction log {self.source} ({self.log_rows} transactions, {self.log_first} .. {self.log_last}):"
            f" {self.rows} rows of {self.customers} customers at {cutoffs}; target {self.target} = spend in the"
            f" {self.horizon_days} days from each cutoff"
        )


def cutoff_dates(tx: TransactionsSpec, cutoff=None) -> list[pd.Timestamp]:
    """The snapshot dates, oldest first, ending at ``cutoff`` (default the spec's)."""
    last = pd.Timestamp(cutoff if cutoff is not None else tx.cutoff).normalize()
    return [last - pd.Timedelta(days=tx.horizon_days * k) for k in range(tx.snapshots - 1, -1, -1)]


def _clean_log(log: pd.DataFrame, id_column: str, tx: TransactionsSpec, source: str) -> pd.DataFrame:
    missing = [c for c in (id_column, tx.date_column, tx.amount_column) if c not in log.columns]
    if missing:
        raise DataValidationError(
            f"transaction log {source} has no column {', '.join(repr(c) for c in missing)} (columns: {', '.join(map(str, log.columns[:8]))})"
        )
    if log.empty:
        raise DataValidationError(f"transaction log {source} is empty")
    ids = log[id_column]
    if ids.isna().any():
        raise DataValidationError(f"transaction log {source}: {int(ids.isna().sum())} transactions without a customer id")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pandas' "could not infer format" on free text
        dates = pd.to_datetime(log[tx.date_column], errors="coerce")
    if dates.isna().any():
        raise DataValidationError(f"transaction log {source}: {int(dates.isna().sum())} transactions whose {tx.date_column} is missing or not a date")
    amounts = pd.to_numeric(log[tx.amount_column], errors="coerce")
    if amounts.isna().any() or not np.isfinite(amounts.to_numpy(dtype=float)).all():
        raise DataValidationError(f"transaction log {source}: {tx.amount_column} has missing or non-numeric amounts")
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    return pd.DataFrame({
        "id": ids.astype(str).to_numpy(),
        "date": dates.dt.normalize().astype("datetime64[ns]").to_numpy(),
        "amount": amounts.astype(float).to_numpy(),
    })


def _snapshot(log: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int, windows: list[int]) -> pd.DataFrame:
    """One row per customer with a purchase before ``cutoff``; the target from ``cutoff`` on."""
    before = log[log["date"] < cutoff]
    grouped = before.groupby("id", sort=True)
    first, last = grouped["date"].min(), grouped["date"].max()
    table = pd.DataFrame(
        {
            "purchases": grouped.size().astype(int),
            "frequency": (grouped["date"].nunique() - 1).astype(int),
            "recency_days": ((last - first) / _DAY).astype(int),
            "tenure_days": ((cutoff - first) / _DAY).astype(int),
            "days_since_last": ((cutoff - last) / _DAY).astype(int),
            "monetary_total": grouped["amount"].sum().round(2),
            "monetary_mean": grouped["amount"].mean().round(2),
        }
    )
    for w in sorted(windows):
        recent = before[before["date"] >= cutoff - pd.Timedelta(days=w)].groupby("id")
        table[f"purchases_{w}d"] = recent.size().reindex(table.index, fill_value=0).astype(int)
        table[f"spend_{w}d"] = recent["amount"].sum().reindex(table.index, fill_value=0.0).round(2)
    window = log[(log["date"] >= cutoff) & (log["date"] < cutoff + pd.Timedelta(days=horizon_days))]
    table["_target"] = window.groupby("id")["amount"].sum().reindex(table.index, fill_value=0.0).round(2)
    return table


def _join_attributes(table: pd.DataFrame, path: Path, id_column: str, built: list[str]) -> pd.DataFrame:
    attributes = load_table(path)
    if id_column not in attributes.columns:
        raise DataValidationError(f"customer attributes {path} have no id column '{id_column}'")
    clash = [c for c in attributes.columns if c in built]
    if clash:
        raise DataValidationError(f"customer attributes {path} repeat built column(s) {', '.join(clash)}")
    attributes = attributes.assign(**{id_column: attributes[id_column].astype(str)})
    if attributes[id_column].duplicated().any():
        raise DataValidationError(f"customer attributes {path}: duplicate ids in '{id_column}'")
    joined = table.merge(attributes, how="left", left_on="_customer", right_on=id_column, indicator=True)
    unknown = joined.loc[joined["_merge"] == "left_only", "_customer"].unique()
    if len(unknown):
        raise DataValidationError(f"customer attributes {path} lack {len(unknown)} customers of the log (e.g. {', '.join(map(str, unknown[:3]))})")
    return joined.drop(columns=["_merge", id_column])


def build_customer_table(
    log: pd.DataFrame, spec: ModelSpec, *, source: str = "log", cutoff=None, attributes: Path | None = None,
) -> tuple[pd.DataFrame, BuildNote]:
    """Features as of each cutoff and the spend in the horizon after it, one row per customer and cutoff.

    The id is the customer id, suffixed ``@YYYY-MM-DD`` when the table holds several
    cutoffs so each row keeps a unique key.  A log that ends before the last horizon
    does would understate the target, so it is refused rather than built.
    """
    data, tx = spec.data, spec.data.transactions
    if tx is None or data.time_column is None:
        raise SpecError(f"{spec.name}: data.transactions and data.time_column must both be set")
    if spec.task != "regression":
        raise SpecError(f"{spec.name}: data.transactions builds a spend target, which needs task: regression")
    id_column = tx.id_column or data.id_column
    definitions = feature_definitions(tx.windows_days)
    taken = [c for c in (data.target, data.time_column, data.id_column) if c in definitions]
    if taken:
        raise SpecError(f"{spec.name}: data: '{taken[0]}' is the name of a built feature; choose another name")
    clean = _clean_log(log, id_column, tx, source)
    cutoffs = cutoff_dates(tx, cutoff)
    horizon_end = cutoffs[-1] + pd.Timedelta(days=tx.horizon_days - 1)
    if clean["date"].max() < horizon_end:
        raise DataValidationError(
            f"transaction log {source} ends on {clean['date'].max():%Y-%m-%d}, before the horizon of cutoff {cutoffs[-1]:%Y-%m-%d} "
            f"ends ({horizon_end:%Y-%m-%d}): the target would be cut short"
        )
    parts, counts = [], {}
    for c in cutoffs:
        snap = _snapshot(clean, c, tx.horizon_days, tx.windows_days)
        if snap.empty:
            raise DataValidationError(f"transaction log {source} has no purchase before the cutoff {c:%Y-%m-%d}")
        counts[f"{c:%Y-%m-%d}"] = int(len(snap))
        snap = snap.rename_axis("_customer").reset_index()
        snap.insert(0, data.time_column, c)
        parts.append(snap)
    table = pd.concat(parts, ignore_index=True)
    if attributes is not None:
        table = _join_attributes(table, attributes, id_column, [*definitions, data.time_column, data.target])
    several = len(cutoffs) > 1
    table.insert(0, data.id_column, table["_customer"] + table[data.time_column].dt.strftime(SNAPSHOT_SUFFIX) if several else table["_customer"])
    table[data.time_column] = table[data.time_column].astype("datetime64[ns]")
    table = table.drop(columns=["_customer"]).rename(columns={"_target": data.target})
    note = BuildNote(
        source=source, id_column=id_column, date_column=tx.date_column, amount_column=tx.amount_column,
        cutoffs=list(counts), horizon_days=tx.horizon_days, target=data.target,
        target_definition=f"amount spent in the {tx.horizon_days} days from the cutoff (0 for customers who bought nothing)",
        log_rows=int(len(clean)), log_first=f"{clean['date'].min():%Y-%m-%d}", log_last=f"{clean['date'].max():%Y-%m-%d}",
        rows_per_cutoff=counts, customers=int(customer_ids(table[data.id_column]).nunique()),
        attributes=str(attributes) if attributes is not None else None, features=definitions,
    )
    return table, note


def is_transaction_log(frame: pd.DataFrame, spec: ModelSpec) -> bool:
    """A frame that still needs building (a log), rather than an already built table."""
    tx = spec.data.transactions
    return tx is not None and spec.data.target not in frame.columns and {tx.date_column, tx.amount_column} <= set(frame.columns)


def customer_table(spec: ModelSpec, root: Path, *, source: Path | None = None, cutoff=None) -> tuple[pd.DataFrame, BuildNote | None]:
    """The table the flow validates and trains on, and how it was built.

    ``source`` (default the spec's) may be a transaction log, which is built, or an
    already built table (e.g. monitoring's combined retraining data), which is
    returned as it is with no note.  A spec without ``transactions`` reads its table.
    """
    path = Path(source) if source is not None else spec.source_path(root)
    frame = load_table(path)
    if not is_transaction_log(frame, spec):
        return frame, None
    tx = spec.data.transactions
    attributes = None
    if tx is not None and tx.attributes:
        attributes = Path(tx.attributes) if Path(tx.attributes).is_absolute() else Path(root) / tx.attributes
    return build_customer_table(frame, spec, source=str(path), cutoff=cutoff, attributes=attributes)
