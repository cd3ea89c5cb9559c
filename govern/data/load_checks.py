"""Checks at load that look at what the columns hold, not only their types.

A sensitive feature must form groups the holdout can judge, the holdout must hold enough
of each class for the primary metric, and a text feature that is really a date or an id
is named before a model learns it as a category.  Each of these once surfaced only after
tuning, as a gate "not measured" or a crash; here they cost one line before any training.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from govern.core.errors import DataValidationError
from govern.spec.model import ModelSpec

MISSING_CATEGORY = "missing"
CONTINUOUS_DISTINCT = 20
ID_LIKE_SHARE = 0.9
ID_LIKE_MIN_DISTINCT = 50
DATE_SHARE = 0.9
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def band_labels(edges: list[float]) -> list[str]:
    """Labels of the bands between ``edges``: left-closed, the last one closed on both sides."""
    last = len(edges) - 2
    return [f"[{_number(lo)}, {_number(hi)}{']' if i == last else ')'}" for i, (lo, hi) in enumerate(zip(edges, edges[1:]))]


def _is_number(series: pd.Series) -> bool:
    return ptypes.is_numeric_dtype(series.dtype) and not ptypes.is_bool_dtype(series.dtype)


def _banded(series: pd.Series, column: str, edges: list[float], strict: bool = True) -> pd.Series:
    if not _is_number(series):
        raise DataValidationError(f"fairness.bins.{column}: '{column}' has dtype {series.dtype}; bins band a numeric column")
    values = series.astype(float)
    outside = values.notna() & ((values < edges[0]) | (values > edges[-1]))
    if not strict:
        values = values.where(~outside)
    elif outside.any():
        examples = ", ".join(_number(v) for v in values[outside].unique()[:3])
        raise DataValidationError(
            f"fairness.bins.{column}: {int(outside.sum())} values fall outside [{_number(edges[0])}, {_number(edges[-1])}] (e.g. {examples}); widen the edges"
        )
    codes = np.clip(np.searchsorted(np.asarray(edges, dtype=float), values.fillna(edges[0]).to_numpy(), side="right") - 1, 0, len(edges) - 2)
    labels = np.asarray(band_labels(edges), dtype=object)[codes]
    return pd.Series(np.where(values.isna(), MISSING_CATEGORY, labels), index=series.index, dtype=object).astype(str)


def _suggested_edges(values: pd.Series) -> str:
    quantiles = np.quantile(values.dropna().astype(float), [0.0, 0.25, 0.5, 0.75, 1.0])
    edges = sorted({float(np.floor(quantiles[0])), *np.round(quantiles[1:-1]), float(np.ceil(quantiles[-1]))})
    return ", ".join(_number(e) for e in edges)


def sensitive_groups(frame: pd.DataFrame, spec: ModelSpec, *, strict: bool = True) -> None:
    """Turn numeric sensitive features into group labels in place: bands where the spec
    gives ``fairness.bins``, else one group per value; a missing value is the group
    "missing", so every row belongs to a named group.  A numeric sensitive feature with
    many distinct values and no bins is refused: every person would be a group of one.
    ``strict=False`` (scoring, where the labels only have to match training) skips absent
    columns and takes a value outside the bins as missing instead of refusing."""
    for column in spec.fairness.sensitive_features:
        if column not in frame.columns and not strict:
            continue
        series = frame[column]
        edges = spec.fairness.bins.get(column)
        if edges is not None:
            frame[column] = _banded(series, column, edges, strict)
            continue
        if not _is_number(series):
            continue
        distinct = int(series.nunique())
        if distinct > CONTINUOUS_DISTINCT and strict:
            raise DataValidationError(
                f"sensitive feature '{column}' looks continuous ({distinct} distinct numbers from {_number(series.min())} to {_number(series.max())}): "
                f"band it with fairness.bins, e.g. {{{column}: [{_suggested_edges(series)}]}}"
            )
        text = series.map(lambda v: MISSING_CATEGORY if pd.isna(v) else _number(v))
        frame[column] = text.astype(object).astype(str)


def model_inputs(frame: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    """A copy of rows to score with the sensitive features labelled as at training, so a
    model that learnt a band or a group label meets the same label."""
    out = frame.copy()
    sensitive_groups(out, spec, strict=False)
    return out


def _text_values(series: pd.Series) -> pd.Series | None:
    dtype = series.dtype
    if not (ptypes.is_object_dtype(dtype) or ptypes.is_string_dtype(dtype)):
        return None
    values = series.dropna()
    return values.astype(str) if len(values) else None


def feature_warnings(frame: pd.DataFrame, features: list[str]) -> list[str]:
    """Text features a model would learn as categories although they are dates or ids."""
    warnings = []
    for column in features:
        values = _text_values(frame[column])
        if values is None:
            continue
        distinct = values.unique()
        dates = float(np.mean([bool(_ISO_DATE.match(v.strip())) for v in distinct[:1000]]))
        if dates >= DATE_SHARE:
            warnings.append(
                f"feature '{column}' holds dates as text (e.g. {distinct[0]}): the model learns each date as a category and meets every "
                "later date as unseen; turn it into a number (e.g. days since) or add it to data.exclude"
            )
        elif len(distinct) >= ID_LIKE_MIN_DISTINCT and len(distinct) >= ID_LIKE_SHARE * len(values):
            warnings.append(
                f"feature '{column}' looks like an id ({len(distinct)} distinct values in {len(values)} rows): the model can only memorise it; "
                "add it to data.exclude"
            )
    return warnings


def _check_holdout(holdout: pd.DataFrame, spec: ModelSpec) -> None:
    needed = spec.fairness.min_class_size
    rows = len(holdout)
    if spec.task == "binary":
        positives = int((holdout[spec.data.target] == 1).sum())
        negatives = rows - positives
        if positives < needed or negatives < needed:
            raise DataValidationError(
                f"the holdout has {positives} positives and {negatives} negatives ({rows} rows): judging {spec.primary_metric} needs at least "
                f"{needed} of each (fairness.min_class_size); give more rows or a larger split.holdout_fraction"
            )
    elif rows < spec.fairness.min_group_size:
        raise DataValidationError(
            f"the holdout has {rows} rows: judging {spec.primary_metric} needs at least {spec.fairness.min_group_size} "
            "(fairness.min_group_size); give more rows or a larger split.holdout_fraction"
        )


def _check_group_support(frame: pd.DataFrame, holdout: pd.DataFrame, spec: ModelSpec) -> None:
    needed = spec.fairness.min_group_size
    supported = len(holdout) // needed
    for column in spec.fairness.sensitive_features:
        groups = frame[column].astype(str).value_counts()
        if len(groups) < 2:
            raise DataValidationError(f"sensitive feature '{column}' has a single group ('{groups.index[0]}') in {len(frame)} rows: nothing to compare")
        if len(groups) <= max(2, supported):
            continue
        counts = holdout[column].astype(str).value_counts().reindex(groups.index, fill_value=0)
        numbers = pd.to_numeric(pd.Series(groups.index[groups.index != MISSING_CATEGORY]), errors="coerce").notna().all()
        hint = "merge groups" + (" or band it with fairness.bins" if numbers and column not in spec.fairness.bins else "")
        raise DataValidationError(
            f"sensitive feature '{column}' has {len(groups)} groups but the holdout's {len(holdout)} rows support at most {supported} of "
            f"{needed} rows (fairness.min_group_size): each group would get about {len(holdout) / len(groups):.0f} holdout rows "
            f"({int(counts.min())} to {int(counts.max())}); {hint}"
        )


def training_checks(frame: pd.DataFrame, spec: ModelSpec, features: list[str]) -> list[str]:
    """Refuse a validated table the flow could not judge, before any training; return the
    warnings it deserves.  The split is the one the flow will make."""
    from govern.data import splits  # scikit-learn's import (about 1.4 s) only where a split is made

    split = splits.split_data(frame, spec)
    _check_holdout(split.holdout, spec)
    _check_group_support(frame, split.holdout, spec)
    return feature_warnings(frame, features)
