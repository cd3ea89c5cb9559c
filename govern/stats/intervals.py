"""Every interval of one model's card, from one set of resamples.

The card gives a classifier's ROC AUC, log loss, Brier score, accuracy, precision,
recall and f1, each with its bootstrap interval.  All seven read the same per-row
quantities: the label, the score, and the prediction at the threshold (each loss is a
monotone function of the score given the label).  So the rows are grouped once into
cells of (label, prediction, score bin), one multinomial draw of counts over those
cells is one row-level resample for all seven metrics, and the draws (most of the
cost) are made once instead of seven times.  The threshold metrics stay exact, since
the prediction is a key; the AUC and the losses are binned as in ``govern.stats.evaluation``,
whose per-metric ``bootstrap_interval`` stays the reference (tests compare the two).
Regression metrics read different quantities and keep the per-metric path.
"""

from __future__ import annotations

import numpy as np

from govern.stats.cells import auc_cells, make_cells, resampled_auc
from govern.stats.evaluation import bootstrap_interval, confusion_columns, percentile_interval, row_loss, threshold_metric

_MEANS = ("brier", "log_loss")
_CONFUSION = ("accuracy", "precision", "recall", "f1")


def bootstrap_intervals(task: str, metrics, y, prediction, *, resamples=500, confidence=0.95, threshold=0.5, seed=0) -> dict[str, tuple[float, float]]:
    """Percentile interval of each of ``metrics`` for one model, the resamples shared."""
    if task != "binary" or not set(metrics) <= {"roc_auc", *_MEANS, *_CONFUSION}:
        return {m: bootstrap_interval(task, m, y, prediction, resamples=resamples, confidence=confidence, threshold=threshold, seed=seed) for m in metrics}
    y = np.asarray(y, dtype=float)
    score = np.asarray(prediction, dtype=float)
    predicted = (score >= threshold).astype(float)
    losses = np.stack([row_loss(m, y, score) for m in _MEANS], axis=1)
    cells = make_cells([y, predicted], [score])
    means = cells.means(np.concatenate([losses, confusion_columns(y, [predicted])], axis=1))
    auc = auc_cells(cells, 2, y, score) if "roc_auc" in metrics else None
    values: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    for draws in cells.draws(resamples, seed):
        sums = draws @ means
        for metric in metrics:
            if metric == "roc_auc" and auc is not None:
                values[metric].append(resampled_auc(auc, draws))
            elif metric in _MEANS:
                values[metric].append(sums[:, _MEANS.index(metric)] / cells.rows)
            else:
                values[metric].append(threshold_metric(metric, sums[:, 2:6]))
    return {m: percentile_interval(np.concatenate(v), confidence)[:2] for m, v in values.items()}
