"""Mitigated candidates around the tuned model, judged beside it.

A spec may ask for one or more mitigations: Fairlearn's ``ThresholdOptimizer`` and
``ExponentiatedGradient`` (fitted on the validation rows, so the holdout stays unseen)
and reweighing (refitted on training and validation rows).  Each is scored on the same
holdout and judged by exactly the challenger's gates: its metric floors on intervals,
the champion and every baseline on the same paired bootstrap, the challenger's leakage
and drift results, and fairness; so the reviewer sees what fairness would cost, and a
candidate worse than the champion fails as the challenger would.  The registered model stays the tuned one, and a mitigation that cannot run
is reported "not applicable" with its reason instead of taking the run down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone

from govern.checks.fairness.assess import as_groups, assess_scores
from govern.evidence.baseline import BaselineComparison
from govern.evidence.evaluation import Comparison
from govern.evidence.fairness import FairnessReport, fairness_evidence
from govern.evidence.mitigation import MitigationResult, MitigationStatus
from govern.evidence.verdict import FAILED, GateResult
from govern.gates import rules as gates
from govern.mitigation import fairlearn_internals
from govern.mitigation.groups import exclusion_note, exclusions, group_labels
from govern.spec.model import MITIGATION_METHODS, ModelSpec
from govern.stats.evaluation import holdout_metrics
from govern.stats.intervals import bootstrap_intervals

POSTPROCESSING = ("threshold_optimizer", "exponentiated_gradient")
MITIGATION_CONSTRAINTS = ("equalized_odds", "demographic_parity")
LABEL_METRICS = ("accuracy", "precision", "recall", "f1")
SCORE_METRICS = ("roc_auc", "log_loss", "brier")
SCORED = "holdout_scores"


class Candidates(list):
    """The candidates (:class:`MitigationResult`) with, by method, their holdout scores and
    0/1 decisions: the record keeps neither, but the champion and baseline gates compare
    a candidate's scores with theirs as they compared the challenger's."""

    def __init__(self, items=(), scored: dict[str, tuple[np.ndarray, np.ndarray]] | None = None):
        super().__init__(items)
        self.scored = dict(scored or {})


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
    if method not in POSTPROCESSING:
        raise ValueError(f"mitigation method must be one of {', '.join(POSTPROCESSING)}, not {method!r}")
    if constraint not in MITIGATION_CONSTRAINTS:
        raise ValueError(f"mitigation constraint must be one of {', '.join(MITIGATION_CONSTRAINTS)}, not {constraint!r}")
    y = np.asarray(y_train).astype(int)
    sensitive = _groups(sensitive_train)
    if method == "threshold_optimizer":
        from fairlearn.postprocessing import ThresholdOptimizer

        mitigator = ThresholdOptimizer(estimator=estimator, constraints=constraint, prefit=True, predict_method="predict_proba")
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

    if isinstance(mitigator, ThresholdOptimizer):
        labels = mitigator.predict(X, sensitive_features=_groups(sensitive), random_state=seed)
    else:
        labels = mitigator.predict(X, random_state=seed)
    return np.asarray(labels).astype(int)


def mitigated_scores(mitigator, X, sensitive) -> np.ndarray:
    """Probability that the mitigator predicts 1 for each row, for score-based metrics."""
    from fairlearn.postprocessing import ThresholdOptimizer

    if isinstance(mitigator, ThresholdOptimizer):
        pmf = fairlearn_internals.threshold_optimizer_pmf(mitigator, X, _groups(sensitive))
    else:
        pmf = fairlearn_internals.exponentiated_gradient_pmf(mitigator, X)
    return np.asarray(pmf)[:, 1].astype(float)


def _scored(spec: ModelSpec, holdout: pd.DataFrame, scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    """Holdout metrics and fairness of a candidate (fields of :class:`MitigationResult`):
    score metrics on its probabilities, label metrics on its own labels."""
    y = holdout[spec.data.target].to_numpy()
    metrics = holdout_metrics(spec.task, y, scores, threshold)
    label_metrics = holdout_metrics(spec.task, y, labels.astype(float), 0.5)
    metrics.update({name: label_metrics[name] for name in LABEL_METRICS})
    return {"metrics": metrics, "fairness": assess_scores(spec, holdout, scores, labels=labels, threshold=threshold), SCORED: (scores, labels)}


def _postprocessed(spec: ModelSpec, model, split, method: str, threshold: float) -> dict:
    """Fit ``method`` on the validation rows without the groups too thin to learn from;
    holdout rows of those groups keep the tuned model's predictions.  Returns fields of
    :class:`MitigationResult`."""
    sensitive = list(spec.fairness.sensitive_features)
    features = list(model.feature_names_)
    fit_rows, holdout = split.valid, split.holdout
    fit_groups = group_labels(fit_rows, sensitive)
    y_fit = fit_rows[spec.data.target].to_numpy().astype(int)
    excluded = exclusions(spec, fit_groups, y_fit, error_rates=spec.fairness.mitigation_constraint == "equalized_odds")
    keep = ~fit_groups.isin(list(excluded)).to_numpy()
    kept = sorted(set(fit_groups[keep]))
    notes = [exclusion_note(excluded, "validation rows")] if excluded else []
    if len(kept) < 2:
        reason = f"fewer than two groups of the validation rows can be learned from ({len(kept)} left)"
        return {"excluded_groups": excluded, "notes": notes, "reason": reason}
    mitigator = mitigate(
        model, fit_rows.loc[keep, features], y_fit[keep], fit_groups[keep],
        method=method, constraint=spec.fairness.mitigation_constraint, seed=spec.split.seed,
    )
    groups = group_labels(holdout, sensitive)
    scores = mitigated_scores(mitigator, holdout[features], groups)
    labels = mitigated_predict(mitigator, holdout[features], groups, seed=spec.split.seed)
    if method == "threshold_optimizer":
        unseen = ~groups.isin(kept).to_numpy()
        if unseen.any():
            tuned = model.predict_proba(holdout[features])[:, 1]
            scores = np.where(unseen, tuned, scores)
            labels = np.where(unseen, (tuned >= threshold).astype(int), labels)
            notes.append(f"{int(unseen.sum())} holdout rows of groups not learned from keep the tuned model's predictions")
    return {"excluded_groups": excluded, "notes": notes, **_scored(spec, holdout, scores, labels, threshold)}


def _reweighed(spec: ModelSpec, model, split, threshold: float) -> dict:
    from govern.mitigation.reweighing import reweighed_model

    refit, excluded, notes = reweighed_model(spec, model, pd.concat([split.train, split.valid], ignore_index=True))
    scores = refit.predict_proba(split.holdout[list(refit.feature_names_)])[:, 1]
    labels = (scores >= threshold).astype(int)
    return {"excluded_groups": excluded, "notes": notes, **_scored(spec, split.holdout, scores, labels, threshold)}


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else 'no message'}"


def mitigated_candidate(spec: ModelSpec, model, split, threshold: float) -> Candidates:
    """One candidate per mitigation method of the spec (none: an empty list); never raises.

    Each has status "fitted" with its metrics and fairness report, or "not_applicable"
    with the reason and no scores.  Scores become decisions at the challenger's fitted
    ``threshold``, except where a method learns its own (the threshold optimizer).
    """
    from govern.mitigation.reweighing import CONSTRAINT

    candidates = Candidates()
    for method in spec.fairness.mitigation:
        constraint = CONSTRAINT if method == "reweighing" else spec.fairness.mitigation_constraint
        try:
            if spec.task != "binary":
                raise ValueError("mitigation is available for binary tasks only")
            if method not in MITIGATION_METHODS:
                raise ValueError(f"unknown mitigation method {method!r}")
            outcome = _reweighed(spec, model, split, threshold) if method == "reweighing" else _postprocessed(spec, model, split, method, threshold)
        except Exception as exc:  # a mitigation must never take the run down
            outcome = {"reason": _first_line(exc)}
        if SCORED in outcome:
            candidates.scored[method] = outcome.pop(SCORED)
        candidate = MitigationResult(method=method, constraint=constraint, status=MitigationStatus.FITTED, **outcome)
        if candidate.metrics is None:
            candidate = candidate.changed(status=MitigationStatus.NOT_APPLICABLE, reason=candidate.reason or "no scores")
        candidates.append(candidate)
    return candidates


def _none(scores: np.ndarray) -> None:
    return None


def _no_baselines(scores: np.ndarray) -> list[BaselineComparison]:
    return []


@dataclass(frozen=True)
class Against:
    """What the challenger was judged against on the holdout, so each candidate meets
    exactly its gates: the labels and the challenger's threshold; ``champion`` and
    ``baselines`` compare a candidate's holdout scores by the paired bootstrap the
    challenger's went through (``champion`` returns None when the champion could not be
    scored, ``champion_note`` says why); the challenger's leakage results."""

    y: np.ndarray
    threshold: float
    champion_version: str | None
    champion: Callable[[np.ndarray], Comparison | None] = _none
    champion_note: str = ""
    baselines: Callable[[np.ndarray], list[BaselineComparison]] = _no_baselines
    leakage: list[GateResult] = field(default_factory=list)


