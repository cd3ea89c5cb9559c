"""Retraining after monitoring: which rows the next challenger learns from.

``spec.monitoring.retrain_data`` states the rule, so a retrained version never quietly
forgets the population it was trained on: ``combined`` keeps the training rows and adds
the labelled new ones; ``new_only`` learns from the new data alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from govern.core.errors import GovernError
from govern.data import validation
from govern.data.transactions import customer_table
from govern.spec.model import ModelSpec


@dataclass(frozen=True)
class RetrainData:
    path: Path
    rule: str
    rows: int
    provenance: str


def combine(spec: ModelSpec, training: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Training rows plus new rows in the training file's columns; an id in both keeps
    the new row, since it is the later observation.  Returns the frame and how many
    training rows the new data replaced."""
    ids = spec.data.id_column
    kept = training[~training[ids].isin(new[ids])]
    combined = pd.concat([kept, new.reindex(columns=training.columns)], ignore_index=True)
    return combined, len(training) - len(kept)


def retrain_data(spec: ModelSpec, root: Path, new_path: Path, champion: str, stamp: str) -> RetrainData:
    """The file to retrain on, by ``spec.monitoring.retrain_data``; the new data must be labelled."""
    new = validation.load_table(new_path)
    target = spec.data.target
    if target not in new.columns or new[target].isna().all():
        raise GovernError(f"cannot retrain {spec.name} on {new_path.name}: it has no '{target}' labels (give labelled data with --retrain-data)")
    validation.validate_frame(new, spec)
    if spec.monitoring.retrain_data == "new_only":
        return RetrainData(new_path, "new_only", len(new), f"retrained after monitoring champion v{champion}: new data {new_path} alone ({len(new)} rows)")
    source = spec.source_path(root)
    training, _ = customer_table(spec, root)  # a transaction log is built into its table first
    validation.validate_frame(training, spec)
    combined, replaced = combine(spec, training, new)
    validation.validate_frame(combined, spec)
    out = root / "mlruns" / "staging" / "retrain" / f"{spec.name}-{stamp}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    combined.to_parquet(out, index=False)
    provenance = (f"retrained after monitoring champion v{champion}: training data {source} ({len(training)} rows) "
                  f"combined with new data {new_path} ({len(new)} rows; {replaced} ids in both kept from the new data)")
    return RetrainData(out, "combined", len(combined), provenance)
