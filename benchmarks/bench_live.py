"""Live scoring, outcome ingestion and the experiment report, on the demo's tuned retention models.

The models are those ``govern demo`` trains for its live chapter: in a fresh project with the
demo's data and the bundled ``models/retention.yaml``, v1 is tuned (the spec's Optuna trials),
approved and promoted; v2, tuned on the later period, becomes the silent challenger if it
passes its gates (``--project`` reads them from a project where ``make demo`` ran instead).
Each round then scores one cohort of N customers (champion acting, challenger silent, SHAP
reasons, prediction log in a fresh SQLite file), ingests its outcomes and builds the
experiment report; rows per second, seconds and the process's peak RSS per step.

    .venv/bin/python benchmarks/bench_live.py [--rows 100000] [--rounds 3] [--project PATH]
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

import results

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
MODEL = "retention"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def train_like_the_demo(settings) -> str:
    """The first steps of the demo's live chapter (govern.app.live_demo): v1 champion, v2 challenger."""
    import shutil

    from govern.app.demo import DEMO_REVIEWER, write_later_period
    from govern.app.launch import quiet_prefect, train_model
    from govern.demo.files import write_demo_data
    from govern.evidence.verdict import PASSED
    from govern.governance import acknowledgement, approval, decisions
    from govern.stores.audit.log import AuditLog

    settings.models_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(results.ROOT / "models" / f"{MODEL}.yaml", settings.models_dir / f"{MODEL}.yaml")
    quiet_prefect()
    paths = write_demo_data(settings.root, n=4000, seed=0)
    later = write_later_period(settings.root, 4000)
    first = train_model(MODEL, paths["train"])
    if first["gates"] != PASSED:
        raise SystemExit(f"{MODEL} v{first['version']} failed its gates: {'; '.join(first['failures'])}")
    log = AuditLog(settings.database_url)
    approval.approve(log, MODEL, first["version"], reviewer=DEMO_REVIEWER, note="benchmark", acknowledge=acknowledgement.required(MODEL, first["version"]))
    decisions.promote(log, MODEL, first["version"], actor="bench_live")
    second = train_model(MODEL, later)
    if second["gates"] == PASSED:
        return f"v{second['version']}, tuned on the later period, passed its gates and scores as silent challenger"
    return f"v{second['version']}, tuned on the later period, did not pass its gates ({'; '.join(second['failures'])}), so there is no challenger"


def describe(models) -> str:
    return "; ".join(f"{role} v{version}: {model.tree_count_} trees of depth {model.get_all_params()['depth']}"
                     for role, version, model, _ in models.roles())


def one_round(spec, models, settings, root: Path, rows: int, chunk_rows: int, r: int) -> dict[str, float]:
    import pandas as pd

    from govern.demo import campaign as campaign_demo
    from govern.live import outcomes, scoring
    from govern.live import report as experiment_report
    from govern.stores.predictions import PredictionLog

    campaign = campaign_demo.Campaign(offer_effect=0.3, window_days=spec.experiment.outcome_window_days, seed=1)
    day = date(2026, 8, 1)
    path = campaign_demo.write_cohort(campaign.cohort(day, rows), root / f"round{r}", day)
    log = PredictionLog(f"sqlite:///{root / f'predictions{r}.db'}")
    t = time.perf_counter()
    result = scoring.score_file(spec, models, path, batch_id=day.isoformat(), as_of=day, out_root=root / f"scores{r}", log=log, chunk_rows=chunk_rows)
    scored = time.perf_counter() - t
    folder = Path(result.folder)
    campaign.act(pd.read_parquet(folder / "all.parquet", columns=["customer_id", "role", "decision"]),
                 pd.read_parquet(folder / "audience.parquet", columns=["customer_id"])["customer_id"])
    labels = campaign.labels(date(2026, 9, 30))
    t = time.perf_counter()
    outcomes.ingest(log, spec, labels)
    ingested = time.perf_counter() - t
    t = time.perf_counter()
    frame = log.live_frame(spec.name)
    report, _, matured = experiment_report.build(spec, frame, date(2026, 9, 30))
    experiment_report.write(report, experiment_report.pictures(matured, report), root / f"report{r}")
    return {"score": scored, "outcomes": ingested, "report": time.perf_counter() - t, "logged": result.logged}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=results.MIN_ROUNDS)
    parser.add_argument("--project", type=Path, help="a project where `make demo` ran (default: train the demo's retention models afresh)")
    args = parser.parse_args()
    root = args.project.resolve() if args.project else Path(tempfile.mkdtemp(prefix="bench-live-"))
    os.environ["GOVERN_HOME"] = str(root)
    from govern.core.settings import configure_environment
    from govern.live import scoring
    from govern.spec.model import load_spec

    settings = configure_environment()
    second = train_like_the_demo(settings) if not args.project else ""
    spec = load_spec(MODEL, settings.models_dir)
    models = scoring.load_models(spec.name)
    work = Path(tempfile.mkdtemp(prefix="bench-live-rounds-"))
    before = peak_mib()
    rounds = [one_round(spec, models, settings, work, args.rows, args.chunk_rows, r) for r in range(args.rounds)]
    steps = {step: results.summarize([r[step] for r in rounds]) for step in ("score", "outcomes", "report")}
    rate = args.rows / steps["score"].median
    roles = "champion acting, silent challenger" if models.challenger is not None else "champion only"
    source = f"the project at {args.project}" if args.project else "a fresh project, trained as `govern demo` trains them (4,000 demo rows, the spec's trials)"
    results.write(
        "live",
        title=f"Live scoring, outcomes and the experiment report: one cohort of {args.rows:,} customers, {args.rounds} rounds",
        columns=["step", f"s (min / median of {args.rounds})", "rows per second (median)"],
        rows=[[f"score {args.rows:,} rows (chunks of {args.chunk_rows:,}): {roles}, SHAP reasons, prediction log",
               results.cell(steps["score"]), f"{rate:,.0f}"],
              [f"ingest the outcomes of {args.rows:,} predictions", results.cell(steps["outcomes"]), f"{args.rows / steps['outcomes'].median:,.0f}"],
              ["read the log and build the experiment report (HTML, pictures)", results.cell(steps["report"]), ""]],
        notes=[
            f"Models: the demo's tuned `{MODEL}` versions from {source}: {describe(models)}." + (f" {second}." if second else ""),
            f"Each round writes a fresh SQLite prediction log; {rounds[0]['logged']:,} rows logged per round.",
            f"Peak RSS of the process: {peak_mib():,.0f} MiB ({before:,.0f} MiB before the first round).",
        ],
        command=f"python benchmarks/bench_live.py --rows {args.rows} --rounds {args.rounds}",
        data={"rounds": rounds, "steps": steps, "models": describe(models)},
    )


if __name__ == "__main__":
    main()
