"""The drift gate against Evidently's DataDriftPreset on the same frames.

The platform's ``assess_drift`` (the gate's statistics on all rows, Evidently's report
from a sample, the shared viewer script) against ``Report([DataDriftPreset()])`` with
``save_html``, per size: seconds, peak memory allocated during the call (tracemalloc),
report size, and whether every column's verdict is the same.

    .venv/bin/python benchmarks/bench_drift.py [rows ...]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from evidently.presets import DataDriftPreset  # noqa: F401  (import cost paid before timing, for both)

from govern.checks.drift.assess import assess_drift
from govern.demo import customers as demo_data

FEATURES = ["tenure_months", "plan", "monthly_spend", "sessions_per_week", "support_tickets", "payment_failures", "channel", "region", "age_band", "gender"]
CATEGORICAL = ["plan", "channel", "region", "age_band", "gender"]


def measured(fn):
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def preset(reference, current, out: Path) -> dict[str, bool]:
    from evidently import DataDefinition, Dataset, Report

    definition = DataDefinition(numerical_columns=[c for c in FEATURES if c not in CATEGORICAL], categorical_columns=CATEGORICAL)
    snapshot = Report([DataDriftPreset()]).run(Dataset.from_pandas(current[FEATURES], data_definition=definition),
                                               Dataset.from_pandas(reference[FEATURES], data_definition=definition))
    snapshot.save_html(str(out / "preset.html"))
    verdicts = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config.get("type", "").endswith(":ValueDrift"):
            verdicts[config["column"]] = float(metric["value"]) >= float(config.get("threshold") or 0.1)
    return verdicts


def main(sizes: list[int]) -> None:
    print("drift gate: assess_drift (statistics on all rows, report from a 10k-row sample) vs Evidently DataDriftPreset + save_html;"
          " Evidently imported before either is timed")
    print(f"{'rows':>8} {'ours s':>7} {'ours MiB':>9} {'preset s':>9} {'preset MiB':>11} {'speed-up':>9} {'html KB ours/preset':>20} {'same verdicts':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GOVERN_HOME"] = tmp
        for rows in sizes:
            reference = demo_data.generate_customers(rows, seed=1)[FEATURES]
            current = demo_data.generate_customers(rows, drift=0.5, seed=2, start="2026-07-01")[FEATURES]
            out = Path(tmp) / str(rows)
            ours, t_ours, m_ours = measured(lambda: assess_drift(reference, current, columns=FEATURES, out_dir=out, categorical=CATEGORICAL))
            theirs, t_preset, m_preset = measured(lambda: preset(reference, current, out))
            same = all(ours.columns[c].drifted == theirs[c] for c in FEATURES)
            sizes_kb = f"{(out / 'drift.html').stat().st_size // 1024}/{(out / 'preset.html').stat().st_size // 1024}"
            print(f"{rows:>8} {t_ours:>7.2f} {m_ours:>9.0f} {t_preset:>9.2f} {m_preset:>11.0f} {t_preset / t_ours:>8.1f}x {sizes_kb:>20} {str(same):>14}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
