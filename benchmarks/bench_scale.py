"""Ten million customers: daily scoring, outcome ingestion, the experiment report and
monitoring at N rows, each step in a child process of its own (its peak RSS is the
child's own ``ru_maxrss``; with Dask, the workers' peaks are added beside it).

    .venv/bin/python benchmarks/bench_scale.py --rows 1000000 10000000 --engine local dask

The models are the live tests' stand-ins (CatBoost, 60 trees of depth 4 for the
champion and 60 of depth 6 for the challenger), registered once in ``--home``.  A
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


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(home: Path):
    os.environ["GOVERN_HOME"] = str(home)
    from govern.core.settings import configure_environment

    return configure_environment()


def setup(home: Path) -> None:
    """The spec and the two registered models, once per home."""
    settings = _settings(home)
    if (home / "models").is_dir():
        return
    from tests import live_story

    live_story.install_spec(home)
    live_story.champion_and_challenger(settings)


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
    frame = PredictionLog(settings.database_url).live_frame(spec.name)
    read = time.perf_counter() - start
    report, _, matured = experiment_report.build(spec, frame, DAY + timedelta(days=120))
    experiment_report.write(report, experiment_report.pictures(matured, report), home / "report")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "read_seconds": read, "predictions": len(frame), "rows_per_s": len(frame) / seconds}


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


def _govern(home: Path, *argv: str, reads: str = "") -> tuple[float, list[float]]:
    """Seconds of the whole command, and from launch to its first and last opens of a path
    containing ``reads`` (its input; strace sees the opens of pyarrow and DuckDB, which
    Python's audit hooks do not); none without strace."""
    import shutil
    import tempfile

    env = {**os.environ, "GOVERN_HOME": str(home), "GOVERN_PREDICTION_LOG": "parquet"}
    trace = Path(tempfile.mkstemp(suffix=".strace")[1])
    traced = ["strace", "-f", "-ttt", "-e", "trace=openat", "-o", str(trace)] if reads and shutil.which("strace") else []
    start, launched = time.perf_counter(), time.time()
    out = subprocess.run([*traced, str(REPO / ".venv" / "bin" / "govern"), *argv], env=env, cwd=home, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode not in (0, 5):
        raise SystemExit(f"govern {' '.join(argv)} failed: {out.stderr[-2000:]}")
    opens = [float(line.split()[1]) for line in trace.read_text().splitlines() if traced and reads in line and "ENOENT" not in line]
    trace.unlink()
    return seconds, [min(opens) - launched, max(opens) - launched] if opens else []


def fixed_cost(home: Path) -> None:
    """Each live command end to end on 1,000 rows (the rows themselves take well under a
    second), so the figure is the command's fixed cost: imports, Prefect, MLflow, the log."""
    import mlflow
    import pandas as pd

    from govern.demo.customers import generate_customers
    from govern.stores import registry

    setup(home)
    small = home / "data" / "small.parquet"
    labels = home / "data" / "small_labels.parquet"
    current = home / "data" / "small_current.parquet"
    small.parent.mkdir(parents=True, exist_ok=True)
    frame = generate_customers(1000, seed=4, id_offset=90_000_000)
    frame.drop(columns=["churned", "clv_12m"]).to_parquet(small, index=False)
    frame.to_parquet(current, index=False)
    pd.DataFrame({"customer_id": frame["customer_id"], "churned": frame["churned"],
                  "outcome_date": pd.Timestamp("2026-09-15")}).to_parquet(labels, index=False)
    version = registry.alias_version("retention", registry.CHAMPION)
    reference = home / "data" / "reference.parquet"
    generate_customers(5000, seed=0).to_parquet(reference, index=False)
    mlflow.MlflowClient().log_artifact(registry.get_version("retention", version).run_id, str(reference), registry.EVIDENCE_DIR)
    print(f"fixed cost (1,000 rows, load {os.getloadavg()[0]:.1f}; reads: launch to the first and the last open of the input, under strace):")
    log = str(home / "mlruns" / "predictions" / "predictions")
    for argv, reads in ((("score", "retention", "--data", str(small), "--as-of", "2026-08-01"), str(small)),
                        (("outcomes", "retention", "--labels", str(labels)), str(labels)),
                        (("experiment", "retention", "--today", "2026-09-20"), log),
                        (("monitor", "retention", "--current", str(current)), str(current))):
        whole, _ = _govern(home, *argv)
        _, opens = _govern(home, *argv, reads=reads)
        read = f"{opens[0]:5.1f} s, last {opens[1]:5.1f} s" if opens else "n/a"
        print(f"  govern {argv[0]:10s} whole {whole:5.1f} s, reads: first {read}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--engine", nargs="+", default=["local"], choices=["local", "dask", "memory"])
    parser.add_argument("--steps", nargs="+", default=["score", "outcomes", "experiment"])
    parser.add_argument("--report-copies", type=int, default=2, help="earlier days copied from the scored batch for the report")
    parser.add_argument("--sql-rows", type=int, default=0, help="also measure the SQL log at this many rows")
    parser.add_argument("--home", default=None)
    parser.add_argument("--child", default=None)
    parser.add_argument("--fixed-cost", action="store_true", help="only each live command's fixed cost, on 1,000 rows")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    import tempfile

    if args.fixed_cost:
        fixed_cost(Path(args.home or tempfile.mkdtemp(prefix="bench-fixed-")) / "fixed")
        return

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for engine in args.engine:
        for rows in args.rows:
            home = Path(args.home or tempfile.mkdtemp(prefix="bench-scale-")) / f"{engine}-{rows}"
            home.mkdir(parents=True, exist_ok=True)
            setup(home)
            for step in args.steps:
                if engine == "memory" and step != "monitor":
                    continue
                inputs = {"score": lambda: cohort_file(home, rows), "monitor": lambda: monitor_file(home, rows),
                          "outcomes": lambda: labels_file(home, rows, 30)}
                inputs.get(step, lambda: None)()  # made here, so a step's peak is its own
                if step == "experiment" and args.report_copies:
                    print(_line(step, rows, engine, run(step, home, rows, engine)))
                    copy_batches(home, args.report_copies)
                    print(_line(step, rows * (args.report_copies + 1), engine, run(step, home, rows, engine), "  (log copied)"))
                else:
                    print(_line(step, rows, engine, run(step, home, rows, engine)))
    if args.sql_rows:
        home = Path(tempfile.mkdtemp(prefix="bench-scale-sql-"))
        setup(home)
        for step in ("score", "outcomes", "experiment"):
            print(_line(step, args.sql_rows, "local", run(step, home, args.sql_rows, "local", log="sql"), "  (SQL log)"))


if __name__ == "__main__":
    main()
