"""Train, validation and holdout splits that never put one customer on two sides.

A model is used on customers seen after it was trained, so with a time column the
holdout is the most recent period and validation the period before it, whole dates on
one side of each cut.  Rows of one entity (the snapshots of a customer: the id, or the
customer behind a ``C1@2026-01-01`` id of a table built from transactions) stay in one
part: when an entity has rows in several periods, entities are drawn into parts and the
rows outside their part's period are set aside.  With snapshots, a training row whose
target window ends after the holdout's first date is purged: its target would be a
feature of a holdout row.  A random split is only made when the spec asks for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from govern.core.errors import DataValidationError
from govern.data.entities import customer_ids
from govern.spec.model import ModelSpec

PARTS = ("train", "valid", "holdout")


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    valid: pd.DataFrame
    holdout: pd.DataFrame
    strategy: str
    description: dict


def entity_ids(frame: pd.DataFrame, spec: ModelSpec) -> pd.Series:
    """The entity of each row: rows with the same entity never go to different parts."""
    ids = frame[spec.data.id_column]
    return customer_ids(ids) if spec.data.transactions is not None else ids.astype(str)


def target_window_days(spec: ModelSpec) -> int | None:
    """Days after a row's time that its target covers, when the spec says (or a log's horizon)."""
    if spec.split.target_window_days is not None:
        return spec.split.target_window_days
    tx = spec.data.transactions
    return tx.horizon_days if tx is not None else None


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


def _draw(entities: pd.Series, fraction: float, seed: int) -> set:
    """A ``fraction`` of the entities (not rows), drawn with ``seed``."""
    unique = entities.nunique()
    if unique < 2:
        raise DataValidationError(f"cannot split {unique} id(s) into parts: too few distinct ids")
    splitter = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    try:
        _, drawn = next(splitter.split(np.zeros(len(entities)), groups=entities.to_numpy()))
    except ValueError:
        raise DataValidationError(f"cannot split {unique} ids into train, valid and holdout: too few ids") from None
    return set(entities.iloc[drawn])


def _random_parts(df: pd.DataFrame, spec: ModelSpec) -> list[pd.Series]:
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
    return [df.index.isin(part.index) for part in (train, valid, holdout)]


def _group_parts(entities: pd.Series, spec: ModelSpec) -> list[np.ndarray]:
    """Whole entities drawn into holdout, then validation from the rest (GroupShuffleSplit)."""
    held = entities.isin(_draw(entities, spec.split.holdout_fraction, spec.split.seed)).to_numpy()
    valid = entities.isin(_draw(entities[~held], spec.split.validation_fraction, spec.split.seed)).to_numpy()
    return [~held & ~valid, valid, held]


def _time_parts(frame: pd.DataFrame, spec: ModelSpec, entities: pd.Series, info: dict) -> list[np.ndarray]:
    """Latest period as holdout, the one before as validation, entities kept whole."""
    column, seed = spec.data.time_column, spec.split.seed
    times = frame[column]
    holdout_start = _time_cut(times, spec.split.holdout_fraction)
    if holdout_start is None:
        raise DataValidationError(
            f"cannot split in time: '{column}' has {times.nunique()} distinct date(s), no later period to hold out; "
            "set split.strategy: group (whole ids) or random to split within it"
        )
    later = (times >= holdout_start).to_numpy()
    valid_start = _time_cut(times[~later], spec.split.validation_fraction)
    info["cutoffs"] = {"valid_start": valid_start.isoformat() if valid_start is not None else None, "holdout_start": holdout_start.isoformat()}
    middle = (times >= valid_start).to_numpy() & ~later if valid_start is not None else np.zeros(len(frame), dtype=bool)
    period = np.where(later, 2, np.where(middle, 1, 0))
    crossing = pd.Series(period).groupby(entities.to_numpy()).nunique().gt(1).sum()
    held = later.copy()
    if crossing:
        held = later & entities.isin(_draw(entities[later], spec.split.holdout_fraction, seed)).to_numpy()
    if valid_start is None:
        info["valid"] = "drawn by id from the period before the holdout, which has a single date"
        pool = ~later & ~entities.isin(set(entities[held])).to_numpy()
        valid = pool & entities.isin(_draw(entities[pool], spec.split.validation_fraction, seed)).to_numpy()
    elif crossing:
        pool = middle & ~entities.isin(set(entities[held])).to_numpy()
        valid = pool & entities.isin(_draw(entities[pool], spec.split.validation_fraction, seed)).to_numpy()
    else:
        valid = middle
    taken = set(entities[held]) | set(entities[valid])
    train = (period == 0) & ~entities.isin(taken).to_numpy() if valid_start is not None else ~later & ~valid & ~entities.isin(taken).to_numpy()
    if crossing:
        info["set_aside"] = {
            "rows": int(len(frame) - held.sum() - valid.sum() - train.sum()),
            "why": f"{int(crossing)} ids have rows in more than one period; each id is drawn into one part "
            "and its rows outside that part's period are left out",
        }
    return [train, valid, held]


def _overlapping(frame: pd.DataFrame, spec: ModelSpec, fitted: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, dict]:
    """Fitted rows whose target window ends after the holdout's first date (snapshots only)."""
    window, column = target_window_days(spec), spec.data.time_column
    none = np.zeros(len(frame), dtype=bool)
    if not column or frame[column].nunique() < 2:
        return none, {}
    if window is None:
        return none, {"target_window_days": None,
                      "note": "not declared (split.target_window_days): training targets not checked against the holdout's first date"}
    times = frame[column]
    first = times[held].min()
    ends = times + pd.Timedelta(days=window)
    return fitted & (ends > first).to_numpy(), {"target_window_days": window, "holdout_first_date": first.isoformat()}


