"""What the fairness and drift steps cost, and what the platform's choices save.

* Drift: see benchmarks/bench_drift.py for the gate against Evidently's DataDriftPreset
  with peak memory and verdicts; ``drift_rows`` here times the same pair without them.
* Fairness: the platform's report with bootstrap intervals (two sensitive features and
  their intersection, every group metric and disparity, 500 resamples) against Fairlearn's
  ``MetricFrame(n_boot=..., ci_quantiles=...)`` with Fairlearn's own metric functions on
  one feature: same table values (checked), same resample count, seconds and ratio.
  Fairlearn resamples rows, so its cost grows with rows x resamples; at 1M rows it is
  timed with a few resamples and extrapolated linearly (said so in the output).

Prints absolute seconds and the ratio for a few sizes.

    .venv/bin/python benchmarks/bench_checks.py [rows ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from fairlearn.metrics import MetricFrame, count, false_positive_rate, selection_rate, true_positive_rate

from govern.checks.drift.assess import assess_drift
from govern.checks.fairness.assess import assess_fairness
from govern.demo import customers as demo_data

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


FAIRLEARN_METRICS = {"selection_rate": selection_rate, "true_positive_rate": true_positive_rate, "false_positive_rate": false_positive_rate, "count": count}
RESAMPLES = 500


def _binary_holdout(rows: int):
    current = demo_data.generate_customers(rows, drift=0.5, seed=2, start="2026-07-01")
    rng = np.random.default_rng(rows)
    y = current["churned"].to_numpy()
    scores = np.clip(0.4 * y + rng.uniform(0, 0.6, rows), 0, 1)
    return y, (scores >= 0.5).astype(int), scores, current[["gender", "age_band"]]


def fairlearn_bootstrap(y, labels, sensitive, n_boot: int) -> MetricFrame:
    return MetricFrame(
        metrics=FAIRLEARN_METRICS, y_true=y, y_pred=labels, sensitive_features=sensitive["gender"],
        n_boot=n_boot, ci_quantiles=[0.025, 0.975], random_state=0,
    )


def fairness_rows(sizes: list[int], fairlearn_budget: float = 120.0) -> None:
    """Ours (full report, 500 resamples) against Fairlearn's bootstrap of one feature."""
    print(f"{'rows':>8} {'ours: 2 features + intersection, AUC, 500 resamples s':>54} {'fairlearn: gender only, s per resample':>38}"
          f" {'fairlearn at 500 resamples s':>29} {'ratio':>8}")
    for rows in sizes:
        y, labels, scores, sensitive = _binary_holdout(rows)
        report = {}
        ours = _seconds(lambda: report.update(fairness=assess_fairness(y, labels, sensitive, task="binary", y_score=scores, resamples=RESAMPLES)))
        start = time.perf_counter()
        plain = MetricFrame(metrics=FAIRLEARN_METRICS, y_true=y, y_pred=labels, sensitive_features=sensitive["gender"])
        one = time.perf_counter() - start
        n_boot = max(2, min(RESAMPLES, int(fairlearn_budget / max(one, 1e-3) / 2)))
        frame = {}
        boot = _seconds(lambda: frame.update(mf=fairlearn_bootstrap(y, labels, sensitive, n_boot)))
        per_resample = max(boot - one, 1e-9) / n_boot
        table = {g.group: g for g in report["fairness"].features["gender"].groups}
        for group, row in plain.by_group.iterrows():
            for metric in ("selection_rate", "true_positive_rate", "false_positive_rate"):
                assert abs(getattr(table[group], metric) - row[metric]) < 1e-12, (group, metric)
        extrapolated = one + per_resample * RESAMPLES
        note = "" if n_boot == RESAMPLES else f"  (timed {n_boot} resamples, extrapolated)"
        print(f"{rows:>8} {ours:>54.2f} {per_resample:>38.3f} {extrapolated:>29.1f} {extrapolated / ours:>7.0f}x{note}")
    print("same table values as Fairlearn (checked); ours also computes age_band, the intersection, precision, ROC AUC and every disparity with its interval")


def drift_rows(sizes: list[int]) -> None:
    assess_drift(demo_data.generate_customers(500)[FEATURES], demo_data.generate_customers(500, seed=1)[FEATURES], columns=FEATURES,
                 out_dir=Path(tempfile.mkdtemp()), categorical=CATEGORICAL)
    print(f"{'rows':>8} {'drift: gate metrics s':>22} {'full preset s':>14} {'ratio':>6}")
    for rows in sizes:
        reference = demo_data.generate_customers(rows, seed=1)
        current = demo_data.generate_customers(rows, drift=0.5, seed=2, start="2026-07-01")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            ours = _seconds(lambda: assess_drift(reference[FEATURES], current[FEATURES], columns=FEATURES, out_dir=out, categorical=CATEGORICAL))
            preset = _seconds(lambda: drift_preset(reference, current, out))
        print(f"{rows:>8} {ours:>22.2f} {preset:>14.2f} {preset / ours:>5.1f}x")


def main(sizes: list[int], fairness_sizes: list[int]) -> None:
    drift_rows(sizes)
    fairness_rows(fairness_sizes)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--fairness-only"]
    sizes = [int(a) for a in args] or [5_000, 50_000]
    if "--fairness-only" in sys.argv:
        fairness_rows([int(a) for a in args] or [4_000, 100_000, 1_000_000])
    else:
        main(sizes, [int(a) for a in args] or [4_000, 100_000])
