"""A simple baseline every challenger is measured against, so a tuned model has to earn
its complexity in plain sight.

Binary: logistic regression on standardised numeric columns and one-hot categories.
Regression: the training mean and a linear model, each refit on training plus
validation rows (the rows the challenger was refit on); the challenger must beat both,
and the better of them on the validation rows is the one the card and curves show.
The comparisons are the same paired bootstrap the champion gets.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from govern.data.splits import Split
from govern.evidence.baseline import BaselineComparison
from govern.evidence.decision import LEGACY_THRESHOLD
from govern.evidence.evaluation import Comparison
from govern.spec.model import ModelSpec
from govern.stats.evaluation import holdout_metrics, metric_values
from govern.stats.intervals import bootstrap_intervals
from govern.training.policy import fit_threshold


@dataclass
class Baseline:
    """The baseline's holdout evidence, or why there is none (``fitted`` False).  The
    top-level fields are the shown baseline's; ``scores_by_kind`` holds every fitted
    baseline's holdout scores and ``comparisons`` the challenger against each."""

    kind: str
    fitted: bool
    note: str = ""
    scores: np.ndarray | None = None
    metrics: dict[str, float] | None = None
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    comparison: Comparison | None = None
    chosen_on_validation: dict[str, float] = field(default_factory=dict)
    scores_by_kind: dict[str, np.ndarray] = field(default_factory=dict)
    comparisons: list[BaselineComparison] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The record's ``baseline`` block (scores stay out: the curves carry them)."""
        return {
            "kind": self.kind, "fitted": self.fitted, "note": self.note, "metrics": self.metrics,
            "intervals": {k: list(v) for k, v in self.intervals.items()},
            "comparison": self.comparison.to_dict() if self.comparison else None,
            "chosen_on_validation": self.chosen_on_validation,
        }


def _features(frame: pd.DataFrame, features: list[str], categorical: list[str]) -> pd.DataFrame:
    X = frame[features].copy()
    for column in categorical:
        X[column] = X[column].astype(str)
    return X


def _preprocess(features: list[str], categorical: list[str]) -> ColumnTransformer:
    numeric = [c for c in features if c not in categorical]
    return ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])


def _binary(features, categorical) -> Pipeline:
    return Pipeline([("prepare", _preprocess(features, categorical)), ("model", LogisticRegression(max_iter=1000))])


def _regressors(features, categorical) -> dict[str, Pipeline]:
    return {
        "mean": Pipeline([("model", DummyRegressor(strategy="mean"))]),
        "linear regression": Pipeline([("prepare", _preprocess(features, categorical)), ("model", LinearRegression())]),
    }


def kinds(spec: ModelSpec) -> list[str]:
    """The baselines the challenger must beat on this task."""
    return ["logistic regression"] if spec.task == "binary" else list(_regressors([], []))


def _holdout_scores(spec: ModelSpec, split: Split, features: list[str], categorical: list[str], shown: str, scores: np.ndarray) -> dict[str, np.ndarray]:
    """Every baseline's holdout scores: the shown one's as given, each other regressor
    refit on training plus validation rows."""
    found = {shown: scores}
    refit_rows = pd.concat([split.train, split.valid])
    for name, model in _regressors(features, categorical).items() if spec.task == "regression" else ():
        if name not in found:
            model.fit(_features(refit_rows, features, categorical), refit_rows[spec.data.target])
            found[name] = np.asarray(model.predict(_features(split.holdout, features, categorical)), dtype=float)
    return found


