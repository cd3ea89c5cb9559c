"""Optuna around CatBoost: the search for a challenger.

The study lives in the platform's database (SQLite under ``mlruns/`` or a team's
PostgreSQL), so an interrupted search resumes and several workers can share it.
The champion's parameters are enqueued as the first trial, so a challenger is never
found by a search that did not even try what is already in production.  Each trial is
an MLflow run nested under the flow's run; CatBoost reports its validation metric
per iteration and Optuna's pruner stops hopeless trials early.
"""

from __future__ import annotations

import os
import socket
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import optuna
import pandas as pd
from catboost import CatBoostClassifier, CatBoostRegressor, Pool
from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient
from optuna_integration import CatBoostPruningCallback

from govern.spec.model import FloatParam, IntParam, ModelSpec
from govern.training import orphans

# CatBoost's name for each spec metric, and whether Optuna maximises it.
CATBOOST_METRIC = {
    "roc_auc": ("AUC", True),
    "log_loss": ("Logloss", False),
    "brier": ("BrierScore", False),
    "accuracy": ("Accuracy", True),
    "f1": ("F1", True),
    "precision": ("Precision", True),
    "recall": ("Recall", True),
    "rmse": ("RMSE", False),
    "mae": ("MAE", False),
    "r2": ("R2", True),
}
# tuning.objective tweedie: a log-link loss for zero-inflated spend.  CatBoost's other metrics
# read the log-scale values under it, so stopping and the search follow its deviance instead.
TWEEDIE = "Tweedie:variance_power=1.5"


def catboost_metric(spec: ModelSpec) -> tuple[str, bool]:
    """The validation metric CatBoost stops on and Optuna optimises, and whether higher is better."""
    if spec.task == "regression" and spec.tuning.objective == "tweedie":
        return TWEEDIE, False
    return CATBOOST_METRIC[spec.primary_metric]


@dataclass(frozen=True)
class Candidate:
    """What the search settled on: parameters and the iterations early stopping chose."""

    params: dict
    iterations: int
    value: float
    study_name: str
    trials: int
    pruned: int
    seconds: float


def make_model(spec: ModelSpec, params: dict, cat_features: list[str], iterations: int):
    """A CatBoost estimator for the spec's task (``cat_features`` as a tuple so sklearn can clone it)."""
    metric, _ = catboost_metric(spec)
    common = dict(
        iterations=iterations,
        eval_metric=metric,
        cat_features=tuple(cat_features),
        random_seed=spec.split.seed,
        verbose=False,
        allow_writing_files=False,
        thread_count=-1,
        **params,
    )
    if spec.task == "binary":
        return CatBoostClassifier(loss_function="Logloss", **common)
    return CatBoostRegressor(loss_function=TWEEDIE if spec.tuning.objective == "tweedie" else "RMSE", **common)


def _suggest(trial: optuna.Trial, spec: ModelSpec) -> dict:
    params = {}
    for name, p in spec.tuning.search_space.items():
        if isinstance(p, IntParam):
            params[name] = trial.suggest_int(name, p.low, p.high, log=p.log)
        elif isinstance(p, FloatParam):
            params[name] = trial.suggest_float(name, p.low, p.high, log=p.log)
        else:
            params[name] = trial.suggest_categorical(name, p.choices)
    return params


PRUNING_EVERY = 5


class CheckpointPruning(CatBoostPruningCallback):
    """Optuna's CatBoost pruning callback, consulted every ``every`` iterations only.

    Each report is a write to the study's storage and each pruning decision reads the
    study back: asked at every iteration, a SQLite study spent about half as long on
    that as CatBoost spent fitting.  Every trial reports at the same steps, so the
    median and Hyperband pruners compare like with like.
    """

    def __init__(self, trial: optuna.Trial, metric: str, every: int = PRUNING_EVERY) -> None:
        super().__init__(trial, metric)
        self._every = every

    def after_iteration(self, info) -> bool:
        if info.iteration % self._every:
            return True
        return super().after_iteration(info)


def _pruner(spec: ModelSpec) -> optuna.pruners.BasePruner:
    if spec.tuning.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=20)
    if spec.tuning.pruner == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=20, max_resource=spec.tuning.iterations)
    return optuna.pruners.NopPruner()


def champion_trial_params(spec: ModelSpec, champion_params: dict | None) -> dict | None:
    """The champion's parameters restricted to the search space and its bounds, or None."""
    if not champion_params:
        return None
    chosen = {}
    for name, p in spec.tuning.search_space.items():
        if name not in champion_params:
            return None
        raw = champion_params[name]
        try:
            if isinstance(p, IntParam):
                value = int(float(raw))
            elif isinstance(p, FloatParam):
                value = float(raw)
            else:
                value = next(c for c in p.choices if str(c) == str(raw))
        except (ValueError, StopIteration):
            return None
        if isinstance(p, (IntParam, FloatParam)) and not p.low <= value <= p.high:
            return None
        chosen[name] = value
    return chosen


