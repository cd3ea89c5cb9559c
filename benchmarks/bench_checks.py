"""What the fairness and drift steps cost, and what the platform's choices save.

* Drift: the report holds only the metrics the gate reads (one ValueDrift per column and
  DriftedColumnsCount) instead of Evidently's full DataDriftPreset.
* Fairness: MetricFrame with the platform's vectorised callables against the same table
  built from scikit-learn's metric functions.

Prints absolute seconds and the ratio for a few sizes.

    .venv/bin/python benchmarks/bench_checks.py [rows ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from fairlearn.metrics import MetricFrame
from sklearn.metrics import precision_score, recall_score, roc_auc_score

from govern import demo_data
from govern.drift import assess_drift
from govern.fairness import assess_fairness

FEATURES = ["tenure_months", "plan", "monthly_spend", "sessions_per_week", "support_tickets", "payment_failures", "channel", "region", "age_band", "gender"]
CATEGORICAL = ["plan", "channel", "region", "age_band", "gender"]


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def drift_preset(reference, current, out: Path) -> None:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=[c for c in FEATURES if c not in CATEGORICAL], categorical_columns=CATEGORICAL)
    snapshot = Report([DataDriftPreset()]).run(
        Dataset.from_pandas(current[FEATURES], data_definition=definition),
        Dataset.from_pandas(reference[FEATURES], data_definition=definition),
    )
    snapshot.save_html(str(out / "preset.html"))


def sklearn_fairness(y, labels, scores, sensitive) -> None:
    metrics = {
        "selection_rate": lambda t, p: float(np.mean(p)),
        "true_positive_rate": lambda t, p: recall_score(t, p, zero_division=0),
        "false_positive_rate": lambda t, p: recall_score(1 - t, 1 - p, zero_division=0),
        "precision": lambda t, p: precision_score(t, p, zero_division=0),
    }
    for column in sensitive.columns:
        MetricFrame(metrics=metrics, y_true=y, y_pred=labels, sensitive_features=sensitive[column])
        MetricFrame(metrics=roc_auc_score, y_true=y, y_pred=scores, sensitive_features=sensitive[column])


def main(sizes: list[int]) -> None:
    assess_drift(demo_data.generate_customers(500)[FEATURES], demo_data.generate_customers(500, seed=1)[FEATURES], columns=FEATURES, out_dir=Path(tempfile.mkdtemp()), categorical=CATEGORICAL)
    print(f"{'rows':>8} {'drift: gate metrics s':>22} {'full preset s':>14} {'ratio':>6} {'fairness: ours s':>17} {'sklearn metrics s':>18} {'ratio':>6}")
    for rows in sizes:
        reference = demo_data.generate_customers(rows, seed=1)
        current = demo_data.generate_customers(rows, drift=0.5, seed=2, start="2026-07-01")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            ours = _seconds(lambda: assess_drift(reference[FEATURES], current[FEATURES], columns=FEATURES, out_dir=out, categorical=CATEGORICAL))
            preset = _seconds(lambda: drift_preset(reference, current, out))
        rng = np.random.default_rng(rows)
        y = current["churned"].to_numpy()
        scores = np.clip(0.4 * y + rng.uniform(0, 0.6, rows), 0, 1)
        labels = (scores >= 0.5).astype(int)
        sensitive = current[["gender", "age_band"]]
        fair = _seconds(lambda: assess_fairness(y, labels, sensitive, task="binary", y_score=scores, min_group_size=30))
        slow = _seconds(lambda: sklearn_fairness(y, labels, scores, sensitive))
        print(f"{rows:>8} {ours:>22.2f} {preset:>14.2f} {preset / ours:>5.1f}x {fair:>17.2f} {slow:>18.2f} {slow / fair:>5.1f}x")
    print("fairness: ours also computes the intersection, group sizes and every disparity; the sklearn column covers the per-feature table only")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [5_000, 50_000])
