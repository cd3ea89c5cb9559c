"""How much the vectorised paired bootstrap saves over scoring each resample with scikit-learn.

The champion gate runs a paired bootstrap on every training; this prints the absolute
time of both ways and their ratio, for a few holdout sizes, and checks they agree.

    .venv/bin/python benchmarks/bench_evaluation.py
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.metrics import roc_auc_score

from govern.evaluation import paired_bootstrap


def naive(y, a, b, resamples, seed=0):
    rng = np.random.default_rng(seed)
    deltas = []
    for _ in range(resamples):
        idx = rng.integers(0, len(y), len(y))
        deltas.append(roc_auc_score(y[idx], a[idx]) - roc_auc_score(y[idx], b[idx]))
    return np.quantile(deltas, [0.025, 0.975])


def main() -> None:
    resamples = 1000
    print(f"paired bootstrap of ROC AUC difference, {resamples} resamples")
    print(f"{'rows':>8} {'vectorised s':>13} {'sklearn loop s':>15} {'speed-up':>9} {'bounds agree':>13}")
    for rows in (1_000, 5_000, 20_000):
        rng = np.random.default_rng(rows)
        y = rng.integers(0, 2, rows)
        a = np.clip(0.35 * y + rng.normal(0.3, 0.2, rows), 0, 1)
        b = np.clip(0.30 * y + rng.normal(0.3, 0.2, rows), 0, 1)
        start = time.perf_counter()
        fast = paired_bootstrap("binary", "roc_auc", y, a, b, resamples=resamples)
        t_fast = time.perf_counter() - start
        start = time.perf_counter()
        lo, hi = naive(y, a, b, resamples)
        t_slow = time.perf_counter() - start
        agree = abs(fast.lower - lo) < 0.01 and abs(fast.upper - hi) < 0.01
        print(f"{rows:>8} {t_fast:>13.3f} {t_slow:>15.3f} {t_slow / t_fast:>8.1f}x {str(agree):>13}")


if __name__ == "__main__":
    main()
