"""Group fairness of a model's outputs: Fairlearn tables per group, disparities, gate values.

Per-group tables come from Fairlearn's ``MetricFrame``.  Groups with fewer rows than
``min_group_size`` stay in the report but are left out of every disparity and worst-group
figure: a rate measured on a handful of rows swings so much that a gate on it would
judge noise, and one tiny group would decide the verdict.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame

from govern.errors import DataValidationError, SpecError
from govern.group_metrics import BINARY_GROUP_METRICS, REGRESSION_GROUP_METRICS, group_metrics
from govern.spec import FAIRNESS_METRICS, ModelSpec

INTERSECTION_SEPARATOR = "&"
MISSING_GROUP = "(missing)"

# Differences and ratios compare groups, so they need two; worst-group figures need one.
_NEEDS_TWO_GROUPS = {
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "mae_difference",
    "mean_prediction_difference",
}
# MetricFrame costs time per row and per metric, so the frame of large groups computes
# only what the disparities read.
_DISPARITY_INPUTS = {"selection_rate", "true_positive_rate", "false_positive_rate", "roc_auc", "mae", "mean_prediction"}


def _plain(value: Any) -> Any:
    """A JSON-safe scalar: numpy numbers to Python ones, NaN and infinities to None."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def _nan_extreme(values: list[float], pick) -> float:
    finite = [v for v in values if v is not None and not math.isnan(v)]
    return pick(finite) if finite else math.nan


def as_groups(sensitive: pd.DataFrame) -> pd.DataFrame:
    """Sensitive columns as strings, missing values as their own labelled group."""
    frame = sensitive.reset_index(drop=True)
    out = {}
    for name in frame.columns:
        column = frame[name].astype(object)
        out[str(name)] = column.where(column.notna(), MISSING_GROUP).astype(str)
    return pd.DataFrame(out)


def _group_label(key: Any) -> str:
    if isinstance(key, tuple):
        return INTERSECTION_SEPARATOR.join(str(part) for part in key)
    return str(key)


def _metric_frame(metrics: dict, y_true, y_pred, groups: pd.Series | pd.DataFrame, params: dict) -> MetricFrame:
    return MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=groups, sample_params=params or None)


def _disparities(task: str, frame: MetricFrame, large_count: int) -> dict:
    diff, ratio = frame.difference(), frame.ratio()
    low, high = frame.group_min(errors="coerce"), frame.group_max(errors="coerce")
    if task == "binary":
        values = {
            "demographic_parity_difference": diff["selection_rate"],
            "demographic_parity_ratio": ratio["selection_rate"],
            "equalized_odds_difference": _nan_extreme([diff["true_positive_rate"], diff["false_positive_rate"]], max),
            "equalized_odds_ratio": _nan_extreme([ratio["true_positive_rate"], ratio["false_positive_rate"]], min),
            "worst_group_roc_auc": low["roc_auc"] if "roc_auc" in low else math.nan,
            "worst_group_recall": low["true_positive_rate"],
        }
    else:
        values = {
            "mae_difference": diff["mae"],
            "worst_group_mae": high["mae"],
            "mean_prediction_difference": diff["mean_prediction"],
        }
    if large_count < 2:
        values = {k: (math.nan if k in _NEEDS_TWO_GROUPS else v) for k, v in values.items()}
    return {k: _plain(v) for k, v in values.items()}


def _assess_feature(task, metrics, y_true, y_pred, groups, params, min_group_size) -> dict:
    frame = _metric_frame(metrics, y_true, y_pred, groups, params)
    table = frame.by_group
    table = table[table["count"].fillna(0) > 0]  # intersections list empty combinations too
    order = BINARY_GROUP_METRICS if task == "binary" else REGRESSION_GROUP_METRICS
    names = [name for name in order if name in table.columns]
    records, small, large_keys = [], [], []
    for key, row in table.iterrows():
        label, size = _group_label(key), int(row["count"])
        is_small = size < min_group_size
        record = {"group": label, "size": size, "small": is_small}
        record.update({name: _plain(row[name]) if name in names else None for name in order})
        record["count"] = size
        records.append(record)
        if is_small:
            small.append(label)
        else:
            large_keys.append(key)

    result: dict[str, Any] = {
        "groups": records,
        "small_groups": small,
        "excluded_from_disparities": list(small),
        "overall": {name: _plain(frame.overall[name]) if name in names else None for name in order}
        | {"count": int(len(y_true))},
    }
    if not large_keys:
        result["disparities"] = None
        result["note"] = f"no group has at least {min_group_size} rows, so no disparity is computed"
        return result

    if not small:
        result["disparities"] = _disparities(task, frame, len(large_keys))
        if len(large_keys) == 1:
            result["note"] = f"only one group has at least {min_group_size} rows, so between-group disparities are None"
        return result
    if isinstance(groups, pd.DataFrame):
        keep = pd.MultiIndex.from_frame(groups).isin(large_keys)
    else:
        keep = groups.isin(large_keys).to_numpy()
    needed = {name: fn for name, fn in metrics.items() if name in _DISPARITY_INPUTS}
    large_frame = _metric_frame(
        needed,
        y_true[keep],
        y_pred[keep],
        groups[keep].reset_index(drop=True),
        {metric: {k: v[keep] for k, v in p.items()} for metric, p in params.items()},
    )
    result["disparities"] = _disparities(task, large_frame, len(large_keys))
    notes = []
    if small:
        notes.append(f"{len(small)} group(s) under {min_group_size} rows excluded from disparities")
    if len(large_keys) == 1:
        notes.append(f"only one group has at least {min_group_size} rows, so between-group disparities are None")
    if notes:
        result["note"] = "; ".join(notes)
    return result


