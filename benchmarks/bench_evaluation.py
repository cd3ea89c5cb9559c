"""Every interval the card shows plus the paired champion comparison, against
``scipy.stats.bootstrap`` with scikit-learn's metric functions, what a user would write instead.

Binary holdout: the challenger's and the champion's percentile intervals of the seven metrics
the card shows (ROC AUC, log loss, Brier, accuracy, f1, precision, recall; 500 resamples each,
as govern.training.comparison asks; the platform draws each model's resamples once for all
seven, govern.stats.intervals) and the paired ROC AUC difference (1,000 resamples).  The
reference calls ``bootstrap((y, p), metric, paired=True, method="percentile", batch=100)`` per
metric and model, and once for the paired difference.  Its cost grows with rows x resamples,
so above 2,000 rows it runs a fraction of the resamples and its time is scaled up (marked ~ in
the cells and the ratio).  Bounds are compared where the reference runs in full.

    .venv/bin/python benchmarks/bench_evaluation.py [--rounds 3] [rows ...]
"""

from __future__ import annotations

import argparse

import numpy as np
import results
from scipy.stats import bootstrap
from sklearn import metrics as skm

from govern.stats.evaluation import paired_bootstrap
from govern.stats.intervals import bootstrap_intervals
from govern.training.comparison import INTERVAL_METRICS

CARD = INTERVAL_METRICS["binary"]
SKLEARN = {
    "roc_auc": skm.roc_auc_score,
    "log_loss": lambda y, p: skm.log_loss(y, p, labels=[0, 1]),
    "brier": skm.brier_score_loss,
    "accuracy": lambda y, p: skm.accuracy_score(y, p >= 0.5),
    "f1": lambda y, p: skm.f1_score(y, p >= 0.5, zero_division=0),
    "precision": lambda y, p: skm.precision_score(y, p >= 0.5, zero_division=0),
    "recall": lambda y, p: skm.recall_score(y, p >= 0.5, zero_division=0),
}
FULL_REFERENCE_ROWS = 2_000


def holdout(rows: int):
    rng = np.random.default_rng(rows)
    y = rng.integers(0, 2, rows).astype(float)
    a = np.clip(0.3 * y + rng.normal(0.35, 0.2, rows), 0.01, 0.99)
    b = np.clip(0.6 * a + 0.2 * y + rng.normal(0.1, 0.1, rows), 0.01, 0.99)
    return y, a, b


def ours(y, a, b):
    intervals = [bootstrap_intervals("binary", CARD, y, model) for model in (a, b)]
    compared = paired_bootstrap("binary", "roc_auc", y, a, b)
    return [i[m] for i in intervals for m in CARD] + [(compared.lower, compared.upper)]


def _bounds(data, statistic, resamples: int) -> tuple[float, float]:
    ci = bootstrap(data, statistic, paired=True, vectorized=False, n_resamples=resamples, method="percentile", batch=100, random_state=0).confidence_interval
    return float(ci.low), float(ci.high)


def resamples_run(rows: int) -> int:
    """Resamples per interval the reference runs (of 500): all up to FULL_REFERENCE_ROWS rows, then fewer, at least 3."""
    return 500 if rows <= FULL_REFERENCE_ROWS else max(3, round(500 * FULL_REFERENCE_ROWS / rows))


def reference(y, a, b, n: int):
    paired = 2 * n
    intervals = [_bounds((y, p), SKLEARN[m], n) for p in (a, b) for m in CARD]
    difference = _bounds((y, a, b), lambda y, a, b: skm.roc_auc_score(y, a) - skm.roc_auc_score(y, b), paired)
    return intervals + [difference]


def main(sizes: list[int], rounds: int) -> None:
    rows_out, data = [], []
    for rows in sizes:
        y, a, b = holdout(rows)
        got, t_ours = results.measure(lambda: ours(y, a, b), rounds=rounds, memory=True)
        n = resamples_run(rows)
        fraction = n / 500
        want, t_ref = results.measure(lambda: reference(y, a, b, n), rounds=rounds, fraction=fraction, memory=True)
        gap = "not compared (reference partial)"
        if fraction == 1.0:
            gap = f"{max(max(abs(g[0] - w[0]), abs(g[1] - w[1])) / (w[1] - w[0]) for g, w in zip(got, want)):.3f}"
        memory = f"{t_ours.peak_mib:,.0f} / {t_ref.peak_mib:,.0f}" + ("" if fraction == 1 else f" (reference at {results.share(fraction)})")
        rows_out.append([f"{rows:,}", results.cell(t_ours), results.cell(t_ref), results.ratio(t_ref, t_ours), memory, gap])
        data.append({"rows": rows, "ours": t_ours, "reference": t_ref, "reference_resamples_fraction": fraction})
    results.write(
        "evaluation",
        title="Card intervals (2 models x 7 metrics x 500 resamples) and the paired ROC AUC comparison (1,000 resamples)",
        columns=["rows", f"govern s (min / median of {rounds})", "scipy.stats.bootstrap + scikit-learn s", "ratio (medians)",
                 "peak MiB govern / reference", "largest bound difference / interval width"],
        rows=rows_out,
        notes=[
            "Reference: `scipy.stats.bootstrap(..., paired=True, method='percentile', batch=100)` with scikit-learn's metric functions,"
            " one call per metric and model (14) and one for the paired ROC AUC difference.",
            f"Above {FULL_REFERENCE_ROWS:,} rows the reference runs about {FULL_REFERENCE_ROWS:,}/rows of its resamples, at least 3 of 500"
            " (and twice as many of the comparison's 1,000; the percentage run is in the ratio), and its seconds are scaled up linearly;"
            " its peak memory is the partial run's.",
            "Peak memory: Python allocations during one extra untimed call under tracemalloc.",
            "Bound difference: both are percentile bootstraps with different random draws, so they differ by sampling noise only.",
        ],
        command="python benchmarks/bench_evaluation.py " + " ".join(map(str, sizes)),
        data=data,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="*", default=[2_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=results.MIN_ROUNDS)
    args = parser.parse_args()
    main(args.rows, args.rounds)
