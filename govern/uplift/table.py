"""The uplift training table: the live experiment's targeted customers, both arms, with features.

One row per customer: its earliest prediction whose outcome has matured (as the
experiment report counts them), kept only where the champion's decision selected it.
Those in the treatment arm received the offer; those in the control arm were held out
at the same decision rule, so the two arms differ only by the salted hash that drew
them, and the difference of their outcomes is the offer's effect.  The prediction log
holds scores, not features: the features come from the files that were scored, joined
by id.  Held-out customers (for the Qini and the gates) are drawn by a salted hash of the
id, so the same customer is held out at every retraining.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from govern.core.errors import DataValidationError, GovernError
from govern.data.overlap import hash_ids
from govern.data.validation import categorical_columns, feature_columns
from govern.spec.model import ModelSpec

TREATMENT, CONTROL = "treatment", "control"  # the arms govern.live.assignment writes to the log
MIN_PER_ARM = 30


def targeted_units(frame: pd.DataFrame) -> pd.DataFrame:
    """Customers with a matured outcome at their earliest batch, that the champion's
    decision selected, with ``treated`` 1 (treatment arm) or 0 (control arm)."""
    known = frame[frame["outcome"].notna() & frame["matured"].fillna(False).astype(bool)]
    known = known.sort_values(["as_of", "batch_id"]).drop_duplicates("customer_id", keep="first")
    chosen = known[(known["decision"] == 1) & known["arm"].isin([TREATMENT, CONTROL])]
    out = chosen[["customer_id", "batch_id", "as_of", "arm", "champion_version", "champion_score", "outcome"]].copy()
    out["treated"] = (out["arm"] == TREATMENT).astype(int)
    out["outcome"] = out["outcome"].astype(float)
    out["customer_id"] = out["customer_id"].astype(str)
    return out.reset_index(drop=True)


def join_features(units: pd.DataFrame, features: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    """``units`` with the model's inputs from ``features`` (the scored files), by id; an
    id given twice, or a unit whose features are missing, is refused in one line."""
    id_col = spec.data.id_column
    if id_col not in features.columns:
        raise DataValidationError(f"the feature files lack the id column '{id_col}'")
    ids = features[id_col].astype(str)
    twice = ids.duplicated(keep=False)
    if twice.any():
        raise DataValidationError(f"the feature files give {int(ids[twice].nunique())} ids more than once (e.g. {ids[twice].iloc[0]}): one row per customer")
    inputs = [c for c in feature_columns(features.columns, spec) if c not in units.columns]
    absent = [c for c in inputs if c not in features.columns]
    if absent:
        raise DataValidationError(f"the feature files lack the model's inputs {', '.join(absent)}")
    table = units.merge(features[inputs].assign(customer_id=ids.to_numpy()), on="customer_id", how="left", indicator=True)
    missing = table["_merge"] == "left_only"
    if missing.any():
        raise DataValidationError(f"{int(missing.sum())} targeted customers with outcomes have no row in the feature files "
                                  f"(e.g. {table.loc[missing, 'customer_id'].iloc[0]}): give every file that was scored")
    return table.drop(columns="_merge")


@dataclass(frozen=True)
class UpliftTable:
    """The table, its model inputs, and which rows are held out for evaluation."""

    frame: pd.DataFrame
    features: list[str]
    categorical: list[str]
    held_out: np.ndarray  # boolean mask

    @property
    def train(self) -> pd.DataFrame:
        return self.frame[~self.held_out].reset_index(drop=True)

    @property
    def holdout(self) -> pd.DataFrame:
        return self.frame[self.held_out].reset_index(drop=True)

    def counts(self) -> dict[str, int]:
        t = self.frame["treated"].to_numpy()
        return {"customers": int(len(t)), "treated": int(t.sum()), "control": int((1 - t).sum()),
                "train": int((~self.held_out).sum()), "held_out": int(self.held_out.sum())}


def held_out_mask(ids: pd.Series, salt: str, share: float) -> np.ndarray:
    """A stable share of ids, by a keyed hash (never the arms' own salt)."""
    return hash_ids(ids, f"{salt}:uplift-holdout").astype(float) / float(2**64) < share


def build_table(frame: pd.DataFrame, features: pd.DataFrame, spec: ModelSpec, *, holdout_share: float = 0.3) -> UpliftTable:
    """The training table from the log's live frame (:meth:`PredictionLog.live_frame`)
    and the scored features; refused in one line when an arm of either part is too small."""
    if spec.experiment is None:
        raise GovernError(f"{spec.name}: the spec has no experiment section, so there is no control group to learn uplift from")
    units = targeted_units(frame)
    table = join_features(units, features, spec)
    inputs = [c for c in feature_columns(features.columns, spec) if c in table.columns and c not in units.columns]
    mask = held_out_mask(table["customer_id"], spec.experiment.salt, holdout_share)
    for part, rows in (("training", ~mask), ("held-out", mask)):
        t = table.loc[rows, "treated"]
        if int(t.sum()) < MIN_PER_ARM or int((1 - t).sum()) < MIN_PER_ARM:
            raise DataValidationError(f"{spec.name}: the {part} customers hold {int(t.sum())} treated and {int((1 - t).sum())} control "
                                      f"targeted customers with matured outcomes; at least {MIN_PER_ARM} of each are needed")
    return UpliftTable(table, inputs, categorical_columns(table, inputs), mask)
