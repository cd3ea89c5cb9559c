"""Live scoring and the experiment report at scale: rows per second and peak memory for
one batch of N customers (champion + silent challenger, SHAP reasons, prediction log),
then outcome ingestion and the experiment report over the N logged predictions.

    .venv/bin/python benchmarks/bench_live.py --rows 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-live-"))
    os.environ["GOVERN_HOME"] = str(root)
    from govern.core.settings import configure_environment

    settings = configure_environment()
    from govern.demo import campaign as campaign_demo
    from govern.live import outcomes, scoring
    from govern.live import report as experiment_report
    from govern.spec.model import load_spec
    from govern.stores.predictions import PredictionLog
    from tests import live_story

    live_story.install_spec(root)
    live_story.champion_and_challenger(settings)
    spec = load_spec(live_story.NAME, settings.models_dir)
    campaign = campaign_demo.Campaign(offer_effect=0.3, window_days=spec.experiment.outcome_window_days, seed=1)
    day = date(2026, 8, 1)
    path = campaign_demo.write_cohort(campaign.cohort(day, args.rows), root, day)
    log = PredictionLog(settings.database_url)
    models = scoring.load_models(spec.name)
    before = peak_mib()
    t = time.perf_counter()
    result = scoring.score_file(spec, models, path, batch_id=day.isoformat(), as_of=day, out_root=settings.mlruns / "scores", log=log,
                                chunk_rows=args.chunk_rows)
    seconds = time.perf_counter() - t
    print(f"scoring {args.rows} rows (chunks of {args.chunk_rows}): {seconds:.1f} s, {args.rows / seconds:,.0f} rows/s; "
          f"peak RSS {peak_mib():,.0f} MiB (before scoring {before:,.0f} MiB); {result.logged} rows logged")
    import pandas as pd

    folder = Path(result.folder)
    campaign.act(pd.read_parquet(folder / "all.parquet", columns=["customer_id", "role", "decision"]),
                 pd.read_parquet(folder / "audience.parquet", columns=["customer_id"])["customer_id"])
    labels = campaign.labels(date(2026, 9, 30))
    t = time.perf_counter()
    ingest = outcomes.ingest(log, spec, labels)
    print(f"outcomes: {ingest.stored} stored in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    frame = log.live_frame(spec.name)
    loaded = time.perf_counter() - t
    report, evidence, matured = experiment_report.build(spec, frame, date(2026, 9, 30))
    experiment_report.write(report, experiment_report.pictures(matured, report), root / "report")
    print(f"experiment report over {len(frame)} logged predictions: {time.perf_counter() - t:.1f} s (reading the log {loaded:.1f} s);"
          f" peak RSS {peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
