"""The whole governed flow against the same Optuna/CatBoost trials and refit run bare.

Governed: ``govern train churn --trials N --json`` in a fresh project (demo table of
``rows`` rows), so it pays everything a first training pays: imports, Prefect's
temporary server, MLflow and Optuna stores, the trials as nested runs, evaluation,
fairness, drift, gates, registration and the card.  Bare: a script that reads the same
table, makes the same split (``govern.data.splits``), and runs the same study (TPE sampler
seed, pruner, CatBoost iterations and early stopping, ``govern.training.tuning.make_model``) in
memory, then refits and scores the holdout: no MLflow, Prefect, gates or card.  The two
alternate in each of at least three rounds (minimum and median); both report holdout ROC AUC,
and the governed run's step timings are summarised too.

    .venv/bin/python benchmarks/bench_flow.py [--rows 10000] [--trials 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import results

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
    governed, bare, aucs, steps = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        write_demo_data(base / "source", n=rows, seed=0)
        for r in range(rounds):
            root = _project(base, base / "source" / "data", trials)
            start = time.perf_counter()
            out = subprocess.run([str(REPO / ".venv" / "bin" / "govern"), "train", "churn", "--json"], cwd=root,
                                 env=dict(env, GOVERN_HOME=str(root)), capture_output=True, text=True)
            governed.append(time.perf_counter() - start)
            if out.returncode not in (0, 5):
                raise SystemExit(f"govern train failed: {out.stderr.strip()[-500:]}")
            result = json.loads(out.stdout)
            steps.append(result.get("timings") or {})
            start = time.perf_counter()
            bare_out = subprocess.run([sys.executable, "-c", BARE, str(root), str(trials)], env=env, capture_output=True, text=True, check=True)
            bare.append(time.perf_counter() - start)
            aucs.append((result["holdout"], float(bare_out.stdout.strip().splitlines()[-1])))
            print(f"round {r + 1}: governed {governed[-1]:.1f} s, bare {bare[-1]:.1f} s", flush=True)
    ours, reference = results.summarize(governed), results.summarize(bare)
    auc = ", ".join(f"{g:.4f} / {b:.4f}" for g, b in aucs)
    table = [["whole flow", results.cell(ours), results.cell(reference), results.ratio(ours, reference, ("governed", "bare")), auc]]
    names = sorted({k for s in steps for k in s}, key=lambda k: -statistics.median(s.get(k, 0.0) for s in steps))
    table += [[f"governed step: {k}", results.cell(results.summarize([s.get(k, 0.0) for s in steps])), "", "", ""] for k in names]
    results.write(
        "flow",
        title=f"Whole governed flow against the same study run bare: churn demo table of {rows:,} rows, {trials} trials",
        columns=["", f"governed `govern train` s (min / median of {rounds})", "bare Optuna + CatBoost s", "governed / bare (medians)",
                 "holdout ROC AUC per round, governed / bare"],
        rows=table,
        notes=[
            "Governed: `govern train churn --json` in a fresh project per round, paying imports, Prefect's temporary server, the MLflow"
            " and Optuna stores, the trials as nested runs, evaluation, fairness, drift, gates, registration and the card.",
            "Bare: the same split, TPE seed, pruner, CatBoost settings and refit in one Python process, no MLflow, Prefect, gates or card;"
            " the two alternate within each round.",
            "Governed steps: the `timings` of `govern train --json`; baseline, drift and representation run beside the tuning, explain and"
            " fairness beside each other, so the steps add up to more than the whole.",
        ],
        command=f"python benchmarks/bench_flow.py --rows {rows} --trials {trials} --rounds {rounds}",
        data={"governed": governed, "bare": bare, "auc": aucs, "steps": steps},
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=results.MIN_ROUNDS)
    args = parser.parse_args()
    main(args.rows, args.trials, args.rounds)
