"""The row-index bootstrap the platform used before resampling by counts, kept as the
reference for benchmarks: each resample materialises its rows through an index matrix
(resamples x rows), metrics by ``govern.stats.evaluation.metric_values`` (checked against
scikit-learn in tests/test_evaluation.py)."""

from __future__ import annotations

import numpy as np

from govern.spec.model import LOWER_IS_BETTER
from govern.stats.evaluation import metric_values


def paired_bounds(task, metric, y, a, b, *, resamples=1000, confidence=0.95, threshold=0.5, seed=0, chunk=200):
    y, a, b = (np.asarray(v, dtype=float) for v in (y, a, b))
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    rng = np.random.default_rng(seed)
    deltas = []
    for start in range(0, resamples, chunk):
        idx = rng.integers(0, len(y), size=(min(chunk, resamples - start), len(y)))
        deltas.append(sign * (metric_values(task, metric, y[idx], a[idx], threshold) - metric_values(task, metric, y[idx], b[idx], threshold)))
    deltas = np.concatenate(deltas)
    deltas = deltas[np.isfinite(deltas)]
    alpha = (1 - confidence) / 2
    return float(np.quantile(deltas, alpha)), float(np.quantile(deltas, 1 - alpha))


def interval(task, metric, y, p, *, resamples=500, confidence=0.95, threshold=0.5, seed=0):
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(y), size=(resamples, len(y)))
    values = metric_values(task, metric, y[idx], p[idx], threshold)
    values = values[np.isfinite(values)]
    alpha = (1 - confidence) / 2
    return float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha))
