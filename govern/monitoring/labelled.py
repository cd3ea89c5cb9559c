"""The labelled checks of a streamed monitoring run, from counts that merge exactly.

A binary champion's metrics, the primary metric's bootstrap interval and the fairness
report read only each row's label, score and sensitive groups, so each chunk adds exact
sums (losses; rows per group, label and decision) and its positives and negatives per
(group combination, distinct score) (:class:`govern.stats.grouped.ScoreCounts`); no row
is kept.  The numbers are the in-memory path's (:func:`govern.monitoring.check.check`):
the same metrics, the same bootstrap cells and draws, DeLong's AUCs from cumulative
counts, and the fairness report's draws from the same generator in the same order
(``tests/monitoring/test_labelled.py``), while the distinct pairs fit ``DISTINCT_BUDGET``;
past it memory stays bounded and the AUCs carry a stated bound.  A regression champion
keeps label, prediction and groups per row and the in-memory functions judge them (its
fairness draws rows within groups).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govern.checks.fairness import assess as fairness_checks
from govern.checks.fairness import intervals as boot
from govern.checks.fairness.tables import feature_block
from govern.core.errors import DataValidationError
from govern.evidence.fairness import INTERSECTION_SEPARATOR, FairnessReport
from govern.evidence.monitoring import BaseRate
from govern.spec.model import CLASSIFICATION_METRICS
from govern.stats import grouped
from govern.stats.evaluation import holdout_metrics, row_loss, threshold_metric
from govern.stats.group_metrics import binary_rates

_COMPACT_EVERY = 1_000_000
# Distinct (group combination, score) pairs kept exactly (32 bytes each).  Past it the scores
# are floored to the finest power-of-two grid that fits: AUCs then move by at most
# :func:`grouped.tie_bound` (``auc_bound``); 10M rows of distinct scores: grid 3.8e-6, bound
# 2.0e-6, error 3e-10, peak 690 MiB for the counts alone.  Losses and the decision cells are
# summed before flooring, so they stay exact.
DISTINCT_BUDGET = 2_000_000


class Labelled:
    """Counts of a binary champion's labelled rows: exact sums for the losses and the
    (group, label, decision) cells, and positives and negatives per group combination and
    distinct score for the AUCs and the interval."""

    def __init__(self, sensitive: list[str], threshold: float, budget: int = DISTINCT_BUDGET):
        self.sensitive, self.threshold, self.budget = sensitive, threshold, budget
        self.groups: dict[tuple, int] = {}
        self.parts: list[grouped.ScoreCounts] = []
        self.pending, self.grid = 0, 0.0
        self.cells = np.zeros((0, 4), dtype=np.int64)
        self.losses = {"log_loss": 0.0, "brier": 0.0}

    def _codes(self, y, sensitive: pd.DataFrame) -> np.ndarray:
        local, keys = np.zeros(len(y), dtype=np.int64), [()]
        if self.sensitive:
            parts = [pd.factorize(column) for _, column in fairness_checks.as_groups(sensitive[self.sensitive]).items()]
            for codes, uniques in parts:
                local = local * len(uniques) + codes
            combined, local = np.unique(local, return_inverse=True)
            keys = []
            for value in combined.tolist():
                key = []
                for _, uniques in reversed(parts):
                    value, at = divmod(value, len(uniques))
                    key.append(str(uniques[at]))
                keys.append(tuple(reversed(key)))
        return np.array([self.groups.setdefault(tuple(k), len(self.groups)) for k in keys], dtype=np.int64)[local]

    def _add_cells(self, cells: np.ndarray) -> None:
        grown = np.zeros((len(self.groups), 4), dtype=np.int64)
        grown[: len(self.cells)] += self.cells
        grown[: len(cells)] += cells
        self.cells = grown

    def add(self, y, score, sensitive: pd.DataFrame) -> None:
        y, score = np.asarray(y), np.asarray(score, dtype=float)
        if not set(np.unique(y).tolist()) <= {0, 1}:
            raise DataValidationError("fairness: y_true must hold 0/1 labels for a binary task")
        y = y.astype(np.int64)
        codes = self._codes(y, sensitive)
        pred = (score >= self.threshold).astype(np.int64)
        self._add_cells(np.bincount(codes * 4 + 2 * y + pred, minlength=4 * len(self.groups)).reshape(-1, 4))
        for name in self.losses:
            self.losses[name] += float(row_loss(name, y, score).sum())
        self._keep(grouped.ScoreCounts.of(codes, y, score).floored(self.grid))

    def _keep(self, part: grouped.ScoreCounts) -> None:
        self.parts.append(part)
        self.pending += len(part.score)
        if self.pending > min(_COMPACT_EVERY, self.budget) and len(self.parts) > 1:
            merged = grouped.ScoreCounts.merge(self.parts)
            while len(merged.score) > self.budget:
                self.grid = self.grid * 2 if self.grid else 2.0**-30
                merged = merged.floored(self.grid)
            self.parts, self.pending = [merged], len(merged.score)

    def merge(self, other: Labelled) -> None:
        """Add another partition's counts (exact), its group codes renamed to these; the
        coarser of the two grids is kept."""
        to_mine = np.array([self.groups.setdefault(k, len(self.groups)) for k in other.groups], dtype=np.int64)
        moved = np.zeros((len(self.groups), 4), dtype=np.int64)
        np.add.at(moved, to_mine[: len(other.cells)], other.cells)
        self._add_cells(moved)
        for name in self.losses:
            self.losses[name] += other.losses[name]
        if other.grid > self.grid:
            self.parts, self.grid = [p.floored(other.grid) for p in self.parts], other.grid
        for part in other.parts:
            self._keep(grouped.ScoreCounts(to_mine[part.code], part.score, part.pos, part.neg).floored(self.grid))

    def counts(self) -> tuple[grouped.ScoreCounts, list[tuple], np.ndarray]:
        """The merged counts and cells with group codes in sorted order of their labels (the in-memory order)."""
        ordered = sorted(self.groups)
        to_sorted = np.empty(max(len(ordered), 1), dtype=np.int64)
        for rank, key in enumerate(ordered):
            to_sorted[self.groups[key]] = rank
        parts = [grouped.ScoreCounts(to_sorted[p.code], p.score, p.pos, p.neg) for p in self.parts]
        cells = np.zeros_like(self.cells)
        cells[to_sorted[: len(self.cells)]] = self.cells
        return grouped.ScoreCounts.merge(parts), ordered, cells

    def judge(self, spec, reference):
        """Metrics, base rate, fairness report and the primary metric's interval, as the in-memory path."""
        counts, ordered, cells = self.counts()
        if not counts.rows:
            raise DataValidationError("fairness: no rows to assess")
        whole = counts.overall()
        n, (tn, fp, fn, tp) = counts.rows, cells.sum(0)
        metrics = {"roc_auc": grouped.mann_whitney(whole.score, whole.pos, whole.neg)}
        metrics.update({name: total / n for name, total in self.losses.items()})
        confusion = np.array([[tp, fp, fn, tn]], dtype=float)
        metrics.update({name: float(threshold_metric(name, confusion)[0]) for name in ("accuracy", "f1", "precision", "recall")})
        metrics = {name: metrics[name] for name in CLASSIFICATION_METRICS}
        rate = BaseRate(training=reference.train_positive_rate, current=float((tp + fn) / n))
        fairness = fairness_report(spec, counts, ordered, cells, self.sensitive) if self.sensitive else None
        self.auc_bound = grouped.tie_bound(whole.pos, whole.neg) if self.grid else 0.0

        def interval(metric):
            return grouped.bootstrap_interval(metric, whole.score, whole.pos, whole.neg, threshold=reference.threshold, seed=spec.split.seed)

        return metrics, rate, fairness, interval


