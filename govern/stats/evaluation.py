"""Holdout scores and the paired bootstrap that compares challenger with champion.

``metric_values`` works on whole matrices of rows at once (the reference for the
resampled metrics, and the point estimates).  The intervals resample by counts: a
row-level bootstrap of n rows is a multinomial draw of how often each row is taken,
and rows that agree on everything a metric reads can share one count.  So each metric
names the few per-row quantities it depends on (label, score, loss, prediction), rows
are grouped into cells on them, and each resample is one multinomial draw over the
cells followed by weighted sums (an AUC from the cells' counts along the sorted scores,
a cumulative sum; threshold metrics from four confusion counts; rmse, mae, r2 and the
losses from weighted means).

When the rows have at most ``CELL_BUDGET`` distinct combinations of those quantities
(threshold metrics always; a few thousand holdout rows), the cells are the exact
combinations and the draw is the row-level bootstrap itself: the same distribution as
resampling rows by index.  Above that, continuous quantities are cut into quantile bins
(equal values share a bin; the decision threshold splits them, since predictions are a
key): rows of a cell are represented by their mean, and for an AUC the order of pairs
inside one bin by its fraction of concordant pairs on the full data.  The bins are
thousands of quantiles wide, so the variation they drop is a tiny share of the
resampling variance, far below the Monte-Carlo error of a thousand resamples (checked
against the row-level bootstrap in tests/test_evaluation_fast.py).  Cost is O(n log n)
once plus O(resamples x cells), so 1M rows take seconds and megabytes where index
matrices took minutes and tens of gigabytes.  DeLong's variance would serve AUC alone
and is not a bootstrap; the card says "bootstrap percentiles", and this keeps it true
for every metric, precision, recall and f1 included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from govern.evidence.evaluation import Comparison
from govern.spec.model import CLASSIFICATION_METRICS, LOWER_IS_BETTER, REGRESSION_METRICS
from govern.stats.capture import capture_groups, resampled_capture, top_decile_capture
from govern.stats.cells import auc_cells, make_cells, resampled_auc

_EPS = 1e-15


def _roc_auc(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC per row of ``y``/``s`` (2-D); NaN where a row has one class."""
    ranks = rankdata(s, axis=-1)
    pos = y.sum(axis=-1)
    neg = y.shape[-1] - pos
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((ranks * y).sum(axis=-1) - pos * (pos + 1) / 2) / (pos * neg)


def row_loss(metric: str, y, s):
    """Each row's loss: squared error (Brier), clipped log loss, or absolute error (MAE)."""
    if metric == "mae":
        return np.abs(s - y)
    if metric == "brier":
        return (s - y) ** 2
    p = np.clip(s, _EPS, 1 - _EPS)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _log_loss(y, s):
    return row_loss("log_loss", y, s).mean(axis=-1)


def _brier(y, s):
    return row_loss("brier", y, s).mean(axis=-1)


def _confusion(y, s, threshold):
    pred = s >= threshold
    tp = (pred & (y == 1)).sum(axis=-1)
    fp = (pred & (y == 0)).sum(axis=-1)
    fn = (~pred & (y == 1)).sum(axis=-1)
    tn = (~pred & (y == 0)).sum(axis=-1)
    return tp, fp, fn, tn


def _ratio(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.maximum(b, 1), 0.0)


def _classification(name: str, y, s, threshold: float):
    if name == "roc_auc":
        return _roc_auc(y, s)
    if name == "log_loss":
        return _log_loss(y, s)
    if name == "brier":
        return _brier(y, s)
    tp, fp, fn, tn = _confusion(y, s, threshold)
    if name == "accuracy":
        return (tp + tn) / y.shape[-1]
    if name == "precision":
        return _ratio(tp, tp + fp)
    if name == "recall":
        return _ratio(tp, tp + fn)
    if name == "f1":
        return _ratio(2 * tp, 2 * tp + fp + fn)
    raise KeyError(name)