def assess_fairness(
    y_true,
    y_pred,
    sensitive: pd.DataFrame,
    *,
    task: str,
    y_score=None,
    min_group_size: int = 30,
) -> dict:
    """Per-group metrics and disparities for each sensitive column and their intersection.

    Binary tasks take 0/1 labels in ``y_pred`` and, optionally, probabilities in
    ``y_score`` for ROC AUC; regression tasks take predicted values.  Rows are matched
    by position.  The result is plain JSON (NaN becomes None) so it can be logged and
    rendered into the model card as is.
    """
    if task not in ("binary", "regression"):
        raise ValueError(f"task must be 'binary' or 'regression', not {task!r}")
    if min_group_size < 1:
        raise ValueError("min_group_size must be at least 1")
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    n = y_true.shape[0]
    lengths = {"y_true": n, "y_pred": y_pred.shape[0], "sensitive": len(sensitive)}
    if y_score is not None:
        y_score = np.asarray(y_score, dtype=float)
        lengths["y_score"] = y_score.shape[0]
    if n == 0:
        raise DataValidationError("fairness: no rows to assess")
    if len(set(lengths.values())) != 1:
        raise DataValidationError("fairness: inputs differ in length (" + ", ".join(f"{k}={v}" for k, v in lengths.items()) + ")")

    if task == "binary":
        for name, values in (("y_true", y_true), ("y_pred", y_pred)):
            if not set(np.unique(values).tolist()) <= {0, 1}:
                raise DataValidationError(f"fairness: {name} must hold 0/1 labels for a binary task")
        y_true, y_pred = y_true.astype(int), y_pred.astype(int)
    else:
        y_true, y_pred = y_true.astype(float), y_pred.astype(float)
    metrics = group_metrics(task, with_scores=y_score is not None)
    params = {"roc_auc": {"y_score": y_score}} if "roc_auc" in metrics else {}

    groups = as_groups(sensitive)
    features: dict[str, dict] = {}
    for name in groups.columns:
        features[name] = _assess_feature(task, metrics, y_true, y_pred, groups[name], params, min_group_size)
    if groups.shape[1] >= 2:
        name = INTERSECTION_SEPARATOR.join(groups.columns)
        features[name] = _assess_feature(task, metrics, y_true, y_pred, groups, params, min_group_size)
    return {"task": task, "min_group_size": int(min_group_size), "features": features}


def _find_feature(report: dict, feature: str) -> dict | None:
    features = report.get("features", {})
    if feature in features:
        return features[feature]
    wanted = frozenset(feature.split(INTERSECTION_SEPARATOR))
    for name, block in features.items():
        if frozenset(name.split(INTERSECTION_SEPARATOR)) == wanted:
            return block
    return None


def fairness_value(report: dict, feature: str, metric: str) -> float | None:
    """The disparity a fairness gate compares, or None when it could not be measured.

    An intersection may be named in any column order ("age_band&gender").  Naming a
    feature or metric the report does not hold is a spec mistake and raises SpecError.
    """
    if metric not in FAIRNESS_METRICS:
        raise SpecError(f"fairness metric '{metric}' is unknown (one of {', '.join(FAIRNESS_METRICS)})")
    block = _find_feature(report, feature)
    if block is None:
        known = ", ".join(report.get("features", {})) or "none"
        raise SpecError(f"fairness feature '{feature}' was not assessed (assessed: {known})")
    disparities = block.get("disparities")
    if disparities is None:
        return None
    if metric not in disparities:
        task = report.get("task", "this")
        raise SpecError(f"fairness metric '{metric}' does not apply to a {task} task (one of {', '.join(disparities)})")
    value = disparities[metric]
    return None if value is None else float(value)


def assess_scores(spec: ModelSpec, frame: pd.DataFrame, scores, labels=None) -> dict | None:
    """The spec's fairness report of a model's scores on labelled rows, or None without
    sensitive features; binary labels are taken at the spec's decision threshold."""
    sensitive = [c for c in spec.fairness.sensitive_features if c in frame.columns]
    if not sensitive:
        return None
    binary = spec.task == "binary"
    if labels is None:
        labels = (np.asarray(scores) >= spec.decision_threshold).astype(int) if binary else scores
    return assess_fairness(
        frame[spec.data.target].to_numpy(), labels, frame[sensitive], task=spec.task,
        y_score=scores if binary else None, min_group_size=spec.fairness.min_group_size,
    )
