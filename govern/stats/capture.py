"""The share of value captured by the top decile: of all the actual spend, how much
belongs to the tenth of customers a model ranks highest.

For zero-inflated spend (most customers buy nothing in the horizon) RMSE and MAE reward
predicting little for everyone; what a campaign acts on is the ranking, and this reads
the ranking alone.  Rows tied on the prediction share the boundary of the top tenth in
proportion (a model that predicts one value for everyone captures exactly 10%), so the
value never depends on the order of ties.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from govern.stats.cells import Cells

SHARE = 0.1


def _captured(counts: np.ndarray, values: np.ndarray, top: float) -> np.ndarray:
    """Captured share from per-group counts and value sums ``(R, groups)``, the groups in
    descending order of the prediction; ``top`` rows are taken, a boundary group in part."""
    before = np.cumsum(counts, axis=-1) - counts
    with np.errstate(invalid="ignore", divide="ignore"):
        taken = np.clip(np.where(counts > 0, (top - before) / counts, 0.0), 0.0, 1.0)
        return (taken * values).sum(axis=-1) / values.sum(axis=-1)


def top_decile_capture(y, prediction, share: float = SHARE) -> np.ndarray:
    """Sum of ``y`` over the top ``share`` of rows by ``prediction`` over the sum of ``y``,
    per row of 2-D inputs (1-D gives a 0-d result); NaN when ``y`` sums to zero."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    p = np.atleast_2d(np.asarray(prediction, dtype=float))
    y = np.broadcast_to(y, p.shape)
    out = np.empty(p.shape[0])
    for i in range(p.shape[0]):
        values, group = np.unique(-p[i], return_inverse=True)
        counts = np.bincount(group.reshape(-1), minlength=len(values)).astype(float)
        sums = np.bincount(group.reshape(-1), weights=y[i], minlength=len(values))
        out[i] = _captured(counts, sums, share * p.shape[1])
    return out if np.ndim(prediction) > 1 else np.asarray(out[0])


def capture_groups(cells: Cells, key: int) -> sparse.csr_matrix:
    """Cells to their prediction group (a rank or bin of key ``key``), highest first."""
    ranks = cells.keys[key]
    groups = int(ranks.max()) + 1
    return sparse.csr_matrix((np.ones(len(ranks)), (np.arange(len(ranks)), groups - 1 - ranks)), shape=(len(ranks), groups))


def resampled_capture(groups: sparse.csr_matrix, draws: np.ndarray, mean_y: np.ndarray, rows: int, share: float = SHARE) -> np.ndarray:
    """The captured share in each resample from its cell counts ``(R, cells)``; a cell's
    rows carry its mean ``y`` (exact when the cells are the distinct predictions)."""
    counts = np.asarray((groups.T @ draws.T).T)
    values = np.asarray((groups.T @ (draws * mean_y).T).T)
    return _captured(counts, values, share * rows)