NOT_GIVEN = "not compared: the candidate's holdout scores or what the challenger was compared with were not given"


def _gates(spec: ModelSpec, candidate: MitigationResult, scored, against: Against | None, drift) -> gates.GateReport:
    """The challenger's gates over one candidate's evidence; what cannot be compared fails closed."""
    intervals: dict = {}
    comparison, found = None, []
    champion_version: str | None = "unknown"
    champion_note = NOT_GIVEN
    leakage = [GateResult("leakage", "leakage", FAILED, None, "the challenger's leakage gate", NOT_GIVEN)]
    if against is not None:
        champion_version, leakage = against.champion_version, against.leakage
        if scored is not None:
            scores, labels = scored
            intervals = bootstrap_intervals(spec.task, SCORE_METRICS, against.y, scores, threshold=against.threshold, seed=spec.split.seed)
            intervals.update(bootstrap_intervals(spec.task, LABEL_METRICS, against.y, labels.astype(float), threshold=0.5, seed=spec.split.seed))
            comparison, champion_note, found = against.champion(scores), against.champion_note, against.baselines(scores)
    return gates.evaluate_gates(
        spec, metrics=candidate.metrics or {}, intervals=intervals, comparison=comparison, champion_version=champion_version,
        champion_note=champion_note, fairness=candidate.fairness, drift=drift, leakage=leakage, baselines=found,
    )


