"""Per-group metric callables for Fairlearn's ``MetricFrame``.

``MetricFrame`` accepts any callable; these are vectorised numpy, far cheaper than
scikit-learn's metric functions called once per group.  An undefined rate (no
positives, no predicted positives, one class only) is NaN rather than 0, so it is
skipped by the disparities instead of posing as a real gap.
"""

from __future__ import annotations

import math

import numpy as np

from govern.evaluation import metric_values

BINARY_GROUP_METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision", "roc_auc", "count")
REGRESSION_GROUP_METRICS = ("mae", "mean_prediction", "mean_target", "count")


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else math.nan


def _count(y_true, y_pred) -> int:
    return int(np.asarray(y_true).shape[0])


def _selection_rate(y_true, y_pred) -> float:
    return _mean(np.asarray(y_pred, dtype=float))


def _true_positive_rate(y_true, y_pred) -> float:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred, dtype=float)
    return _mean(y_pred[y_true == 1])


def _false_positive_rate(y_true, y_pred) -> float:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred, dtype=float)
    return _mean(y_pred[y_true == 0])


def _precision(y_true, y_pred) -> float:
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred)
    return _mean(y_true[y_pred == 1])


def _roc_auc(y_true, y_pred, y_score) -> float:
    """The holdout's rank form of ROC AUC, NaN for a group with one class."""
    return float(metric_values("binary", "roc_auc", y_true, y_score))


def _mae(y_true, y_pred) -> float:
    return _mean(np.abs(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)))


def _mean_prediction(y_true, y_pred) -> float:
    return _mean(np.asarray(y_pred, dtype=float))


def _mean_target(y_true, y_pred) -> float:
    return _mean(np.asarray(y_true, dtype=float))


def group_metrics(task: str, with_scores: bool = False) -> dict:
    """The callables for the task's per-group table (ROC AUC only when scores are given)."""
    if task == "binary":
        metrics = {
            "selection_rate": _selection_rate,
            "true_positive_rate": _true_positive_rate,
            "false_positive_rate": _false_positive_rate,
            "precision": _precision,
            "count": _count,
        }
        if with_scores:
            metrics["roc_auc"] = _roc_auc
        return metrics
    return {"mae": _mae, "mean_prediction": _mean_prediction, "mean_target": _mean_target, "count": _count}
