"""Ten million customers: daily scoring, outcome ingestion, the experiment report and
monitoring at N rows, each step in a child process of its own (its peak RSS is the
child's own ``ru_maxrss``; with Dask, the workers' peaks are added beside it).

    .venv/bin/python benchmarks/bench_scale.py --rows 1000000 10000000 --engine local dask

The models are the demo's tuned retention versions, trained once per run as ``govern
demo`` trains them (``bench_live.train_like_the_demo``; tree counts in the table's notes)
and copied into each step's home.  A
cohort of N customers is the demo's generator at up to 1M rows, repeated with new ids
above that.  Labels are drawn for every scored customer (matured, 20% positive).  The
experiment report over ``--report-rows`` logged predictions copies the scored batch
into earlier days (marked "log copied" in the output), since scoring 30M rows would
only measure scoring again.  The SQL log is measured beside the Parquet one at the
rows given by ``--sql-rows``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from scale_data import DAY, cohort_file, copy_batches, labels_file, monitor_file  # noqa: E402 (beside this script)

# The steps each engine has its own path for (outcomes and the report run in DuckDB
# whatever the engine: a Dask row of theirs would repeat the local one).
ENGINE_STEPS = {"memory": {"monitor"}, "presets": {"monitor"}, "dask": {"score", "monitor"}}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(home: Path):
    os.environ["GOVERN_HOME"] = str(home)
    from govern.core.settings import configure_environment

    return configure_environment()


def trained(base: Path) -> str:
    """The demo's tuned retention versions in ``base``, trained once; returns what they are."""
    settings = _settings(base)
    described = base / "models.txt"
    if not described.exists():
        from bench_live import describe, train_like_the_demo

        from govern.live import scoring

        second = train_like_the_demo(settings)
        described.write_text(f"{describe(scoring.load_models('retention'))}; {second}")
    return described.read_text()


def setup(home: Path, base: Path | None = None) -> None:
    """The spec and the registered models in ``home``: a copy of ``base``'s (its registry
    names its artifacts by absolute path, so the copy reads them where they are)."""
    import shutil

    if (home / "models").is_dir():
        return
    base = base or home.parent / "models-home"
    trained(base)
    shutil.copytree(base, home, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".prefect"))


def step_score(home: Path, rows: int, engine: str) -> dict:
    settings = _settings(home)
    from govern.live import scoring
    from govern.spec.model import load_spec
    from govern.stores.predictions import PredictionLog

    spec = load_spec("retention", settings.models_dir)
    path = cohort_file(home, rows)
    log = PredictionLog(settings.database_url)
    models = scoring.load_models(spec.name)
    start = time.perf_counter()
    if engine == "dask":
        from govern.live import partitions

        with partitions.cluster() as client:
            result = partitions.score_file(client, spec, models, path, batch_id=f"b{rows}", as_of=DAY, out_root=settings.mlruns / "scores", log=log)
            workers = partitions.worker_peaks_mib(client)
    else:
        result = scoring.score_file(spec, models, path, batch_id=f"b{rows}", as_of=DAY, out_root=settings.mlruns / "scores", log=log)
        workers = []
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows_per_s": rows / seconds, "logged": result.logged, "worker_peaks_mib": workers,
            "log": getattr(log, "dialect", "?")}


def step_outcomes(home: Path, rows: int, engine: str) -> dict:
    settings = _settings(home)

    from govern.live import outcomes
    from govern.spec.model import load_spec
    from govern.stores.predictions import PredictionLog

    spec = load_spec("retention", settings.models_dir)
    path = labels_file(home, rows, spec.experiment.outcome_window_days)
    start = time.perf_counter()
    result = outcomes.ingest_file(PredictionLog(settings.database_url), spec, path)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows_per_s": rows / seconds, "stored": result.stored}


def step_experiment(home: Path, rows: int, engine: str) -> dict:
    settings = _settings(home)
    from govern.live import report as experiment_report
    from govern.spec.model import load_spec
    from govern.stores.predictions import PredictionLog

    spec = load_spec("retention", settings.models_dir)
    start = time.perf_counter()
    from govern.live import report_data

    frame = report_data.read(PredictionLog(settings.database_url), spec.name, arms=bool(spec.experiment.arms))
    read = time.perf_counter() - start
    report, _, matured = experiment_report.build(spec, frame, DAY + timedelta(days=120))
    experiment_report.write(report, experiment_report.pictures(matured, report), home / "report")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "read_seconds": read, "predictions": frame.predictions, "rows_per_s": frame.predictions / seconds}


