"""The fairness report with bootstrap intervals against Fairlearn's ``MetricFrame``.

The platform's report (two sensitive features and their intersection, every group metric,
ROC AUC and disparity, 500 resamples) against ``MetricFrame(n_boot=500, ci_quantiles=...)``
with Fairlearn's own metric functions on one feature (gender): same table values (checked),
same resample count.  Fairlearn resamples rows, so its cost grows with rows x resamples:
above 2,000 rows it runs fewer resamples and its time is extrapolated to 500 (the
unbootstrapped frame, timed in the same round, added back unscaled), marked ~ in the
cells and the ratio with the share run.

    .venv/bin/python benchmarks/bench_fairness.py [--rounds 3] [rows ...]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import results
from fairlearn.metrics import MetricFrame, count, false_positive_rate, selection_rate, true_positive_rate

from govern.checks.fairness.assess import assess_fairness
from govern.demo import customers as demo_data

FAIRLEARN_METRICS = {"selection_rate": selection_rate, "true_positive_rate": true_positive_rate, "false_positive_rate": false_positive_rate, "count": count}
RESAMPLES = 500
FULL_REFERENCE_ROWS = 2_000


def holdout(rows: int):
    current = demo_data.generate_customers(rows, drift=0.5, seed=2, start="2026-07-01")
    rng = np.random.default_rng(rows)
    y = current["churned"].to_numpy()
    scores = np.clip(0.4 * y + rng.uniform(0, 0.6, rows), 0, 1)
    return y, (scores >= 0.5).astype(int), scores, current[["gender", "age_band"]]


def frame(y, labels, sensitive, n_boot: int = 0) -> MetricFrame:
    boot = {"n_boot": n_boot, "ci_quantiles": [0.025, 0.975], "random_state": 0} if n_boot else {}
    return MetricFrame(metrics=FAIRLEARN_METRICS, y_true=y, y_pred=labels, sensitive_features=sensitive["gender"], **boot)


def fairlearn_rounds(y, labels, sensitive, n_boot: int, rounds: int) -> results.Timing:
    """Each round times the plain frame (the fixed part) and the bootstrapped one."""
    frame(y, labels, sensitive, n_boot)
    totals, fixed = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        frame(y, labels, sensitive)
        plain = time.perf_counter() - start
        start = time.perf_counter()
        frame(y, labels, sensitive, n_boot)
        totals.append(time.perf_counter() - start)
        fixed.append(min(plain, totals[-1]))
    return results.summarize(totals, fraction=n_boot / RESAMPLES, fixed=fixed)


def check_same_values(report, y, labels, sensitive) -> None:
    table = {g.group: g for g in report.features["gender"].groups}
    for group, row in frame(y, labels, sensitive).by_group.iterrows():
        for metric in ("selection_rate", "true_positive_rate", "false_positive_rate"):
            if abs(getattr(table[group], metric) - row[metric]) > 1e-12:
                raise SystemExit(f"govern and Fairlearn differ on {metric} of {group}")


def main(sizes: list[int], rounds: int) -> None:
    rows_out, data = [], []
    for rows in sizes:
        y, labels, scores, sensitive = holdout(rows)
        report, t_ours = results.measure(lambda: assess_fairness(y, labels, sensitive, task="binary", y_score=scores, resamples=RESAMPLES),
                                         rounds=rounds)
        check_same_values(report, y, labels, sensitive)
        n_boot = RESAMPLES if rows <= FULL_REFERENCE_ROWS else max(3, round(RESAMPLES * FULL_REFERENCE_ROWS / rows))
        t_ref = fairlearn_rounds(y, labels, sensitive, n_boot, rounds)
        rows_out.append([f"{rows:,}", results.cell(t_ours), results.cell(t_ref), f"{n_boot} of {RESAMPLES}", results.ratio(t_ref, t_ours)])
        data.append({"rows": rows, "ours": t_ours, "reference": t_ref, "reference_resamples": n_boot})
    results.write(
        "fairness",
        title=f"Fairness report with {RESAMPLES}-resample intervals against Fairlearn's MetricFrame bootstrap",
        columns=["rows", f"govern s (min / median of {rounds}): gender, age band, their intersection", "Fairlearn MetricFrame s: gender only",
                 "Fairlearn resamples run", "ratio (medians)"],
        rows=rows_out,
        notes=[
            "Same group values as Fairlearn on gender (selection rate, true and false positive rates; checked in every run).",
            "govern also computes age band, the intersection, precision, ROC AUC and every disparity with its interval; Fairlearn computes"
            " four metrics on one feature, so the ratio understates the difference in work.",
            f"Reference: `MetricFrame(metrics=..., n_boot=..., ci_quantiles=[0.025, 0.975])`. Where it ran fewer than {RESAMPLES} resamples,"
            " its seconds are the plain frame's plus the resampling part scaled to 500 (marked ~, share run in the ratio).",
        ],
        command="python benchmarks/bench_fairness.py " + " ".join(map(str, sizes)),
        data=data,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=results.MIN_ROUNDS)
    args = parser.parse_args()
    main(args.rows, args.rounds)
