"""Train, validation and holdout splits that respect time when the data has it.

A model is used on customers seen after it was trained, so when the spec names a
time column the holdout is the most recent period and validation the period before
it.  Whole snapshot dates stay on one side of each cut, so no date leaks across.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from govern.core.errors import DataValidationError
from govern.spec.model import ModelSpec

PARTS = ("train", "valid", "holdout")


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    valid: pd.DataFrame
    holdout: pd.DataFrame
    strategy: str
    description: dict


def _time_cut(times: pd.Series, fraction: float) -> pd.Timestamp | None:
    """The date from which the most recent rows come closest to ``fraction`` of all rows.

    Only dates after the first one are candidates, so both sides keep rows;
    ``None`` when there is a single date.
    """
    counts = times.value_counts().sort_index()
    if len(counts) < 2:
        return None
    after = counts[::-1].cumsum()[::-1]
    candidates = after.iloc[1:]
    gap = (candidates / len(times) - fraction).abs()
    return candidates.index[int(np.argmin(gap.to_numpy()))]


def _random_parts(df: pd.DataFrame, spec: ModelSpec) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    seed = spec.split.seed
    binary = spec.task == "binary"

    def cut(frame: pd.DataFrame, fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        stratify = frame[spec.data.target] if binary else None
        try:
            return train_test_split(frame, test_size=fraction, random_state=seed, stratify=stratify)
        except ValueError:
            if stratify is None:
                raise
            return train_test_split(frame, test_size=fraction, random_state=seed)

    try:
        rest, holdout = cut(df, spec.split.holdout_fraction)
        train, valid = cut(rest, spec.split.validation_fraction)
    except ValueError:
        raise DataValidationError(f"cannot split {len(df)} rows into train, valid and holdout: too few rows") from None
    return train, valid, holdout


def _describe_part(frame: pd.DataFrame, spec: ModelSpec) -> dict:
    info: dict = {"rows": int(len(frame))}
    time_column = spec.data.time_column
    if time_column and len(frame):
        times = frame[time_column]
        info["time_range"] = [times.min().isoformat(), times.max().isoformat()]
    if len(frame):
        target = frame[spec.data.target]
        if spec.task == "binary":
            info["positive_rate"] = round(float((target == 1).mean()), 4)
        else:
            info["target_mean"] = round(float(target.mean()), 4)
    return info


def split_data(df: pd.DataFrame, spec: ModelSpec) -> Split:
    """Split validated data into train, valid and holdout.

    With a time column: holdout is the latest ~``split.holdout_fraction`` of rows
    and valid the latest ~``split.validation_fraction`` of the rest, each cut at a
    date boundary.  If the data has too few distinct dates to cut twice, the split
    falls back to random and the description says why.  Without a time column the
    split is random with ``split.seed``, stratified on a binary target.
    """
    target = spec.data.target
    if target not in df.columns:
        raise DataValidationError(f"cannot split: target column '{target}' is missing")
    time_column = spec.data.time_column
    description: dict = {}
    frame = df
    strategy = "random"
    if time_column:
        if time_column not in df.columns:
            raise DataValidationError(f"cannot split: time column '{time_column}' is missing")
        frame = df.copy()
        frame[time_column] = pd.to_datetime(frame[time_column])
        sort_by = [time_column] + ([spec.data.id_column] if spec.data.id_column in frame.columns else [])
        frame = frame.sort_values(sort_by, kind="stable")
        holdout_start = _time_cut(frame[time_column], spec.split.holdout_fraction)
        valid_start = None
        if holdout_start is not None:
            rest_times = frame.loc[frame[time_column] < holdout_start, time_column]
            valid_start = _time_cut(rest_times, spec.split.validation_fraction)
        if valid_start is not None and holdout_start is not None:
            strategy = "time"
            times = frame[time_column]
            train = frame[times < valid_start]
            valid = frame[(times >= valid_start) & (times < holdout_start)]
            holdout = frame[times >= holdout_start]
            description["cutoffs"] = {"valid_start": valid_start.isoformat(), "holdout_start": holdout_start.isoformat()}
        else:
            dates = frame[time_column].nunique()
            description["fallback"] = (
                f"random split: '{time_column}' has {dates} distinct date(s), too few to cut train, valid and holdout in time"
            )
    if strategy == "random":
        train, valid, holdout = _random_parts(frame, spec)
        description["seed"] = spec.split.seed
        description["stratified"] = spec.task == "binary"

    parts = {name: part.reset_index(drop=True) for name, part in zip(PARTS, (train, valid, holdout))}
    for name, part in parts.items():
        if part.empty:
            raise DataValidationError(f"the {name} part of the split is empty ({len(frame)} rows, strategy {strategy})")
        if spec.task == "binary":
            classes = part[target].unique()
            if len(classes) < 2:
                raise DataValidationError(
                    f"the {name} part of the split is one-class: all {len(part)} rows have {target}={classes[0]}"
                )
    description = {
        "strategy": strategy,
        **description,
        "parts": {name: _describe_part(part, spec) for name, part in parts.items()},
    }
    return Split(parts["train"], parts["valid"], parts["holdout"], strategy, description)
