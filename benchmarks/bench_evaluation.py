"""Every interval the card shows plus the paired champion comparison, against the
row-index bootstrap the platform used before (benchmarks/reference_bootstrap.py).

Binary holdout: the challenger's and the champion's intervals of the seven metrics the
card shows (ROC AUC, log loss, Brier, accuracy, f1, precision, recall; 500 resamples
each, as govern.training.comparison asks; the platform draws each model's resamples
once for all seven, govern.stats.intervals) and the paired ROC AUC comparison (1,000
resamples).  Seconds and peak memory allocated during the calls (tracemalloc), per size.
The reference's cost grows with rows x resamples (its interval builds the whole
resamples x rows index at once), so above 10k rows it is run with a fraction of the
resamples and its time and peak scaled up linearly (marked ~); at 1M rows it would
need tens of GiB.  Bounds of both are compared where the reference runs in full.

    .venv/bin/python benchmarks/bench_evaluation.py [rows ...]
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np
import reference_bootstrap as ref

from govern.stats.evaluation import paired_bootstrap
from govern.stats.intervals import bootstrap_intervals
from govern.training.comparison import INTERVAL_METRICS

CARD = INTERVAL_METRICS["binary"]


def measured(fn):
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, seconds, peak


def holdout(rows: int):
    rng = np.random.default_rng(rows)
    y = rng.integers(0, 2, rows).astype(float)
    a = np.clip(0.3 * y + rng.normal(0.35, 0.2, rows), 0.01, 0.99)
    b = np.clip(0.6 * a + 0.2 * y + rng.normal(0.1, 0.1, rows), 0.01, 0.99)
    return y, a, b


def ours(y, a, b):
    intervals = [bootstrap_intervals("binary", CARD, y, model) for model in (a, b)]
    return [i[m] for i in intervals for m in CARD], paired_bootstrap("binary", "roc_auc", y, a, b)


def reference(y, a, b, share: float):
    intervals = [ref.interval("binary", m, y, model, resamples=max(2, int(500 * share))) for model in (a, b) for m in CARD]
    return intervals, ref.paired_bounds("binary", "roc_auc", y, a, b, resamples=max(2, int(1000 * share)))


def main(sizes: list[int]) -> None:
    print("card intervals (2 models x 7 metrics x 500 resamples) + paired ROC AUC comparison (1,000 resamples)")
    print(f"{'rows':>8} {'ours s':>7} {'ours MiB':>9} {'reference s':>12} {'reference MiB':>14} {'speed-up':>9} {'max bound gap / width':>22}")
    for rows in sizes:
        y, a, b = holdout(rows)
        (got, t_ours, m_ours) = measured(lambda: ours(y, a, b))
        share = min(1.0, 10_000 / rows)
        (want, t_ref, m_ref) = measured(lambda: reference(y, a, b, share))
        mark = "" if share == 1 else "~"
        t_ref, m_ref = t_ref / share, m_ref / share
        gap = "n/a (scaled)"
        if share == 1:
            pairs = list(zip(got[0], want[0])) + [((got[1].lower, got[1].upper), want[1])]
            gap = f"{max(max(abs(g[0] - w[0]), abs(g[1] - w[1])) / (w[1] - w[0]) for g, w in pairs):.3f}"
        print(f"{rows:>8} {t_ours:>7.2f} {m_ours:>9.0f} {mark + format(t_ref, '.1f'):>12} {mark + format(m_ref, '.0f'):>14} {t_ref / t_ours:>8.0f}x {gap:>22}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
