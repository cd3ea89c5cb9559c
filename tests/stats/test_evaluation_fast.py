"""The count-based bootstrap against the row-level one it replaces (rows resampled by
index matrices, metrics by ``metric_values``, itself checked against scikit-learn)."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from govern.spec.model import LOWER_IS_BETTER
from govern.stats.cells import CELL_BUDGET, auc_cells, make_cells, resampled_auc
from govern.stats.evaluation import bootstrap_interval, metric_values, paired_bootstrap


def _index_bootstrap(task, metric, y, models, resamples, seed=11, chunk=100):
    """Reference: resample rows by an index matrix; values of each model per resample."""
    rng = np.random.default_rng(seed)
    out = []
    for start in range(0, resamples, chunk):
        idx = rng.integers(0, len(y), size=(min(chunk, resamples - start), len(y)))
        out.append(np.stack([metric_values(task, metric, y[idx], m[idx]) for m in models], axis=1))
    return np.concatenate(out)


def _bounds(values):
    values = values[np.isfinite(values)]
    return np.quantile(values, [0.025, 0.975])


def _binary(n, seed=3):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n).astype(float)
    a = np.clip(0.3 * y + rng.normal(0.35, 0.2, n), 0.01, 0.99)
    b = np.clip(0.6 * a + 0.2 * y + rng.normal(0.1, 0.1, n), 0.01, 0.99)
    return y, a, b


def _regression(n, seed=4):
    rng = np.random.default_rng(seed)
    t = rng.normal(100, 20, n)
    return t, t + rng.normal(0, 5, n), t + rng.normal(1, 6, n)


CASES = [("binary", m) for m in ("roc_auc", "brier", "log_loss", "accuracy", "precision", "recall", "f1")] + [
    ("regression", m) for m in ("rmse", "mae", "r2")]


def _assert_close(got, want, resamples):
    # A percentile bound's Monte-Carlo error is about 2.8% of the interval's width at
    # 600 resamples (1.5% at 2,000); two independent runs differ by up to about 4 of them.
    width = want[1] - want[0]
    tolerance = 0.1 if resamples >= 2000 else 0.16
    assert got[0] == pytest.approx(want[0], abs=tolerance * width)
    assert got[1] == pytest.approx(want[1], abs=tolerance * width)


BINNED = [("binary", "roc_auc"), ("binary", "log_loss"), ("regression", "rmse"), ("regression", "r2")]


@pytest.mark.parametrize("task,metric,rows", [(*c, 600) for c in CASES] + [(*c, 20_000) for c in BINNED])
def test_intervals_agree_with_the_row_level_bootstrap(task, metric, rows):
    # 600 rows: exact cells (the same distribution); 20,000: quantile bins.
    y, a, b = _binary(rows) if task == "binary" else _regression(rows)
    resamples = 2000 if rows < 1000 else 600
    ref = _index_bootstrap(task, metric, y, [a, b], resamples)
    _assert_close(bootstrap_interval(task, metric, y, a, resamples=resamples), _bounds(ref[:, 0]), resamples)
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    got = paired_bootstrap(task, metric, y, a, b, resamples=resamples)
    _assert_close((got.lower, got.upper), _bounds(sign * (ref[:, 0] - ref[:, 1])), resamples)
    assert got.delta == pytest.approx(sign * (metric_values(task, metric, y, a) - metric_values(task, metric, y, b)))


def test_cells_are_exact_below_the_budget_and_binned_above():
    y, a, _ = _binary(500)
    assert make_cells([y], [a]).exact
    y, a, _ = _binary(CELL_BUDGET * 2)
    cells = make_cells([y], [a])
    assert not cells.exact and len(cells.counts) <= CELL_BUDGET and cells.rows == len(y)


@pytest.mark.parametrize("rows", [300, 50_000])
def test_auc_of_the_unresampled_counts_is_the_exact_auc(rows):
    # Pairs inside a bin are counted by their concordant share on the full data, so the
    # binned AUC of the original counts is the exact AUC, ties included.
    y, a, _ = _binary(rows)
    a = np.round(a, 2)
    cells = make_cells([y], [a])
    auc = resampled_auc(auc_cells(cells, 1, y, a), cells.counts[None, :].astype(float))
    assert auc[0] == pytest.approx(roc_auc_score(y, a), abs=1e-12)


def test_one_class_resamples_are_dropped_not_counted():
    y = np.array([0.0] * 30 + [1.0])
    s = np.linspace(0, 1, 31)
    c = paired_bootstrap("binary", "roc_auc", y, s, s[::-1], resamples=200)
    assert 0 < c.resamples < 200


def test_heavy_tailed_paired_losses_keep_their_spread():
    # Nearly equal models with scores near 0 and 1: the per-row log-loss differences have
    # a heavy tail whose few extreme rows carry much of the variance; with 80,000 rows
    # they are binned, and the interval still matches the row-level one.
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 80_000).astype(float)
    a = np.clip(0.3 * y + rng.normal(0.35, 0.2, len(y)), 0.001, 0.999)
    b = np.clip(a + rng.normal(0, 0.05, len(y)), 0.001, 0.999)
    ref = _index_bootstrap("binary", "log_loss", y, [a, b], 600, chunk=25)
    got = paired_bootstrap("binary", "log_loss", y, a, b, resamples=600)
    assert not make_cells([], [a - b]).exact
    _assert_close((got.lower, got.upper), _bounds(-(ref[:, 0] - ref[:, 1])), 600)


@pytest.mark.parametrize("rows", [600, 20_000])
def test_one_models_intervals_from_shared_resamples_agree_with_the_row_level_bootstrap(rows):
    """The card's seven classifier intervals from one set of draws (cells of label,
    prediction and score bin) against rows resampled by index, metric by metric."""
    from govern.stats.intervals import bootstrap_intervals

    y, a, _ = _binary(rows)
    resamples = 2000 if rows < 1000 else 600
    metrics = [m for task, m in CASES if task == "binary"]
    got = bootstrap_intervals("binary", metrics, y, a, resamples=resamples)
    assert list(got) == metrics
    for metric in metrics:
        _assert_close(got[metric], _bounds(_index_bootstrap("binary", metric, y, [a], resamples)[:, 0]), resamples)


def test_regression_intervals_take_the_per_metric_path():
    from govern.stats.intervals import bootstrap_intervals

    y, a, _ = _regression(500)
    assert bootstrap_intervals("regression", ["rmse", "r2"], y, a) == {m: bootstrap_interval("regression", m, y, a) for m in ("rmse", "r2")}