def _choose(frame: pd.DataFrame, spec: ModelSpec, entities: pd.Series) -> tuple[str, str]:
    """The kind of split and why: the spec's word, or the data's shape; never random unasked."""
    asked, column, repeated = spec.split.strategy, spec.data.time_column, int(entities.duplicated().sum())
    if asked == "time" and not column:
        raise DataValidationError("split.strategy: time needs data.time_column")
    if asked == "random" and repeated:
        raise DataValidationError(
            f"split.strategy: random would put rows of one id on both sides ({entities.nunique()} ids on {len(frame)} rows); use split.strategy: group"
        )
    if asked != "auto":
        return asked, f"split.strategy: {asked} in the spec"
    if column:
        return "time", f"the data has a time column '{column}' with {frame[column].nunique()} dates"
    if repeated:
        return "group", f"no time column, and ids repeat ({entities.nunique()} ids on {len(frame)} rows): each id's rows stay in one part"
    raise DataValidationError(
        "no data.time_column and one row per id: a random split is made only on request; set split.strategy: random, or name the time column"
    )


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


def _check_parts(parts: dict[str, pd.DataFrame], spec: ModelSpec, rows: int, strategy: str, purged: int) -> None:
    target = spec.data.target
    for name, part in parts.items():
        if part.empty:
            why = f"; {purged} rows purged because their target window ends after the holdout's first date" if purged else ""
            raise DataValidationError(f"the {name} part of the split is empty ({rows} rows, strategy {strategy}{why})")
        if spec.task == "binary":
            classes = part[target].unique()
            if len(classes) < 2:
                raise DataValidationError(f"the {name} part of the split is one-class: all {len(part)} rows have {target}={classes[0]}")


def split_data(df: pd.DataFrame, spec: ModelSpec) -> Split:
    """Split validated data into train, valid and holdout, with the kind of split and why.

    ``time``: holdout is the latest ~``split.holdout_fraction`` of rows and valid the
    latest ~``split.validation_fraction`` of the rest, cut at dates (valid drawn by id
    when only one date precedes the holdout).  ``group``: whole ids drawn at random.
    ``random``: rows drawn at random, stratified on a binary target.
    """
    data = spec.data
    for column, field in ((data.target, "target"), (data.id_column, "id"), (data.time_column, "time")):
        if column and column not in df.columns:
            raise DataValidationError(f"cannot split: {field} column '{column}' is missing")
    frame = df
    if data.time_column:
        frame = df.copy()
        frame[data.time_column] = pd.to_datetime(frame[data.time_column])
        frame = frame.sort_values([data.time_column, data.id_column], kind="stable")
    frame = frame.reset_index(drop=True)
    entities = entity_ids(frame, spec)
    strategy, reason = _choose(frame, spec, entities)
    description: dict = {"strategy": strategy, "reason": reason}
    if strategy == "time":
        masks = _time_parts(frame, spec, entities, description)
    elif strategy == "group":
        masks = _group_parts(entities, spec)
        description["seed"] = spec.split.seed
    else:
        masks = _random_parts(frame, spec)
        description.update(seed=spec.split.seed, stratified=spec.task == "binary")
    train, valid, held = (np.asarray(m, dtype=bool) for m in masks)
    overlap, window = _overlapping(frame, spec, train | valid, held)
    if overlap.any() and strategy != "time":
        raise DataValidationError(
            f"a {strategy} split of snapshots gives {int(overlap.sum())} training rows a target window ({window['target_window_days']} days) "
            f"ending after the holdout's first date {window['holdout_first_date'][:10]}; use split.strategy: time"
        )
    if window:
        description["purge"] = {**window, "purged_rows": int(overlap.sum())}
    train, valid = train & ~overlap, valid & ~overlap
    parts = {name: frame[mask].reset_index(drop=True) for name, mask in zip(PARTS, (train, valid, held))}
    shared = {
        f"{a}-{b}": len(set(entities[ma]) & set(entities[mb]))
        for (a, ma), (b, mb) in (((PARTS[0], train), (PARTS[1], valid)), ((PARTS[0], train), (PARTS[2], held)), ((PARTS[1], valid), (PARTS[2], held)))
    }
    if any(shared.values()):
        raise DataValidationError(f"the split would share ids between parts ({shared}); refusing it")
    description["ids"] = {
        "column": data.id_column, "key": "customer (the id before its @cutoff)" if data.transactions is not None else data.id_column,
        "distinct": int(entities.nunique()), "with_several_rows": int(entities.value_counts().gt(1).sum()), "shared_between_parts": 0,
    }
    _check_parts(parts, spec, len(frame), strategy, int(overlap.sum()))
    description["parts"] = {name: _describe_part(part, spec) for name, part in parts.items()}
    return Split(parts["train"], parts["valid"], parts["holdout"], strategy, description)
