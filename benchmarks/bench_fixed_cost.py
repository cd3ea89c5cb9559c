"""The fixed cost of the command line: ``govern --help``, a validation error, and the
seconds ``govern train`` spends before its first trial.

The first trial's start is read from MLflow (each trial is a nested run), measured from
the moment the process was launched, with the demo churn table: in the machine's first
project (no cached empty databases), in a new project, and in a project again (one more trial
of its study), each three times (minimum and median).  The reference is a bare script that imports pandas, CatBoost and Optuna, reads the same
table and starts an Optuna trial.

    .venv/bin/python benchmarks/bench_fixed_cost.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import results

REPO = Path(__file__).resolve().parents[1]
GOVERN = str(REPO / ".venv" / "bin" / "govern")
BARE = """
import time, sys
import pandas as pd, optuna, catboost
frame = pd.read_parquet(sys.argv[1])
study = optuna.create_study(direction="maximize")
trial = study.ask()
print(time.time())
"""


def _seconds(argv, env, rounds: int) -> results.Timing:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, cwd=env.get("GOVERN_HOME", REPO))
        times.append(time.perf_counter() - start)
    return results.summarize(times)


def _project(root: Path) -> Path:
    import yaml

    from govern.demo.files import write_demo_data

    (root / "models").mkdir(parents=True)
    raw = yaml.safe_load((REPO / "models" / "churn.yaml").read_text())
    (root / "models" / "churn.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    write_demo_data(root, seed=0)
    return root


def _first_trial(root: Path, env: dict, trials: int = 1) -> tuple[float, float]:
    """Seconds from launch to the first trial's MLflow run, and the whole command's."""
    started = time.time()
    subprocess.run([GOVERN, "train", "churn", "--trials", str(trials)], env=env, cwd=root, capture_output=True, check=True)
    total = time.time() - started
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{root / 'mlruns' / 'mlflow.db'}")
    runs = [r for e in client.search_experiments() for r in client.search_runs([e.experiment_id])]
    trials = [r.info.start_time / 1000 for r in runs if "mlflow.parentRunId" in r.data.tags and r.info.start_time / 1000 >= started]
    return min(trials) - started, total


CASES = ("first project on the machine (empty cache)", "a new project", "the same project again (one more trial)")


def main(rounds: int) -> None:
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    env.pop("PREFECT_API_URL", None)
    help_s = _seconds([GOVERN, "--help"], env, rounds)
    error_s = _seconds([GOVERN, "train", "no-such-model"], env, rounds)
    first: dict[str, list[float]] = {c: [] for c in CASES}
    total: dict[str, list[float]] = {c: [] for c in CASES}
    bare = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        again = _project(base / "again")
        # The project resumed in every round starts with one finished trial (and warms the cache).
        _first_trial(again, dict(env, GOVERN_HOME=str(again), XDG_CACHE_HOME=str(base / "cache-warm")), trials=1)
        for r in range(rounds):
            # A machine's first project builds Prefect's database (its cache starts empty);
            # the next new project copies the empty one cached by the first.
            for case in CASES:
                if case == CASES[2]:
                    root, cache, trials = again, base / "cache-warm", r + 2
                else:
                    root, cache, trials = _project(base / f"{case[:5]}-{r}"), base / ("cache-warm" if case == CASES[1] else f"cache-{r}"), 1
                run_env = dict(env, GOVERN_HOME=str(root), XDG_CACHE_HOME=str(cache))
                launch, whole = _first_trial(root, run_env, trials=trials)
                first[case].append(launch)
                total[case].append(whole)
            started = time.time()
            out = subprocess.run([sys.executable, "-c", BARE, str(again / "data" / "demo" / "customers.parquet")], capture_output=True, text=True, check=True)
            bare.append(float(out.stdout.strip().splitlines()[-1]) - started)
    reference = results.summarize(bare)
    rows = [["`govern --help`", results.cell(help_s), "", ""], ["validation error (unknown model)", results.cell(error_s), "", ""]]
    for case in CASES:
        launch = results.summarize(first[case])
        rows.append([f"`govern train churn`, launch to first trial: {case}", results.cell(launch), results.cell(reference),
                     results.ratio(launch, reference, ("govern", "bare"))])
        rows.append([f"`govern train churn`, whole command: {case}", results.cell(results.summarize(total[case])), "", ""])
    results.write(
        "fixed_cost",
        title="Fixed cost of the command line (demo churn table, 4,000 rows)",
        columns=["step", f"govern s (min / median of {rounds})", "bare script s", "govern / bare (medians)"],
        rows=rows,
        notes=[
            "Launch to first trial: from starting the process to the start time MLflow records for the first trial's nested run.",
            "Bare script: a Python process that imports pandas, Optuna and CatBoost, reads the same table and asks Optuna for a first trial.",
            "Whole command: one trial (the first two cases) or one more trial of a resumed study (the third), then evaluation, checks, gates,"
            " registration and the card.",
        ],
        command="python benchmarks/bench_fixed_cost.py",
        data={"first_trial": first, "whole": total, "bare": bare},
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=results.MIN_ROUNDS)
    main(parser.parse_args().rounds)