def fit_baseline(spec: ModelSpec, split: Split, features: list[str], categorical: list[str]) -> tuple[str, Pipeline, dict[str, float]]:
    """The fitted baseline pipeline, its name, and (regression) each candidate's validation RMSE."""
    target = spec.data.target
    refit_rows = pd.concat([split.train, split.valid])
    if spec.task == "binary":
        model = _binary(features, categorical)
        model.fit(_features(refit_rows, features, categorical), refit_rows[target].astype(int))
        return "logistic regression", model, {}
    scores = {}
    for name, model in _regressors(features, categorical).items():
        model.fit(_features(split.train, features, categorical), split.train[target])
        predicted = model.predict(_features(split.valid, features, categorical))
        scores[name] = float(metric_values("regression", "rmse", split.valid[target], predicted))
    finite = {k: v for k, v in scores.items() if np.isfinite(v)}
    chosen = min(finite, key=finite.get) if finite else "mean"
    model = _regressors(features, categorical)[chosen]
    model.fit(_features(refit_rows, features, categorical), refit_rows[target])
    return chosen, model, scores


def score_baseline(spec: ModelSpec, split: Split, features: list[str], categorical: list[str]) -> Baseline:
    """Fit the baseline and measure it on the holdout: it needs no challenger, so the flow
    runs it beside the tuning.  Never raises for a fit that fails: the result says why,
    and the gate fails closed."""
    kind = "logistic regression" if spec.task == "binary" else "mean or linear regression"
    try:
        kind, model, chosen_on = fit_baseline(spec, split, features, categorical)
        X = _features(split.holdout, features, categorical)
        scores = model.predict_proba(X)[:, 1] if spec.task == "binary" else np.asarray(model.predict(X), dtype=float)
        every = _holdout_scores(spec, split, features, categorical, kind, scores)
    except Exception as exc:  # noqa: BLE001 -- recorded as the reason the baseline is missing
        return Baseline(kind=kind, fitted=False, note=f"could not be fitted ({exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
    y = split.holdout[spec.data.target].to_numpy(dtype=float)
    from govern.training.comparison import INTERVAL_METRICS

    threshold = LEGACY_THRESHOLD
    if spec.task == "binary":  # the baseline acts under the same policy, fitted on its own validation scores
        valid = _features(split.valid, features, categorical)
        threshold = fit_threshold(spec.decision, split.valid[spec.data.target], model.predict_proba(valid)[:, 1])
    intervals = bootstrap_intervals(spec.task, INTERVAL_METRICS[spec.task], y, scores, threshold=threshold, seed=spec.split.seed)
    return Baseline(
        kind=kind, fitted=True, scores=scores, metrics=holdout_metrics(spec.task, y, scores, threshold),
        intervals=intervals, chosen_on_validation=chosen_on, scores_by_kind=every,
    )


def compared(baseline: Baseline, spec: ModelSpec, y, challenger_scores, compare) -> Baseline:
    """The baseline with the challenger compared against every fitted baseline by
    ``compare(spec, y, challenger, baseline)`` (the champion's paired bootstrap); a
    baseline without scores is listed with the reason, so its gate fails closed."""
    y, challenger = np.asarray(y, dtype=float), np.asarray(challenger_scores, dtype=float)
    comparisons = [
        BaselineComparison(kind=k, comparison=compare(spec, y, challenger, baseline.scores_by_kind[k]))
        if k in baseline.scores_by_kind else BaselineComparison(kind=k, note=baseline.note or "was not fitted")
        for k in kinds(spec)
    ]
    shown = next((c.comparison for c in comparisons if c.kind == baseline.kind), None)
    return replace(baseline, comparison=shown, comparisons=comparisons)


def gate_evidence(baseline: Baseline, built: dict | None = None) -> list[BaselineComparison]:
    """What the baseline gate judges: every simple baseline's comparison and, for a table
    built from transactions, BG/NBD with Gamma-Gamma's (``built`` is its recorded block)."""
    found = list(baseline.comparisons)
    if built is not None:
        found.append(BaselineComparison(kind="BG/NBD with Gamma-Gamma", comparison=built.get("comparison"), note=built.get("reason") or "was not compared"))
    return found


def assess_baseline(spec: ModelSpec, split: Split, features: list[str], categorical: list[str], challenger_scores, compare) -> Baseline:
    """Fit, measure and compare in one call."""
    return compared(score_baseline(spec, split, features, categorical), spec, split.holdout[spec.data.target], challenger_scores, compare)