def _regression(name: str, y, p):
    err = p - y
    if name == "rmse":
        return np.sqrt((err**2).mean(axis=-1))
    if name == "mae":
        return np.abs(err).mean(axis=-1)
    if name == "top_decile_capture":
        return top_decile_capture(y, p)
    if name == "r2":
        total = ((y - y.mean(axis=-1, keepdims=True)) ** 2).sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return 1 - (err**2).sum(axis=-1) / total
    raise KeyError(name)


def metric_values(task: str, name: str, y, prediction, threshold: float = 0.5) -> np.ndarray:
    """``name`` on each row of ``y``/``prediction`` (1-D arrays give a 0-d result).

    For a binary task ``prediction`` is the probability of the positive class.  Regression
    also has ``top_decile_capture`` (:mod:`govern.stats.capture`), asked for by name: it is
    not among the task's default metrics.
    """
    y = np.asarray(y, dtype=float)
    prediction = np.asarray(prediction, dtype=float)
    if task == "binary":
        return _classification(name, y, prediction, threshold)
    return _regression(name, y, prediction)


def holdout_metrics(task: str, y, prediction, threshold: float = 0.5) -> dict[str, float]:
    """Every metric of the task on one holdout, as plain floats."""
    names = CLASSIFICATION_METRICS if task == "binary" else REGRESSION_METRICS
    return {n: float(metric_values(task, n, y, prediction, threshold)) for n in names}


@dataclass(frozen=True)
class _Plan:
    """What one metric reads per row: keys that define the cells, values averaged within
    them, and the metric of each model from a resample's value sums ``(R, k)`` or AUC."""

    discrete: list
    continuous: list
    values: np.ndarray
    reduce: Callable[[np.ndarray, int], list[np.ndarray]]
    auc_scores: list
    captured: bool = False


def confusion_columns(y, preds):
    """Per-row TP, FP, FN, TN indicators of each 0/1 prediction, side by side."""
    cols = []
    for p in preds:
        cols += [y * p, (1 - y) * p, y * (1 - p), (1 - y) * (1 - p)]
    return np.stack(cols, axis=1)


def threshold_metric(name, s):
    """Accuracy, precision, recall or f1 from ``(R, 4)`` confusion counts."""
    tp, fp, fn, tn = s[:, 0], s[:, 1], s[:, 2], s[:, 3]
    if name == "accuracy":
        return (tp + tn) / (tp + fp + fn + tn)
    if name == "precision":
        return _ratio(tp, tp + fp)
    if name == "recall":
        return _ratio(tp, tp + fn)
    return _ratio(2 * tp, 2 * tp + fp + fn)


def _plan(task: str, metric: str, y: np.ndarray, models: list[np.ndarray], threshold) -> _Plan:
    """The cells and per-row values of ``metric`` for one model or a pair (same rows);
    ``threshold`` is one for all models or one per model (each acts at its own policy's)."""
    paired = len(models) == 2
    if task == "binary" and metric == "roc_auc":
        return _Plan([y], list(models), np.zeros((len(y), 0)), lambda s, n: [], list(models))
    if task == "binary" and metric in ("accuracy", "precision", "recall", "f1"):
        cuts = np.broadcast_to(np.asarray(threshold, dtype=float), (len(models),))
        preds = [(m >= t).astype(float) for m, t in zip(models, cuts)]
        return _Plan([y, *preds], [], confusion_columns(y, preds),
                     lambda s, n: [threshold_metric(metric, s[:, 4 * i: 4 * i + 4]) for i in range(len(models))], [])
    if metric in ("brier", "log_loss", "mae"):
        losses = [row_loss(metric, y, m) for m in models]
        key = [losses[0] - losses[1]] if paired else losses
        return _Plan([], key, np.stack(losses, axis=1), lambda s, n: [s[:, i] / n for i in range(len(models))], [])
    if metric == "top_decile_capture":
        return _Plan([], list(models), y[:, None], lambda s, n: [], [], captured=True)
    squared = [(m - y) ** 2 for m in models]
    if metric == "rmse":
        return _Plan([], squared, np.stack(squared, axis=1), lambda s, n: [np.sqrt(s[:, i] / n) for i in range(len(models))], [])
    if metric == "r2":
        key = [squared[0] - squared[1], y] if paired else [squared[0], y]

        def r2(s, n):
            total = s[:, -1] - s[:, -2] ** 2 / n
            with np.errstate(invalid="ignore", divide="ignore"):
                return [1 - s[:, i] / total for i in range(len(models))]

        return _Plan([], key, np.stack([*squared, y, y * y], axis=1), r2, [])
    raise KeyError(metric)