def _monitoring(home: Path):
    """The churn spec, the live champion and 200k reference rows, as ``govern monitor`` has them."""
    settings = _settings(home)
    import mlflow

    from govern.demo.customers import generate_customers
    from govern.monitoring.check import Reference
    from govern.spec.model import load_spec
    from govern.stores import registry

    spec = load_spec("churn", REPO / "models")
    version = registry.alias_version("retention", registry.CHAMPION)
    model = mlflow.catboost.load_model(f"models:/retention/{version}")
    reference = Reference(version=version, run_id="", frame=generate_customers(200_000, seed=0)[list(model.feature_names_)], model=model)
    return settings, spec, reference


def step_monitor(home: Path, rows: int, engine: str) -> dict:
    settings, spec, reference = _monitoring(home)
    from govern.monitoring import stream

    path = monitor_file(home, rows)
    start = time.perf_counter()
    workers: list = []
    if engine == "dask":
        from govern.live import partitions

        with partitions.cluster() as client:
            outcome = stream.check_file(spec, reference, path, home / "monitor-out", client=client)
            workers = partitions.worker_peaks_mib(client)
    elif engine == "memory":
        from govern.data import validation
        from govern.monitoring import check as monitoring

        outcome = monitoring.check(spec, reference, validation.validate_frame(validation.load_table(path), spec, require_target=False),
                                   home / "monitor-out")
    elif engine == "presets":
        from scale_presets import monitor_presets

        monitor_presets(spec, reference, path, home / "presets-out")
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "rows_per_s": rows / seconds, "status": "reference", "worker_peaks_mib": []}
    else:
        outcome = stream.check_file(spec, reference, path, home / "monitor-out")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows_per_s": rows / seconds, "status": str(outcome.status), "worker_peaks_mib": workers,
            "drifted": outcome.drift.drifted_columns}


STEPS = {"score": step_score, "outcomes": step_outcomes, "experiment": step_experiment, "monitor": step_monitor}


def child(args) -> None:
    result = STEPS[args.child](Path(args.home), args.rows[0], args.engine[0])
    result["peak_mib"] = peak_mib()
    print("RESULT " + json.dumps(result, default=str))


def run(step: str, home: Path, rows: int, engine: str, log: str = "parquet") -> dict:
    env = {**os.environ, "GOVERN_PREDICTION_LOG": log}
    # Through /usr/bin/time: a child forked from this process would inherit its high-water
    # RSS (Linux keeps ru_maxrss across exec), flooring every figure at the parent's.
    out = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB %M", sys.executable, __file__, "--child", step, "--home", str(home),
                          "--rows", str(rows), "--engine", engine], env=env, capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode or not lines:
        raise SystemExit(f"{step} at {rows} rows failed:\n{out.stderr[-3000:]}")
    result = json.loads(lines[-1][7:])
    measured = [line for line in out.stderr.splitlines() if line.startswith("MAXRSS_KB ")]
    if measured:
        result["peak_mib"] = int(measured[-1].split()[1]) / 1024
    return result


def _line(step: str, rows: int, engine: str, r: dict, note: str = "") -> str:
    workers = f" + workers {', '.join(f'{w:,.0f}' for w in r['worker_peaks_mib'])} MiB" if r.get("worker_peaks_mib") else ""
    extra = f" (reading the log {r['read_seconds']:.1f} s)" if "read_seconds" in r else ""
    return (f"{step:10s} {rows:>11,} rows  {engine:5s}: {r['seconds']:7.1f} s{extra}, {r['rows_per_s']:>9,.0f} rows/s, "
            f"peak RSS {r['peak_mib']:,.0f} MiB{workers}{note}")


