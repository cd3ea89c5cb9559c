"""Fairlearn mitigations around the tuned model, judged beside it.

A spec may ask for a mitigated candidate (``ThresholdOptimizer`` or
``ExponentiatedGradient``); it is scored on the same holdout and judged by the same
gates, so the reviewer sees what fairness would cost in accuracy.  The registered
model stays the tuned one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from govern import gates
from govern.evaluation import holdout_metrics
from govern.fairness import as_groups, assess_scores, fairness_value
from govern.spec import ModelSpec

MITIGATION_METHODS = ("threshold_optimizer", "exponentiated_gradient")
MITIGATION_CONSTRAINTS = ("equalized_odds", "demographic_parity")
LABEL_METRICS = ("accuracy", "precision", "recall", "f1")


def _groups(sensitive):
    return as_groups(sensitive) if isinstance(sensitive, pd.DataFrame) else sensitive


def _seeded_clone(estimator, seed: int):
    model = clone(estimator)
    params = model.get_params()
    for key in ("random_state", "random_seed"):
        if key in params:
            model.set_params(**{key: seed})
    return model


def mitigate(estimator, X_train, y_train, sensitive_train, *, method: str, constraint: str, seed: int = 0):
    """Fit a Fairlearn mitigator around ``estimator`` and return it.

    ``threshold_optimizer`` keeps the fitted estimator and learns group-specific
    thresholds on its probabilities, so fit it on rows the estimator did not train on
    (in-sample probabilities are overconfident).  ``exponentiated_gradient`` retrains
    clones of the estimator under the constraint.
    """
    if method not in MITIGATION_METHODS:
        raise ValueError(f"mitigation method must be one of {', '.join(MITIGATION_METHODS)}, not {method!r}")
    if constraint not in MITIGATION_CONSTRAINTS:
        raise ValueError(f"mitigation constraint must be one of {', '.join(MITIGATION_CONSTRAINTS)}, not {constraint!r}")
    y = np.asarray(y_train).astype(int)
    sensitive = as_groups(sensitive_train) if isinstance(sensitive_train, pd.DataFrame) else sensitive_train
    if method == "threshold_optimizer":
        from fairlearn.postprocessing import ThresholdOptimizer

        mitigator = ThresholdOptimizer(
            estimator=estimator, constraints=constraint, prefit=True, predict_method="predict_proba"
        )
        mitigator.fit(X_train, y, sensitive_features=sensitive)
        return mitigator

    from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient

    moment = EqualizedOdds() if constraint == "equalized_odds" else DemographicParity()
    mitigator = ExponentiatedGradient(_seeded_clone(estimator, seed), constraints=moment)
    mitigator.fit(X_train, y, sensitive_features=sensitive)
    return mitigator


def mitigated_predict(mitigator, X, sensitive, seed: int = 0) -> np.ndarray:
    """0/1 labels from a fitted mitigator; both mitigators randomise, so the seed fixes them."""
    from fairlearn.postprocessing import ThresholdOptimizer

    groups = as_groups(sensitive) if isinstance(sensitive, pd.DataFrame) else sensitive
    if isinstance(mitigator, ThresholdOptimizer):
        labels = mitigator.predict(X, sensitive_features=groups, random_state=seed)
    else:
        labels = mitigator.predict(X, random_state=seed)
    return np.asarray(labels).astype(int)


def mitigated_scores(mitigator, X, sensitive) -> np.ndarray:
    """Probability that the mitigator predicts 1 for each row, for score-based metrics."""
    from fairlearn.postprocessing import ThresholdOptimizer

    groups = as_groups(sensitive) if isinstance(sensitive, pd.DataFrame) else sensitive
    if isinstance(mitigator, ThresholdOptimizer):
        pmf = mitigator._pmf_predict(X, sensitive_features=groups)
    else:
        pmf = mitigator._pmf_predict(X)
    return np.asarray(pmf)[:, 1].astype(float)


def mitigated_candidate(spec: ModelSpec, model, fit_rows: pd.DataFrame, holdout: pd.DataFrame) -> dict:
    """Fit the spec's mitigation on ``fit_rows`` and score it on the holdout.

    Score-based metrics use the probability that the mitigator predicts 1; label
    metrics use its (seeded) randomised labels.
    """
    sensitive = spec.fairness.sensitive_features
    features = list(model.feature_names_)
    mitigator = mitigate(
        model, fit_rows[features], fit_rows[spec.data.target], fit_rows[sensitive],
        method=spec.fairness.mitigation, constraint=spec.fairness.mitigation_constraint, seed=spec.split.seed,
    )
    scores = mitigated_scores(mitigator, holdout[features], holdout[sensitive])
    labels = mitigated_predict(mitigator, holdout[features], holdout[sensitive], seed=spec.split.seed)
    y = holdout[spec.data.target].to_numpy()
    metrics = holdout_metrics(spec.task, y, scores, spec.decision_threshold)
    label_metrics = holdout_metrics(spec.task, y, labels.astype(float), 0.5)
    metrics.update({name: label_metrics[name] for name in LABEL_METRICS})
    return {
        "method": spec.fairness.mitigation,
        "constraint": spec.fairness.mitigation_constraint,
        "metrics": metrics,
        "fairness": assess_scores(spec, holdout, scores, labels=labels),
    }


def judge_mitigated(spec: ModelSpec, candidate: dict, metrics: dict, fairness: dict | None, drift: dict | None) -> dict:
    """The mitigated candidate's gate verdict and its side-by-side table with the tuned model."""
    report = gates.evaluate_gates(
        spec, metrics=candidate["metrics"], comparison=None, champion_version=None,
        fairness=candidate["fairness"], drift=drift,
    )
    rows = {m: (metrics[m], candidate["metrics"][m]) for m in (spec.primary_metric, "accuracy", "recall")}
    for g in spec.gates.fairness:
        rows[f"{g.metric} by {g.feature}"] = (
            fairness_value(fairness, g.feature, g.metric),
            fairness_value(candidate["fairness"], g.feature, g.metric),
        )
    return {**candidate, "gates": report.to_dict(), "comparison": rows}
