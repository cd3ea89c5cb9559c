"""The fixed cost of the command line: ``govern --help``, a validation error, and the
seconds ``govern train`` spends before its first trial.

The first trial's start is read from MLflow (each trial is a nested run), measured from
the moment the process was launched, with the demo churn table: in the machine's first
project (no cached empty databases), in the next new project, and in that project again.  The
reference is a bare script that imports pandas, CatBoost and Optuna, reads the same
table and starts an Optuna trial.

    .venv/bin/python benchmarks/bench_fixed_cost.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def _seconds(argv, env, repeat=3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, cwd=env.get("GOVERN_HOME", REPO))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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


def main() -> None:
    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    help_s = _seconds([GOVERN, "--help"], env)
    error_s = _seconds([GOVERN, "train", "no-such-model"], env)
    with tempfile.TemporaryDirectory() as tmp:
        # A machine's first project builds Prefect's database (the cache starts empty); the
        # next new project copies the empty one cached by the first.
        runs = {}
        for name in ("first project on the machine", "a new project", "the same project again"):
            if name != "the same project again":
                root = _project(Path(tmp) / name.replace(" ", "-"))
            run_env = dict(env, GOVERN_HOME=str(root), XDG_CACHE_HOME=str(Path(tmp) / "cache"))
            run_env.pop("PREFECT_API_URL", None)
            # Again: a budget of 2 trials, so the finished study of 1 is resumed with one more.
            runs[name] = _first_trial(root, run_env, trials=2 if name == "the same project again" else 1)
        started = time.time()
        out = subprocess.run([sys.executable, "-c", BARE, str(root / "data" / "demo" / "customers.parquet")], capture_output=True, text=True, check=True)
        bare = float(out.stdout.strip().splitlines()[-1]) - started
        shutil.rmtree(root / ".prefect", ignore_errors=True)
    print("fixed cost of the command line (median of 3 where repeated)")
    print(f"{'step':<44} {'govern s':>9} {'reference s':>12} {'ratio':>6}")
    print(f"{'govern --help':<44} {help_s:>9.2f} {'':>12} {'':>6}")
    print(f"{'validation error (unknown model)':<44} {error_s:>9.2f} {'':>12} {'':>6}")
    for name, (first, total) in runs.items():
        print(f"{'train churn: launch to first trial':<44} {first:>9.2f} {bare:>12.2f} {first / bare:>5.1f}x"
              f"   ({name}; reference: bare imports + read + first Optuna trial)")
        print(f"{'train churn, 1 trial, whole command':<44} {total:>9.2f}")


if __name__ == "__main__":
    main()
