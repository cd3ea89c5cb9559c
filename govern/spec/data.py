"""What the spec says about the data: the table or transaction log, its columns, and how it is split.

The split keeps every row of one entity in one part; a random split is taken only when
the spec asks for it (see ``govern.data.splits``).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from govern.spec.base import Strict


class TransactionsSpec(Strict):
    """A transaction log (customer id, date, amount) that the platform turns into one row
    per customer and cutoff (see govern.data.transactions); ``data.source`` is then the log,
    ``data.target`` and ``data.time_column`` name the built target and cutoff columns."""

    id_column: str | None = Field(None, description="Customer id in the log; default data.id_column")
    date_column: str
    amount_column: str
    cutoff: date = Field(description="Features see purchases before this date; the target is spend from it on")
    horizon_days: int = Field(ge=1, le=3660, description="Days after a cutoff whose spend is the target")
    snapshots: int = Field(
        1, ge=1, le=24,
        description="Cutoffs, horizon_days apart and ending at cutoff, so no training target reaches past the latest cutoff; the holdout is the latest",
    )
    windows_days: list[int] = Field([30, 90, 180], description="Recent windows whose purchase counts and spend become features")
    attributes: str | None = Field(None, description="Customer table joined by id (e.g. region, gender), relative to the project root")

    @model_validator(mode="after")
    def _windows(self) -> TransactionsSpec:
        if any(w < 1 for w in self.windows_days) or len(set(self.windows_days)) != len(self.windows_days):
            raise ValueError("windows_days: positive, distinct numbers of days")
        return self


class DataSpec(Strict):
    source: str = Field(description="Parquet or CSV file, relative to the project root")
    target: str
    id_column: str
    time_column: str | None = None
    features: list[str] | None = Field(None, description="Columns to train on; default: all others")
    exclude: list[str] = Field(default_factory=list, description="Columns never trained on")
    min_rows: int = Field(200, ge=10)
    positive_class: str | int | bool | None = Field(
        None, description="The target value that means 1 (e.g. 'Churned'); required unless the target is 0/1 or boolean"
    )
    transactions: TransactionsSpec | None = Field(None, description="Build the table from a transaction log at source")

    @model_validator(mode="after")
    def _built_table(self) -> DataSpec:
        if self.transactions is not None and not self.time_column:
            raise ValueError("time_column: a table built from transactions needs a column name for its cutoff dates")
        return self

    @model_validator(mode="after")
    def _features_apart(self) -> DataSpec:
        """The target, id and time columns are never features: the target leaks itself, the
        id and time columns duplicate columns the evidence already keeps beside them."""
        roles = {self.target: "target", self.id_column: "id_column"}
        if self.time_column:
            roles.setdefault(self.time_column, "time_column")
        for column in self.features or []:
            if column in roles:
                raise ValueError(f"features: '{column}' is data.{roles[column]}, not a feature; remove it from data.features")
        return self


class SplitSpec(Strict):
    """How rows are divided; a random split is never chosen silently (see govern.data.splits)."""

    holdout_fraction: float = Field(0.2, gt=0.0, lt=0.5)
    validation_fraction: float = Field(0.2, gt=0.0, lt=0.5)
    seed: int = 42
    strategy: Literal["auto", "time", "group", "random"] = Field(
        "auto",
        description="auto: by time with data.time_column, else by id when ids repeat, else refused; "
        "group: whole ids drawn at random; random: rows drawn at random, only on request and with one row per id",
    )
    target_window_days: int | None = Field(
        None, ge=1, description="Days after each row's time that its target covers (default: transactions.horizon_days); "
        "training rows whose window ends after the holdout's first date are purged",
    )
