"""Counts per distinct score, merged across chunks, give the in-memory path's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from govern.stats import evaluation, grouped
from govern.stats.group_metrics import delong_auc


def _rows(n: int, seed: int, distinct: int | None = None):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.25).astype(int)
    score = np.clip(0.3 * y + rng.normal(0.35, 0.2, n), 0.001, 0.999)
    if distinct:
        score = np.round(score * distinct) / distinct  # ties, as a tree model's scores have
    return y, score


def _chunked(y, score, size=700) -> grouped.ScoreCounts:
    parts = [grouped.ScoreCounts.of(np.zeros(len(y[i:i + size])), y[i:i + size], score[i:i + size]) for i in range(0, len(y), size)]
    return grouped.ScoreCounts.merge(parts)


@pytest.mark.parametrize("n,distinct", [(3000, 40), (5000, None), (40_000, None)])
def test_metrics_and_delong_from_merged_counts_equal_the_rows(n, distinct):
    y, score = _rows(n, 1, distinct)
    counts = _chunked(y, score)
    assert counts.rows == n and len(counts.score) == len(np.unique(score))
    streamed = grouped.holdout_metrics(counts.score, counts.pos, counts.neg, 0.5)
    memory = evaluation.holdout_metrics("binary", y, score, 0.5)
    assert streamed["roc_auc"] == memory["roc_auc"]  # integer-valued sums: exact
    for name in memory:
        assert streamed[name] == pytest.approx(memory[name], rel=1e-12, abs=1e-15), name
    order = np.argsort(score, kind="stable")
    auc, se = delong_auc(score[order], y[order])
    assert grouped.delong(counts.score, counts.pos, counts.neg) == pytest.approx((auc, se), rel=1e-10)


@pytest.mark.parametrize("metric", ["roc_auc", "log_loss", "brier", "accuracy", "f1"])
@pytest.mark.parametrize("n,distinct", [(3000, 40), (30_000, None)])
def test_the_bootstrap_interval_from_counts_is_the_in_memory_one(metric, n, distinct):
    y, score = _rows(n, 2, distinct)
    counts = _chunked(y, score)
    streamed = grouped.bootstrap_interval(metric, counts.score, counts.pos, counts.neg, threshold=0.45, seed=7, resamples=200)
    memory = evaluation.bootstrap_interval("binary", metric, y, score, threshold=0.45, seed=7, resamples=200)
    if metric in ("roc_auc", "accuracy", "f1"):
        assert streamed == memory  # the same cells, counts and draws
    else:
        assert streamed == pytest.approx(memory, rel=1e-9)  # cell means summed in another order


def test_weighted_quantiles_are_numpy_quantiles_of_the_repeated_values():
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=500), rng.integers(1, 9, 500)
    levels = np.linspace(0, 1, 257)[1:-1]
    assert np.array_equal(grouped.weighted_quantiles(x, w, levels), np.quantile(np.repeat(x, w), levels))


def test_group_delong_per_code_and_regrouping():
    y, score = _rows(6000, 4, 60)
    code = np.random.default_rng(5).integers(0, 3, len(y))
    counts = grouped.ScoreCounts.merge([grouped.ScoreCounts.of(code[i:i + 900], y[i:i + 900], score[i:i + 900]) for i in range(0, len(y), 900)])
    auc, se = grouped.group_delong(counts, 3)
    for g in range(3):
        rows = np.flatnonzero(code == g)
        order = rows[np.argsort(score[rows], kind="stable")]
        assert (auc[g], se[g]) == pytest.approx(delong_auc(score[order], y[order]), rel=1e-10)
    whole = counts.overall()
    assert np.array_equal(whole.score, np.unique(score)) and whole.rows == len(y)