def _resampled(task, metric, y, models, threshold, resamples, seed) -> np.ndarray:
    """``(resamples, models)`` values of the metric over row-level bootstrap resamples."""
    plan = _plan(task, metric, y, models, threshold)
    cells = make_cells(plan.discrete, plan.continuous)
    means = cells.means(plan.values) if plan.values.shape[1] else None
    aucs = [auc_cells(cells, 1 + i, y, s) for i, s in enumerate(plan.auc_scores)]
    spend = means[:, 0] if plan.captured and means is not None else np.zeros(0)
    groups = [capture_groups(cells, i) for i in range(len(models))] if len(spend) else []
    out = []
    for draws in cells.draws(resamples, seed):
        if groups:
            out.append(np.stack([resampled_capture(g, draws, spend, cells.rows) for g in groups], axis=1))
        elif aucs:
            out.append(np.stack([resampled_auc(a, draws) for a in aucs], axis=1))
        else:
            out.append(np.stack(plan.reduce(draws @ means, cells.rows), axis=1))
    return np.concatenate(out)


def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float, int]:
    """Lower and upper percentile of the finite values, and how many were finite."""
    values = values[np.isfinite(values)]
    alpha = (1 - confidence) / 2
    return float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha)), int(len(values))


def paired_bootstrap(
    task: str,
    metric: str,
    y,
    challenger,
    champion,
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    threshold: float | tuple[float, float] = 0.5,
    seed: int = 0,
    chunk: int = 200,
) -> Comparison:
    """Percentile interval of the metric difference over rows resampled in pairs.

    Both models are scored on the *same* resampled rows each time (one draw of counts
    over cells keyed on both models' quantities), so the interval reflects the difference
    between them rather than the noise of each.  ``chunk`` is kept for callers; the
    draws are chunked by ``govern.stats.cells``.
    """
    y = np.asarray(y, dtype=float)
    a = np.asarray(challenger, dtype=float)
    b = np.asarray(champion, dtype=float)
    if not (len(y) == len(a) == len(b)) or len(y) == 0:
        raise ValueError("paired bootstrap needs equally long, non-empty arrays")
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    both = _resampled(task, metric, y, [a, b], threshold, resamples, seed)
    lower, upper, finite = percentile_interval(sign * (both[:, 0] - both[:, 1]), confidence)
    cut_a, cut_b = np.broadcast_to(np.asarray(threshold, dtype=float), (2,))
    point_a = float(metric_values(task, metric, y, a, float(cut_a)))
    point_b = float(metric_values(task, metric, y, b, float(cut_b)))
    return Comparison(
        metric=metric,
        challenger=point_a,
        champion=point_b,
        delta=sign * (point_a - point_b),
        lower=lower,
        upper=upper,
        confidence=confidence,
        resamples=finite,
        rows=int(len(y)),
    )


def bootstrap_interval(task, metric, y, prediction, *, resamples=500, confidence=0.95, threshold=0.5, seed=0):
    """Percentile interval of one model's metric, for the card's "metrics with intervals"
    (every metric of the task, precision, recall and f1 included)."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(prediction, dtype=float)
    lower, upper, _ = percentile_interval(_resampled(task, metric, y, [p], threshold, resamples, seed)[:, 0], confidence)
    return lower, upper