class LabelledRows:
    """A regression champion's labelled rows, judged by the in-memory functions."""

    def __init__(self, sensitive: list[str]):
        self.sensitive, self.ys, self.scores, self.frames = sensitive, [], [], []

    def add(self, y, score, sensitive: pd.DataFrame) -> None:
        self.ys.append(np.asarray(y))
        self.scores.append(np.asarray(score))
        self.frames.append(sensitive[self.sensitive].astype("category") if self.sensitive else sensitive.iloc[:, :0])

    def merge(self, other: LabelledRows) -> None:
        self.ys += other.ys
        self.scores += other.scores
        self.frames += other.frames

    def judge(self, spec, reference):
        from govern.stats.evaluation import bootstrap_interval

        y, score = np.concatenate(self.ys), np.concatenate(self.scores)
        metrics = holdout_metrics(spec.task, y, score, reference.threshold)
        labels = pd.concat(self.frames, ignore_index=True).assign(**{spec.data.target: y})
        fairness = fairness_checks.assess_scores(spec, labels, score, threshold=reference.threshold)

        def interval(metric):
            return bootstrap_interval(spec.task, metric, y, score, threshold=reference.threshold, seed=spec.split.seed)

        return metrics, None, fairness, interval


def labels_for(spec, sensitive: list[str], threshold: float) -> Labelled | LabelledRows:
    return Labelled(sensitive, threshold) if spec.task == "binary" else LabelledRows(sensitive)


def fairness_report(spec, counts: grouped.ScoreCounts, ordered: list[tuple], fine_counts: np.ndarray, columns: list[str]) -> FairnessReport:
    """:func:`govern.checks.fairness.assess.assess_scores` of a binary champion from the counts:
    the same cells, draws in the same order from the same seed, DeLong's AUCs from counts."""
    fairness, seed = spec.fairness, spec.split.seed
    rules = {"min_group_size": int(fairness.min_group_size), "min_class_size": int(fairness.min_class_size), "confidence": float(fairness.confidence)}
    resamples = int(fairness.resamples)
    rng = np.random.default_rng(seed)
    fine_draws = boot.binary_count_draws(fine_counts, resamples, rng)
    whole = counts.overall()
    auc, se = grouped.delong(whole.score, whole.pos, whole.neg)
    point, draws = binary_rates(fine_counts.sum(0)), binary_rates(fine_draws.sum(1))
    point["roc_auc"], draws["roc_auc"] = np.array(auc), boot.auc_draws(np.array([auc]), np.array([se]), resamples, rng)[:, 0]
    overall = (point, draws)
    features = {name: [name] for name in columns}
    if len(columns) >= 2:
        features[INTERSECTION_SEPARATOR.join(columns)] = columns
    report = {}
    for name, members in features.items():
        at = [columns.index(m) for m in members]
        keys = [tuple(key[i] for i in at) for key in ordered]
        labels = sorted(set(keys))
        rank = {k: i for i, k in enumerate(labels)}
        to_group = np.array([rank[k] for k in keys], dtype=np.int64)
        point = binary_rates(boot.sum_to_groups(fine_counts[None], to_group, len(labels))[0])
        draws = binary_rates(boot.sum_to_groups(fine_draws, to_group, len(labels)))
        aucs, ses = grouped.group_delong(counts.regroup(to_group), len(labels))
        point["roc_auc"], draws["roc_auc"] = aucs, boot.auc_draws(aucs, ses, resamples, rng)
        report[name] = feature_block("binary", [INTERSECTION_SEPARATOR.join(k) for k in labels], point, draws, overall, rules)
    return FairnessReport(task="binary", **rules, resamples=resamples, seed=int(seed), interval_method=fairness_checks.INTERVAL_METHOD, features=report)
