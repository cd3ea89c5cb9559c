"""A row-level bootstrap drawn as counts over cells of rows, for any number of rows.

Resampling n rows with replacement is a multinomial draw of how often each row is
taken; rows that agree on every quantity a metric reads can share one count.  The
cells here are those combinations when there are at most ``CELL_BUDGET`` of them (the
draw is then exactly the row-level bootstrap), and quantile bins of the continuous
quantities otherwise (see ``govern.stats.evaluation`` for why that loses nothing a reviewer
could see).  A resample costs O(cells), whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse

# About 2 ms per multinomial draw over this many cells on one core.
CELL_BUDGET = 16_384
_CHUNK = 100


def _codes(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Cell index of each row and each cell's row count, from integer key columns."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        _, code = np.unique(code * (int(col.max()) + 1) + col, return_inverse=True)
    _, inverse, counts = np.unique(code, return_inverse=True, return_counts=True)
    return inverse.reshape(-1), counts


def quantile_bins(x: np.ndarray, bins: int) -> np.ndarray:
    """Bin of each value; equal values share a bin and order is kept.

    Half the edges are quantiles (the bulk of the rows is resolved finely), half evenly
    spaced over the range (a heavy tail's few extreme rows, which carry much of a mean's
    variance, get bins of their own instead of being averaged with milder ones)."""
    half = max(bins // 2, 1)
    quantiles = np.quantile(x, np.linspace(0, 1, half + 1)[1:-1])
    spaced = np.linspace(x.min(), x.max(), half + 1)[1:-1]
    return np.searchsorted(np.unique(np.concatenate([quantiles, spaced])), x, side="right")


@dataclass(frozen=True)
class Cells:
    """Rows grouped into cells: ``keys[i][c]`` is cell c's value of key i (a rank or bin)."""

    index: np.ndarray
    counts: np.ndarray
    keys: list[np.ndarray]
    exact: bool

    @property
    def rows(self) -> int:
        return int(self.counts.sum())

    def means(self, values: np.ndarray) -> np.ndarray:
        """Per-cell mean of each column of ``values`` (rows x k): ``(cells, k)``."""
        return np.stack([np.bincount(self.index, weights=v, minlength=len(self.counts)) for v in values.T], axis=1) / self.counts[:, None]

    def draws(self, resamples: int, seed: int) -> Iterator[np.ndarray]:
        """Cell counts of ``resamples`` row-level resamples, in chunks of ``(chunk, cells)``."""
        rng = np.random.default_rng(seed)
        shares = self.counts / self.rows
        for start in range(0, resamples, _CHUNK):
            yield rng.multinomial(self.rows, shares, size=min(_CHUNK, resamples - start)).astype(float)


def make_cells(discrete: list[np.ndarray], continuous: list[np.ndarray], budget: int = CELL_BUDGET) -> Cells:
    """Exact cells when the distinct combinations fit the budget, else the finest quantile
    bins of the continuous keys that do (discrete keys are always kept exact)."""
    return fit_cells(discrete, continuous, budget, quantile_bins, _codes)


def fit_cells(discrete: list[np.ndarray], continuous: list[np.ndarray], budget: int, bins, codes) -> Cells:
    """:func:`make_cells` with its binning ``bins(x, per)`` and coding ``codes(columns)``
    given, so weighted rows (:func:`govern.stats.grouped.weighted_cells`) share the search."""
    ranks = [np.unique(x, return_inverse=True)[1].reshape(-1) for x in discrete + continuous]
    index, counts = codes(ranks)
    exact = len(counts) <= budget
    if not exact:
        size = int(np.prod([r.max() + 1 for r in ranks[: len(discrete)]])) if discrete else 1
        per, best = max(2, int((budget / size) ** (1 / len(continuous)))), None
        for _ in range(3):
            binned = ranks[: len(discrete)] + [bins(x, per) for x in continuous]
            index, counts = codes(binned)
            if len(counts) <= budget:
                best, per = (binned, index, counts), int(per * 1.5)
            elif best is not None:
                break
            else:
                per = max(2, per // 2)
        ranks, index, counts = best or (binned, index, counts)
    keys = []
    for r in ranks:
        key = np.empty(len(counts), dtype=np.int64)
        key[index] = r
        keys.append(key)
    return Cells(index, counts, keys, exact)


@dataclass(frozen=True)
class AucCells:
    """What a resampled AUC needs from the cells: each cell's bin and label, and the
    fraction of concordant positive-negative pairs inside each bin on the full data."""

    to_bins: sparse.csr_matrix
    within: np.ndarray
    bins: int


def auc_cells(cells: Cells, score_key: int, y: np.ndarray, score: np.ndarray) -> AucCells:
    """Prepare a model's AUC over the cells; ``score_key`` indexes its bin among ``cells.keys``."""
    label = np.rint(cells.means(y[:, None])[:, 0]).astype(np.int64)
    return auc_from_counts(cells, score_key, score, y, 1 - y, label)


def auc_from_counts(cells: Cells, score_key: int, score: np.ndarray, pos: np.ndarray, neg: np.ndarray, label: np.ndarray) -> AucCells:
    """:func:`auc_cells` where each row of ``cells.index`` stands for ``pos`` positives and
    ``neg`` negatives at its ``score`` (one row: its label and one minus it); ``label`` is
    each cell's label."""
    row_bin = cells.keys[score_key][cells.index]
    bins = int(row_bin.max()) + 1
    values, group = np.unique(score, return_inverse=True)
    group = group.reshape(-1)
    pos = np.bincount(group, weights=pos, minlength=len(values))
    neg = np.bincount(group, weights=neg, minlength=len(values))
    group_bin = np.zeros(len(values), dtype=np.int64)
    group_bin[group] = row_bin
    neg_before = np.cumsum(neg) - neg
    bin_neg = np.bincount(group_bin, weights=neg, minlength=bins)
    bin_start = (np.cumsum(bin_neg) - bin_neg)[group_bin]
    concordant = np.bincount(group_bin, weights=pos * (neg_before - bin_start + 0.5 * neg), minlength=bins)
    pairs = np.bincount(group_bin, weights=pos, minlength=bins) * bin_neg
    within = np.divide(concordant, pairs, out=np.zeros(bins), where=pairs > 0)
    to_bins = sparse.csr_matrix((np.ones(len(label)), (np.arange(len(label)), cells.keys[score_key] + bins * label)), shape=(len(label), 2 * bins))
    return AucCells(to_bins, within, bins)


def resampled_auc(prep: AucCells, draws: np.ndarray) -> np.ndarray:
    """AUC of each resample from its cell counts: pairs across bins by a cumulative sum
    of negatives along the sorted bins, pairs inside a bin by its concordant fraction."""
    counts = np.asarray((prep.to_bins.T @ draws.T).T)
    neg, pos = counts[:, : prep.bins], counts[:, prep.bins :]
    below = np.cumsum(neg, axis=1) - neg
    concordant = (pos * below).sum(axis=1) + (prep.within * pos * neg).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return concordant / (pos.sum(axis=1) * neg.sum(axis=1))