def judge_mitigated(
    spec: ModelSpec, mitigation: MitigationResult | list[MitigationResult] | None, metrics: dict,
    fairness: FairnessReport | None, drift, against: Against | None = None,
) -> list[MitigationResult]:
    """Every candidate's verdict under the challenger's gates and its side-by-side rows
    with the tuned model.

    ``mitigation`` is what :func:`mitigated_candidate` returned (a single candidate is
    accepted too); ``against`` is what the challenger was compared with.  Without it,
    or without a candidate's holdout scores, the champion, baseline and leakage gates
    fail closed.  A judged candidate gets status "judged", ``gates`` and ``comparison``
    (row name -> (tuned, candidate)); a not-applicable one keeps its reason.
    """
    candidates = [mitigation] if isinstance(mitigation, MitigationResult) else list(mitigation or [])
    scored = getattr(mitigation, "scored", {})
    judged = []
    for candidate in candidates:
        if not candidate.applicable or candidate.metrics is None:
            judged.append(candidate.changed(status=MitigationStatus.NOT_APPLICABLE, gates=None, comparison=None))
            continue
        report = _gates(spec, candidate, scored.get(candidate.method), against, drift)
        rows = {m: (metrics.get(m), candidate.metrics.get(m)) for m in dict.fromkeys((spec.primary_metric, "accuracy", "recall"))}
        for g in spec.gates.fairness:
            rows[f"{g.metric} by {g.feature}"] = (
                fairness_evidence(fairness, g.feature, g.metric).value,
                fairness_evidence(candidate.fairness, g.feature, g.metric).value,
            )
        judged.append(candidate.changed(status=MitigationStatus.JUDGED, gates=report, comparison=rows))
    return judged
