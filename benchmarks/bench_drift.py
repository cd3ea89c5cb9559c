"""The drift gate against Evidently's DataDriftPreset on the same frames.

The platform's ``assess_drift`` (the gate's statistics on all rows, Evidently's report
from a sample, the shared viewer script) against ``Report([DataDriftPreset()])`` with
``save_html``, per size: seconds (min and median of the rounds), peak memory allocated
during the call (tracemalloc), report size, and whether every column's verdict is the same.

    .venv/bin/python benchmarks/bench_drift.py [--rounds 3] [rows ...]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import results
from evidently.presets import DataDriftPreset  # noqa: F401  (import cost paid before timing, for both)

from govern.checks.drift.assess import assess_drift
from govern.demo import customers as demo_data

FEATURES = ["tenure_months", "plan", "monthly_spend", "sessions_per_week", "support_tickets", "payment_failures", "channel", "region", "age_band", "gender"]
CATEGORICAL = ["plan", "channel", "region", "age_band", "gender"]


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


def main(sizes: list[int], rounds: int) -> None:
    rows_out, data = [], []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GOVERN_HOME"] = tmp
        for rows in sizes:
            reference = demo_data.generate_customers(rows, seed=1)[FEATURES]
            current = demo_data.generate_customers(rows, drift=0.5, seed=2, start="2026-07-01")[FEATURES]
            out = Path(tmp) / str(rows)
            ours, t_ours = results.measure(lambda: assess_drift(reference, current, columns=FEATURES, out_dir=out, categorical=CATEGORICAL),
                                           rounds=rounds, memory=True)
            theirs, t_preset = results.measure(lambda: preset(reference, current, out), rounds=rounds, memory=True)
            same = all(ours.columns[c].drifted == theirs[c] for c in FEATURES)
            kb = f"{(out / 'drift.html').stat().st_size // 1024:,} / {(out / 'preset.html').stat().st_size // 1024:,}"
            rows_out.append([f"{rows:,}", results.cell(t_ours), results.cell(t_preset), results.ratio(t_preset, t_ours),
                             f"{t_ours.peak_mib:,.0f} / {t_preset.peak_mib:,.0f}", kb, "yes" if same else "no"])
            data.append({"rows": rows, "ours": t_ours, "reference": t_preset, "same_verdicts": same})
    results.write(
        "drift",
        title=f"Drift gate: {len(FEATURES)} columns, a reference and a drifted current frame of the same size",
        columns=["rows per frame", f"govern assess_drift s (min / median of {rounds})", "Evidently DataDriftPreset + save_html s",
                 "ratio (medians)", "peak MiB govern / Evidently", "HTML KB govern / Evidently", "same verdict on every column"],
        rows=rows_out,
        notes=[
            "govern: the gate's statistics on all rows, Evidently's report drawn from a 10k-row sample, the shared viewer script.",
            "Reference: `Report([DataDriftPreset()]).run(...)` then `save_html`, with the same numerical and categorical columns;"
            " Evidently is imported before either side is timed.",
            "Peak memory: Python allocations during one extra untimed call under tracemalloc.",
        ],
        command="python benchmarks/bench_drift.py " + " ".join(map(str, sizes)),
        data=data,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=results.MIN_ROUNDS)
    args = parser.parse_args()
    main(args.rows, args.rounds)