def tune(
    spec: ModelSpec,
    train: pd.DataFrame,
    valid: pd.DataFrame,
    features: list[str],
    cat_features: list[str],
    *,
    storage: str,
    study_name: str,
    experiment_id: str,
    parent_run_id: str,
    champion_params: dict | None = None,
    on_first_trial: Callable[[], None] | None = None,
) -> Candidate:
    """Run (or resume, or join) the study until it holds ``spec.tuning.trials`` finished trials.

    ``on_first_trial`` is called once, when this worker's first trial has its MLflow run
    and CatBoost is about to train (the flow starts the evidence it gathers beside the
    tuning then, so that work does not delay the first trial)."""
    metric, maximize = catboost_metric(spec)
    logged = "tweedie_deviance" if metric == TWEEDIE else spec.primary_metric
    client = MlflowClient()
    train_pool = Pool(train[features], train[spec.data.target], cat_features=cat_features)
    valid_pool = Pool(valid[features], valid[spec.data.target], cat_features=cat_features)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=study_name,
        storage=storage,
        direction="maximize" if maximize else "minimize",
        sampler=optuna.samplers.TPESampler(seed=spec.split.seed),
        pruner=_pruner(spec),
        load_if_exists=True,
    )
    orphans.retry_orphans(study, client)
    enqueued = champion_trial_params(spec, champion_params)
    if enqueued is not None:
        study.enqueue_trial(enqueued, user_attrs={"source": "champion"}, skip_if_exists=True)

    started: list[int] = []

    def objective(trial: optuna.Trial) -> float:
        params = _suggest(trial, spec)
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        run = client.create_run(
            experiment_id,
            run_name=f"trial-{trial.number}",
            tags={"mlflow.parentRunId": parent_run_id, "govern.kind": "trial", "optuna.study": study_name},
        )
        trial.set_user_attr("mlflow_run", run.info.run_id)
        if on_first_trial is not None and not started:
            started.append(trial.number)
            on_first_trial()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            pruning = CheckpointPruning(trial, metric)
        model = make_model(spec, params, cat_features, spec.tuning.iterations)
        status = "FINISHED"
        try:
            model.fit(
                train_pool,
                eval_set=valid_pool,
                early_stopping_rounds=spec.tuning.early_stopping_rounds,
                callbacks=[pruning],
            )
            pruning.check_pruned()
        except optuna.TrialPruned:
            status = "KILLED"
            raise
        except Exception:
            status = "FAILED"
            raise
        finally:
            fitted = model.is_fitted()
            best = model.get_best_score().get("validation", {}).get(metric) if fitted else None
            iterations = int(model.get_best_iteration() or 0) + 1 if fitted else 0
            trial.set_user_attr("iterations", iterations)
            now = int(time.time() * 1000)
            client.log_batch(
                run.info.run_id,
                params=[Param(k, str(v)) for k, v in params.items()] + [Param("trial", str(trial.number))],
                metrics=[Metric(f"valid_{logged}", float(best), now, 0)] if best is not None else [],
                tags=[RunTag("optuna.state", {"KILLED": "PRUNED", "FAILED": "FAIL"}.get(status, "COMPLETE")), RunTag("catboost.iterations", str(iterations))],
            )
            client.set_terminated(run.info.run_id, status=status)
        if best is None:
            raise RuntimeError(f"CatBoost reported no validation {metric}")
        return float(best)

    start = time.perf_counter()
    counted = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    # The budget is the study's, not this worker's: workers sharing the study stop together.
    budget = optuna.study.MaxTrialsCallback(spec.tuning.trials, states=counted)
    if sum(t.state in counted for t in study.trials) < spec.tuning.trials:
        study.optimize(objective, n_trials=spec.tuning.trials, timeout=spec.tuning.timeout_seconds, callbacks=[budget], catch=())
    best = study.best_trial
    states = [t.state for t in study.trials]
    return Candidate(
        params=dict(best.params),
        iterations=int(best.user_attrs.get("iterations", spec.tuning.iterations)),
        value=float(best.value),
        study_name=study_name,
        trials=sum(s == optuna.trial.TrialState.COMPLETE for s in states),
        pruned=sum(s == optuna.trial.TrialState.PRUNED for s in states),
        seconds=time.perf_counter() - start,
    )


def refit(spec: ModelSpec, candidate: Candidate, data: pd.DataFrame, features: list[str], cat_features: list[str]):
    """Fit the chosen parameters on training plus validation rows, for the iterations early stopping found."""
    model = make_model(spec, candidate.params, cat_features, max(candidate.iterations, 10))
    model.fit(data[features], data[spec.data.target])
    return model


def predict(spec: ModelSpec, model, frame: pd.DataFrame) -> np.ndarray:
    """Probability of the positive class for a binary task, the value for regression."""
    X = frame[list(model.feature_names_)]
    if spec.task == "binary":
        return model.predict_proba(X)[:, 1]
    return np.asarray(model.predict(X), dtype=float)
