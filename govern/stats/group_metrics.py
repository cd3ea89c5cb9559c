"""Group metrics computed from sufficient statistics, for a point estimate or many resamples.

Selection rate, TPR, FPR and precision depend only on how many rows of a group fall in
each (label, prediction) cell, so they are computed from a ``(..., groups, 4)`` array of
counts: the same code gives the point table (one set of counts) and every bootstrap
resample at once (a leading axis of resamples).  Regression metrics are group means, so
they come from group sums and counts the same way.  Per-group ROC AUC uses DeLong's
method, which gives the Mann-Whitney AUC and its variance from midranks in one pass.

An undefined rate (no positives, no predicted positives, one class only) is NaN, not 0
as in Fairlearn's own functions, so a disparity skips it instead of reading a real gap.
"""

from __future__ import annotations

import numpy as np

BINARY_GROUP_METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate", "precision", "roc_auc")
REGRESSION_GROUP_METRICS = ("mae", "mean_prediction", "mean_target")
# Cell index of a row: 2 * label + prediction.
TN, FP, FN, TP = 0, 1, 2, 3


def _div(a, b) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


def cell_counts(codes: np.ndarray, n_groups: int, y: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Rows per (group, label, prediction) cell as a ``(groups, 4)`` array."""
    return np.bincount(codes * 4 + 2 * y + pred, minlength=n_groups * 4).reshape(n_groups, 4)


def binary_rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Per-group rates from ``(..., groups, 4)`` counts; every result has shape ``(..., groups)``."""
    tn, fp, fn, tp = (counts[..., i] for i in (TN, FP, FN, TP))
    size = tn + fp + fn + tp
    return {
        "selection_rate": _div(tp + fp, size),
        "true_positive_rate": _div(tp, tp + fn),
        "false_positive_rate": _div(fp, fp + tn),
        "precision": _div(tp, tp + fp),
        "count": size,
        "positives": tp + fn,
        "negatives": tn + fp,
    }


def regression_means(sums: np.ndarray, counts: np.ndarray) -> dict[str, np.ndarray]:
    """Group means from ``(..., groups, 3)`` sums of |error|, prediction and target."""
    return {
        "mae": _div(sums[..., 0], counts),
        "mean_prediction": _div(sums[..., 1], counts),
        "mean_target": _div(sums[..., 2], counts),
        "count": counts,
    }


def _midranks(sorted_values: np.ndarray) -> np.ndarray:
    """Average ranks (1-based) of an already sorted array, ties sharing their mean rank."""
    n = sorted_values.shape[0]
    if n == 0:
        return np.empty(0)
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], n]
    return np.repeat((starts + ends + 1) / 2.0, ends - starts)


def delong_auc(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """ROC AUC of one group and its DeLong standard error; NaN for a one-class group.

    ``scores`` must be sorted ascending and ``labels`` aligned with them.
    """
    pos = labels == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan"), float("nan")
    ranks = _midranks(scores)
    within_pos = _midranks(scores[pos])
    within_neg = _midranks(scores[~pos])
    v10 = (ranks[pos] - within_pos) / n_neg  # share of negatives below each positive
    v01 = 1.0 - (ranks[~pos] - within_neg) / n_pos  # share of positives above each negative
    auc = float(v10.mean())
    var = (v10.var(ddof=1) if n_pos > 1 else 0.0) / n_pos + (v01.var(ddof=1) if n_neg > 1 else 0.0) / n_neg
    return auc, float(np.sqrt(var))


def group_aucs(codes: np.ndarray, n_groups: int, y: np.ndarray, scores: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong AUC and standard error per group; ``order`` sorts ``scores`` ascending.

    A stable sort by group of the score order keeps each group's rows contiguous and
    sorted by score, so the whole table costs one argsort of the scores.
    """
    by_group = order[np.argsort(codes[order], kind="stable")]
    bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=n_groups))]
    auc, se = np.full(n_groups, np.nan), np.full(n_groups, np.nan)
    for g in range(n_groups):
        rows = by_group[bounds[g]:bounds[g + 1]]
        auc[g], se[g] = delong_auc(scores[rows], y[rows])
    return auc, se
