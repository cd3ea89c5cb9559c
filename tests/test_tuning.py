"""Pruning is asked at checkpoints, not at every CatBoost iteration, and still prunes."""

from __future__ import annotations

import numpy as np
import optuna
from catboost import CatBoostClassifier

from govern.tuning import PRUNING_EVERY, CheckpointPruning


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
