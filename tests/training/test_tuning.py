"""Pruning is asked at checkpoints, not at every CatBoost iteration, and still prunes."""

from __future__ import annotations

import numpy as np
import optuna
import pytest
from catboost import CatBoostClassifier

from govern.training.tuning import PRUNING_EVERY, CheckpointPruning


def _data(rows: int = 600, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    y = (x[:, 0] + rng.normal(scale=1.0, size=rows) > 0).astype(int)
    return x[:400], y[:400], x[400:], y[400:]


def _objective(trial: optuna.Trial) -> float:
    x, y, vx, vy = _data()
    pruning = CheckpointPruning(trial, "Logloss")
    depth = trial.suggest_int("depth", 1, 6)
    rate = trial.suggest_float("learning_rate", 1e-4, 0.3, log=True)
    model = CatBoostClassifier(iterations=60, depth=depth, learning_rate=rate, verbose=False, random_seed=0, thread_count=1)
    model.fit(x, y, eval_set=(vx, vy), callbacks=[pruning])
    pruning.check_pruned()
    return float(model.get_best_score()["validation"]["Logloss"])


@pytest.mark.integration
def test_trials_report_only_at_checkpoints_and_hopeless_ones_are_pruned():
    study = optuna.create_study(
        direction="minimize", sampler=optuna.samplers.TPESampler(seed=0),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=10),
    )
    study.enqueue_trial({"depth": 4, "learning_rate": 0.1})
    study.enqueue_trial({"depth": 4, "learning_rate": 0.1})
    study.enqueue_trial({"depth": 1, "learning_rate": 1e-4})  # learns nothing in 60 rounds
    study.optimize(_objective, n_trials=3)
    steps = {step for t in study.trials for step in t.intermediate_values}
    assert steps and all((step + 1) % PRUNING_EVERY == 0 for step in steps)
    assert len(study.trials[0].intermediate_values) == 60 // PRUNING_EVERY
    assert study.trials[2].state == optuna.trial.TrialState.PRUNED


@pytest.mark.integration
def test_the_first_trial_is_announced_once_when_it_starts_and_not_when_nothing_runs(tmp_path):
    """The flow starts its evidence beside the tuning from this call; a resumed study with
    its budget spent runs no trial, so the flow starts it itself after the tuning."""
    import mlflow
    import pandas as pd

    from govern.data import splits, validation
    from govern.spec.model import load_spec
    from govern.training import tuning
    from tests.conftest import make_project

    root = make_project(tmp_path, rows=600, specs=("churn",))
    spec = load_spec("churn", root / "models")
    spec = spec.model_copy(update={"tuning": spec.tuning.model_copy(update={"trials": 3, "iterations": 30})})
    frame = validation.validate_frame(pd.read_parquet(root / "data/demo/customers.parquet"), spec)
    features = validation.feature_columns(frame.columns, spec)
    split = splits.split_data(frame, spec)
    before = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        experiment = mlflow.MlflowClient().create_experiment("tuning")
        parent = mlflow.MlflowClient().create_run(experiment).info.run_id
        calls = []

        def announced():
            runs = mlflow.MlflowClient().search_runs([experiment], "tags.`govern.kind` = 'trial'")
            calls.append([r.data.tags.get("optuna.state") for r in runs])

        storage = f"sqlite:///{tmp_path / 'optuna.db'}"
        for _ in range(2):
            tuning.tune(spec, split.train, split.valid, features, validation.categorical_columns(frame, features),
                        storage=storage, study_name="s", experiment_id=experiment, parent_run_id=parent, on_first_trial=announced)
    finally:
        mlflow.set_tracking_uri(before)
    # Once, with the first trial's run open and nothing finished yet; the second call resumed a finished study.
    assert calls == [[None]]
