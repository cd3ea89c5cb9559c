"""The whole governed flow against the same Optuna/CatBoost trials and refit run bare.

Governed: ``govern train churn --trials N --json`` in a fresh project (demo table of
``rows`` rows), so it pays everything a first training pays: imports, Prefect's
temporary server, MLflow and Optuna stores, the trials as nested runs, evaluation,
fairness, drift, gates, registration and the card.  Bare: a script that reads the same
table, makes the same split (``govern.data.splits``), and runs the same study (TPE sampler
seed, pruner, CatBoost iterations and early stopping, ``govern.training.tuning.make_model``) in
memory, then refits and scores the holdout: no MLflow, Prefect, gates or card.  The two
alternate; both report holdout ROC AUC.

    .venv/bin/python benchmarks/bench_flow.py [--rows 100000] [--trials 20] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BARE = r"""
import sys, warnings
from pathlib import Path
import optuna
from catboost import Pool
from optuna_integration import CatBoostPruningCallback
from sklearn.metrics import roc_auc_score
from govern.data import splits, validation
from govern.training import tuning
from govern.spec.model import load_spec

root, trials = Path(sys.argv[1]), int(sys.argv[2])
spec = load_spec("churn", root / "models")
frame = validation.validate_frame(validation.load_table(root / spec.data.source), spec)
features = validation.feature_columns(frame.columns, spec)
categorical = validation.categorical_columns(frame, features)
split = splits.split_data(frame, spec)
target = spec.data.target
metric, maximize = tuning.CATBOOST_METRIC[spec.primary_metric]
train = Pool(split.train[features], split.train[target], cat_features=categorical)
valid = Pool(split.valid[features], split.valid[target], cat_features=categorical)
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(direction="maximize" if maximize else "minimize",
                            sampler=optuna.samplers.TPESampler(seed=spec.split.seed), pruner=tuning._pruner(spec))

def objective(trial):
    params = tuning._suggest(trial, spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pruning = CatBoostPruningCallback(trial, metric)
    model = tuning.make_model(spec, params, categorical, spec.tuning.iterations)
    model.fit(train, eval_set=valid, early_stopping_rounds=spec.tuning.early_stopping_rounds, callbacks=[pruning])
    pruning.check_pruned()
    trial.set_user_attr("iterations", int(model.get_best_iteration() or 0) + 1)
    return float(model.get_best_score()["validation"][metric])

study.optimize(objective, n_trials=trials)
best = study.best_trial
candidate = tuning.Candidate(params=dict(best.params), iterations=int(best.user_attrs["iterations"]), value=float(best.value),
                             study_name="bare", trials=trials, pruned=0, seconds=0.0)
import pandas as pd
model = tuning.refit(spec, candidate, pd.concat([split.train, split.valid]), features, categorical)
print(roc_auc_score(split.holdout[target], tuning.predict(spec, model, split.holdout)))
"""


def _project(base: Path, data: Path, trials: int) -> Path:
    import yaml

    root = Path(tempfile.mkdtemp(dir=base))
    (root / "models").mkdir()
    raw = yaml.safe_load((REPO / "models" / "churn.yaml").read_text())
    raw["tuning"]["trials"] = trials
    (root / "models" / "churn.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    shutil.copytree(data, root / "data")
    return root


def main(rows: int, trials: int, rounds: int) -> None:
    from govern.demo.files import write_demo_data

    env = dict(os.environ, MLFLOW_DISABLE_TELEMETRY="true", PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    env.pop("PREFECT_API_URL", None)
    print(f"whole flow, churn demo table of {rows} rows, {trials} trials: governed `govern train` vs the bare study and refit")
    print(f"{'round':>5} {'governed s':>11} {'bare s':>7} {'ratio':>6} {'governed AUC':>13} {'bare AUC':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        write_demo_data(base / "source", n=rows, seed=0)
        for r in range(rounds):
            root = _project(base, base / "source" / "data", trials)
            start = time.perf_counter()
            out = subprocess.run([str(REPO / ".venv" / "bin" / "govern"), "train", "churn", "--json"], cwd=root,
                                 env=dict(env, GOVERN_HOME=str(root)), capture_output=True, text=True)
            governed = time.perf_counter() - start
            if out.returncode not in (0, 5):
                raise SystemExit(f"govern train failed: {out.stderr.strip()[-500:]}")
            result = json.loads(out.stdout)
            auc, timings = result["holdout"], result.get("timings") or {}
            start = time.perf_counter()
            bare_out = subprocess.run([sys.executable, "-c", BARE, str(root), str(trials)], env=env, capture_output=True, text=True, check=True)
            bare = time.perf_counter() - start
            bare_auc = float(bare_out.stdout.strip().splitlines()[-1])
            print(f"{r + 1:>5} {governed:>11.1f} {bare:>7.1f} {governed / bare:>5.2f}x {auc:>13.4f} {bare_auc:>9.4f}", flush=True)
            steps = ", ".join(f"{k} {v:.1f}" for k, v in sorted(timings.items(), key=lambda kv: -kv[1]))
            print(f"      governed steps, s (baseline, drift and representation run beside the tuning, explain and fairness beside each other): {steps}",
                  flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    main(args.rows, args.trials, args.rounds)
