"""A binary model's metrics, bootstrap intervals and DeLong AUCs from counts per distinct
score, so they can be merged across chunks of any number of rows.

Every classification metric of a holdout reads only the label and the score of each
row, so ``(score, positives, negatives)`` per distinct score (:class:`ScoreCounts`,
mergeable exactly by adding) holds all of it.  The Mann-Whitney AUC and DeLong's
placement values depend only on ranks, so they come from cumulative counts; the
bootstrap of :func:`govern.stats.evaluation.bootstrap_interval` is rebuilt on the same
cells (its quantile bins found from cumulative counts, numpy's own interpolation) and
drawn with the same seed, so it gives the same interval.  The in-memory functions stay
the reference: ``tests/stats/test_grouped.py`` checks these against them.  Memory is
O(distinct scores), not O(rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from govern.spec.model import CLASSIFICATION_METRICS
from govern.stats.cells import CELL_BUDGET, Cells, auc_from_counts, fit_cells, resampled_auc
from govern.stats.evaluation import confusion_columns, percentile_interval, row_loss, threshold_metric

_CONFUSION = ("accuracy", "precision", "recall", "f1")


@dataclass(frozen=True)
class ScoreCounts:
    """Positives and negatives per (group code, distinct score), sorted by group then score."""

    code: np.ndarray
    score: np.ndarray
    pos: np.ndarray
    neg: np.ndarray

    @staticmethod
    def of(code, y, score) -> ScoreCounts:
        code, y, score = np.asarray(code, dtype=np.int64), np.asarray(y, dtype=np.int64), np.asarray(score, dtype=float)
        order = np.lexsort((score, code))
        code, y, score = code[order], y[order], score[order]
        start = np.flatnonzero(np.r_[True, (code[1:] != code[:-1]) | (score[1:] != score[:-1])])
        pos = np.add.reduceat(y, start) if len(y) else np.zeros(0, np.int64)
        size = np.diff(np.r_[start, len(y)])
        return ScoreCounts(code[start], score[start], pos.astype(np.int64), (size - pos).astype(np.int64))

    @staticmethod
    def merge(parts: list[ScoreCounts]) -> ScoreCounts:
        """Exact: counts of equal (code, score) added."""
        code = np.concatenate([p.code for p in parts]) if parts else np.zeros(0, np.int64)
        score = np.concatenate([p.score for p in parts]) if parts else np.zeros(0)
        pos = np.concatenate([p.pos for p in parts]) if parts else np.zeros(0, np.int64)
        neg = np.concatenate([p.neg for p in parts]) if parts else np.zeros(0, np.int64)
        order = np.lexsort((score, code))
        code, score, pos, neg = code[order], score[order], pos[order], neg[order]
        start = np.flatnonzero(np.r_[True, (code[1:] != code[:-1]) | (score[1:] != score[:-1])]) if len(code) else np.zeros(0, np.int64)
        if not len(code):
            return ScoreCounts(code, score, pos, neg)
        return ScoreCounts(code[start], score[start], np.add.reduceat(pos, start), np.add.reduceat(neg, start))

    def regroup(self, to_group: np.ndarray) -> ScoreCounts:
        """The same counts under coarser groups (``to_group[code]``)."""
        return ScoreCounts.merge([ScoreCounts(np.asarray(to_group)[self.code], self.score, self.pos, self.neg)])

    def floored(self, grid: float) -> ScoreCounts:
        """Scores floored to multiples of ``grid`` (a power of two: flooring twice is flooring
        once to the coarser grid), equal ones merged; order across grid steps is kept."""
        if not grid:
            return self
        return ScoreCounts.merge([ScoreCounts(self.code, np.floor(self.score / grid) * grid, self.pos, self.neg)])

    def overall(self) -> ScoreCounts:
        return self.regroup(np.zeros(int(self.code.max()) + 1 if len(self.code) else 1, dtype=np.int64))

    @property
    def rows(self) -> int:
        return int(self.pos.sum() + self.neg.sum())


def delong(score: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    """:func:`govern.stats.group_metrics.delong_auc` of one group from its sorted distinct
    scores: a positive's placement is the negatives below it plus half those tied."""
    n_pos, n_neg = int(pos.sum()), int(neg.sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan"), float("nan")
    pos, neg = pos.astype(float), neg.astype(float)
    v10 = (np.cumsum(neg) - neg + 0.5 * neg) / n_neg
    v01 = (n_pos - np.cumsum(pos) + 0.5 * pos) / n_pos
    auc = float((pos * v10).sum() / n_pos)
    mean01 = float((neg * v01).sum() / n_neg)
    var10 = float((pos * (v10 - auc) ** 2).sum() / (n_pos - 1)) if n_pos > 1 else 0.0
    var01 = float((neg * (v01 - mean01) ** 2).sum() / (n_neg - 1)) if n_neg > 1 else 0.0
    return auc, float(np.sqrt(var10 / n_pos + var01 / n_neg))


def mann_whitney(score: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> float:
    """The AUC as :func:`govern.stats.evaluation.metric_values` gives it: concordant pairs
    (ties half) over all pairs, each an exact sum of halves, so the same float."""
    pos, neg = pos.astype(float), neg.astype(float)
    pairs = pos.sum() * neg.sum()
    if pairs == 0:
        return float("nan")
    return float((pos * (np.cumsum(neg) - neg + 0.5 * neg)).sum() / pairs)


def tie_bound(pos: np.ndarray, neg: np.ndarray) -> float:
    """Largest change of the AUC from merging scores into these values: a pair inside one
    value counts a half whatever its true order, pairs across values keep theirs."""
    pos, neg = pos.astype(float), neg.astype(float)
    pairs = pos.sum() * neg.sum()
    return float(0.5 * (pos * neg).sum() / pairs) if pairs else 0.0


def group_delong(counts: ScoreCounts, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """DeLong AUC and standard error per group code."""
    auc, se = np.full(n_groups, np.nan), np.full(n_groups, np.nan)
    bounds = np.searchsorted(counts.code, np.arange(n_groups + 1))
    for g in range(n_groups):
        part = slice(bounds[g], bounds[g + 1])
        auc[g], se[g] = delong(counts.score[part], counts.pos[part], counts.neg[part])
    return auc, se


def _expanded(score, pos, neg) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One entry per (label, distinct score) present, with its row count as weight."""
    y = np.r_[np.ones(len(score)), np.zeros(len(score))]
    s, w = np.r_[score, score], np.r_[pos, neg].astype(np.int64)
    keep = w > 0
    return y[keep], s[keep], w[keep]


def holdout_metrics(score, pos, neg, threshold: float) -> dict[str, float]:
    """:func:`govern.stats.evaluation.holdout_metrics` of a binary task from the counts."""
    y, s, w = _expanded(score, pos, neg)
    n, positives = float(w.sum()), float((w * y).sum())
    out = {"roc_auc": mann_whitney(score, pos, neg)}
    for name in ("log_loss", "brier"):
        out[name] = float((w * row_loss(name, y, s)).sum() / n)
    pred = s >= threshold
    tp, fp = float(w[pred & (y == 1)].sum()), float(w[pred & (y == 0)].sum())
    fn, tn = positives - tp, n - positives - fp
    for name in _CONFUSION:
        out[name] = float(threshold_metric(name, np.array([[tp, fp, fn, tn]]))[0])
    return {name: out[name] for name in CLASSIFICATION_METRICS}


def _lerp(a, b, t):
    """numpy's quantile interpolation (``numpy.lib._function_base_impl._lerp``), the same operations."""
    diff = b - a
    out = a + diff * t
    return np.where(t >= 0.5, b - diff * (1 - t), out)


def weighted_quantiles(x: np.ndarray, w: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """``np.quantile`` of ``x`` with each value repeated ``w`` times (the default linear method)."""
    order = np.argsort(x, kind="stable")
    xs, ends = x[order], np.cumsum(w[order])
    n = int(ends[-1])
    virtual = (n - 1) * levels
    previous = np.floor(virtual)
    after = np.minimum(previous + 1, n - 1)
    previous = np.where(virtual >= n - 1, n - 1, previous)
    at = lambda r: xs[np.searchsorted(ends, r, side="right")]  # noqa: E731 (the value of sorted row r)
    return _lerp(at(previous), at(after), virtual - previous)


def _bins(x, w, bins: int) -> np.ndarray:
    """:func:`govern.stats.cells.quantile_bins` on the weighted values."""
    half = max(bins // 2, 1)
    quantiles = weighted_quantiles(x, w, np.linspace(0, 1, half + 1)[1:-1])
    spaced = np.linspace(x.min(), x.max(), half + 1)[1:-1]
    return np.searchsorted(np.unique(np.concatenate([quantiles, spaced])), x, side="right")


def _codes(columns: list[np.ndarray], w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        _, code = np.unique(code * (int(col.max()) + 1) + col, return_inverse=True)
    _, inverse = np.unique(code, return_inverse=True)
    inverse = inverse.reshape(-1)
    return inverse, np.bincount(inverse, weights=w).astype(np.int64)


def weighted_cells(discrete, continuous, w, budget: int = CELL_BUDGET) -> Cells:
    """:func:`govern.stats.cells.make_cells` over rows repeated ``w`` times: the same cells,
    counts and keys; ``index`` maps each weighted row to its cell."""
    return fit_cells(discrete, continuous, budget, lambda x, per: _bins(x, w, per), lambda columns: _codes(columns, w))


def bootstrap_interval(metric: str, score, pos, neg, *, resamples=500, confidence=0.95, threshold=0.5, seed=0) -> tuple[float, float]:
    """:func:`govern.stats.evaluation.bootstrap_interval` of a binary metric from the counts."""
    y, s, w = _expanded(np.asarray(score, dtype=float), np.asarray(pos), np.asarray(neg))
    if metric == "roc_auc":
        cells = weighted_cells([y], [s], w)
        values = None
    elif metric in _CONFUSION:
        pred = (s >= threshold).astype(float)
        cells = weighted_cells([y, pred], [], w)
        values = confusion_columns(y, [pred])
    else:
        loss = row_loss(metric, y, s)
        cells = weighted_cells([], [loss], w)
        values = loss[:, None]
    if values is not None:
        means = np.stack([np.bincount(cells.index, weights=v * w, minlength=len(cells.counts)) for v in values.T], axis=1) / cells.counts[:, None]
    else:
        label = np.rint(np.bincount(cells.index, weights=y * w, minlength=len(cells.counts)) / cells.counts).astype(np.int64)
        prep = auc_from_counts(cells, 1, s, y * w, (1 - y) * w, label)
    out = []
    for draws in cells.draws(resamples, seed):
        if values is None:
            out.append(resampled_auc(prep, draws))
        elif metric in _CONFUSION:
            out.append(threshold_metric(metric, draws @ means))
        else:
            out.append((draws @ means)[:, 0] / cells.rows)
    return percentile_interval(np.concatenate(out), confidence)[:2]