def _measured(step: str, home: Path, rows: int, engine: str, rounds: int, note: str = "", log: str = "parquet") -> list:
    """``rounds`` runs of one step: its printed lines, and its table row (min / median seconds,
    rows per second at the median, the highest peak RSS of the rounds)."""
    import results

    runs = [run(step, home, rows, engine, log) for _ in range(rounds)]
    for r in runs:
        print(_line(step, r.get("predictions", rows), engine, r, note), flush=True)
    if rounds < results.MIN_ROUNDS:
        return []
    timing = results.summarize([r["seconds"] for r in runs], peak_mib=max(r["peak_mib"] for r in runs))
    workers = max((max(r["worker_peaks_mib"]) for r in runs if r.get("worker_peaks_mib")), default=None)
    counted = runs[0].get("predictions", rows)
    return [step, f"{counted:,}", engine, results.cell(timing), f"{counted / timing.median:,.0f}", f"{timing.peak_mib:,.0f}",
            f"{workers:,.0f}" if workers else "", note.strip(" ()")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--engine", nargs="+", default=["local"], choices=["local", "dask", "memory", "presets"])
    parser.add_argument("--steps", nargs="+", default=["score", "outcomes", "experiment"])
    parser.add_argument("--report-copies", type=int, default=2, help="earlier days copied from the scored batch for the report")
    parser.add_argument("--sql-rows", type=int, default=0, help="also measure the SQL log at this many rows")
    parser.add_argument("--rounds", type=int, default=3, help="runs per row; the results table (docs/performance/results) needs 3")
    parser.add_argument("--home", default=None)
    parser.add_argument("--table", default=None, help="the results table's name (default scale_<steps>)")
    parser.add_argument("--child", default=None)
    parser.add_argument("--fixed-cost", action="store_true", help="only each live command's fixed cost, on 1,000 rows")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    import tempfile

    import results

    if args.fixed_cost:
        from scale_fixed_cost import fixed_cost

        fixed_cost(Path(args.home or tempfile.mkdtemp(prefix="bench-fixed-")) / "fixed", setup, args.rounds)
        return

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    root = Path(args.home or tempfile.mkdtemp(prefix="bench-scale-"))
    models = trained(root / "models-home")
    table = []
    for engine in args.engine:
        for rows in args.rows:
            home = root / f"{engine}-{rows}"
            home.mkdir(parents=True, exist_ok=True)
            setup(home)
            for step in args.steps:
                if step not in ENGINE_STEPS.get(engine, {step}):
                    continue
                inputs = {"score": lambda: cohort_file(home, rows), "monitor": lambda: monitor_file(home, rows),
                          "outcomes": lambda: labels_file(home, rows, 30)}
                inputs.get(step, lambda: None)()  # made here, so a step's peak is its own
                table.append(_measured(step, home, rows, engine, args.rounds))
                if step == "experiment" and args.report_copies:
                    copy_batches(home, args.report_copies)
                    table.append(_measured(step, home, rows, engine, args.rounds, "  (log copied)"))
    if args.sql_rows:
        home = root / "sql"
        setup(home)
        for step in ("score", "outcomes", "experiment"):
            table.append(_measured(step, home, args.sql_rows, "local", args.rounds, "  (SQL log)", log="sql"))
    if args.rounds >= results.MIN_ROUNDS:
        rates = {(r[0], r[1], r[2]): float(r[4].replace(",", "")) for r in table if r}
        versus = [f"monitor at {n} rows: govern {rates[('monitor', n, 'local')] / rate:.1f}x the presets' speed (medians of this run)"
                  for (step, n, engine), rate in rates.items() if step == "monitor" and engine == "presets" and ("monitor", n, "local") in rates]
        title = f"{', '.join(args.steps)} at scale: each step in a child process of its own"
        results.write(args.table or "scale_" + "-".join(args.steps), title=title, columns=[
            "step", "rows (predictions for experiment)", "engine", "seconds, min / median", "rows/s (median)", "peak RSS MiB (highest round)",
            "Dask workers' peak MiB", "note"], rows=[r for r in table if r], command="benchmarks/bench_scale.py " + " ".join(sys.argv[1:]), notes=[
            f"Models: the demo's tuned retention versions, {models}. Cohorts above 1M rows repeat "
            "the demo generator's 1M rows with new ids, so scores take at most about 1M distinct values.",
            "Experiment rows marked 'log copied' read the scored batch copied into earlier days.",
            "Engine 'presets' is what a user would run instead of govern monitor on the same file: read it whole, score it with the champion, "
            "Evidently's DataDriftPreset with save_html, Fairlearn's MetricFrame over each sensitive feature (point values, no bootstrap)."
            " Engine 'memory' is govern monitor's checks on the file read whole.", *versus])


if __name__ == "__main__":
    main()
