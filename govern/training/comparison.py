"""Challenger and champion on the same holdout: the scores, the paired comparison, and
the checks that the comparison means anything at all.

Two models can only be compared when they agree on what the target means.  A
champion trained with the other label as positive scores far below chance on the
challenger's holdout, and any challenger then "wins" by a wide margin; that is
stopped here with one line before a single trial runs.  A champion that trained on
many of the challenger's holdout rows is flattered by them, so the comparison is
also given on the rows it never saw.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from govern.core.errors import GovernError
from govern.data.overlap import salt_fingerprint, seen_by
from govern.evidence.decision import LEGACY_THRESHOLD
from govern.evidence.evaluation import Comparison, Evaluation, Overlap
from govern.spec.model import ModelSpec
from govern.stats.evaluation import holdout_metrics, metric_values, paired_bootstrap
from govern.stats.intervals import bootstrap_intervals
from govern.stores.champion import Champion
from govern.training import tuning

INTERVAL_METRICS = {"binary": ("roc_auc", "log_loss", "brier", "accuracy", "f1", "precision", "recall"), "regression": ("rmse", "mae", "r2")}
# The fewest unseen rows on which a paired comparison is still worth stating.
MIN_UNSEEN_ROWS = 30


def auc_upper_bound(auc: float, positives: int, negatives: int, z: float = 1.96) -> float:
    """Upper confidence bound of an AUC by Hanley & McNeil's standard error."""
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    variance = (auc * (1 - auc) + (positives - 1) * (q1 - auc**2) + (negatives - 1) * (q2 - auc**2)) / (positives * negatives)
    return auc + z * math.sqrt(max(variance, 0.0))


def _check_labels(spec: ModelSpec, champion: Champion, labels: dict | None) -> None:
    """Refuse when the challenger's positive label is the champion's negative one.

    Labels spelled differently (0/1 then "Churned"/"Stayed") are no proof of a flip;
    the below-chance check on the champion's scores catches those.
    """
    theirs = champion.labels
    if spec.task != "binary" or not theirs or not labels:
        return
    if str(theirs.positive) == str(labels["negative"]) or str(theirs.negative) == str(labels["positive"]):
        raise GovernError(
            f"champion v{champion.version} was trained with positive class {theirs.positive!r} but this data's is "
            f"{labels['positive']!r}: the labels are encoded differently (check data.positive_class)"
        )


def _check_plausible(spec: ModelSpec, champion: Champion, y: np.ndarray, scores: np.ndarray) -> None:
    if spec.task == "binary":
        auc = float(metric_values("binary", "roc_auc", y, scores))
        positives = int(y.sum())
        if math.isfinite(auc) and auc < 0.5 and auc_upper_bound(auc, positives, len(y) - positives) < 0.5:
            raise GovernError(
                f"champion v{champion.version} scores ROC AUC {auc:.3f} on this holdout, below chance: "
                "the labels may be encoded differently from its training data (check data.positive_class)"
            )
        return
    r2 = float(metric_values("regression", "r2", y, scores))
    judged = champion.record.metrics.challenger.get("r2") if champion.record is not None else None
    if math.isfinite(r2) and r2 < 0 and (judged is None or judged > 0):
        raise GovernError(
            f"champion v{champion.version} predicts worse than the mean on this holdout (R2 {r2:.3f}"
            + (f", {judged:.3f} when it was judged" if judged is not None else "")
            + "): the target may be measured differently (units, window)"
        )


def champion_scores(spec: ModelSpec, champion: Champion, holdout: pd.DataFrame, labels: dict | None) -> tuple[np.ndarray | None, str]:
    """The champion's scores on the holdout, or None and why; raises when the two
    models cannot mean the same thing by the target."""
    if champion.version is None:
        return None, champion.note
    ok, note = champion.can_score(holdout)
    if not ok:
        return None, note
    _check_labels(spec, champion, labels)
    scores = tuning.predict(spec, champion.model, holdout)
    _check_plausible(spec, champion, holdout[spec.data.target].to_numpy(dtype=float), scores)
    return scores, ""


def compare(spec: ModelSpec, y, challenger, champion, thresholds: float | tuple[float, float] = LEGACY_THRESHOLD) -> Comparison:
    """Challenger against another model (champion or baseline) by the champion gate's paired
    bootstrap; each acts at its own threshold (``thresholds``: one for both, or one each)."""
    gate = spec.gates.champion
    return paired_bootstrap(
        spec.task, gate.metric if gate else spec.primary_metric, y, challenger, champion,
        resamples=gate.resamples if gate else 1000, confidence=gate.confidence if gate else 0.95,
        threshold=thresholds, seed=spec.split.seed,
    )


def _overlap(spec: ModelSpec, champion: Champion, holdout: pd.DataFrame, challenger, scores, salt: str, threshold: float) -> Overlap:
    recorded = champion.record.overlap.salt if champion.record is not None and champion.record.overlap else None
    if champion.training_ids is None:
        return Overlap(measured=False, note=f"champion v{champion.version} recorded no training ids")
    if recorded is not None and recorded != salt_fingerprint(salt):
        return Overlap(measured=False, note=f"champion v{champion.version}'s ids were hashed with another salt (GOVERN_ID_SALT changed)")
    seen = seen_by(holdout[spec.data.id_column], champion.training_ids, salt)
    unseen = ~seen
    y = holdout[spec.data.target].to_numpy(dtype=float)
    comparison, note = None, ""
    one_class = spec.task == "binary" and len(np.unique(y[unseen])) < 2
    if unseen.sum() < MIN_UNSEEN_ROWS or one_class:
        note = f"{int(unseen.sum())} unseen rows{' of one class' if one_class else ''}: too few for a comparison"
    elif seen.any():
        comparison = compare(spec, y[unseen], challenger[unseen], scores[unseen], (threshold, champion.threshold))
    return Overlap(measured=True, note=note, seen_rows=int(seen.sum()), share=float(seen.mean()), comparison_unseen=comparison)


def evaluate(spec: ModelSpec, model, holdout: pd.DataFrame, champion: Champion, scores: np.ndarray | None, note: str, salt: str,
             threshold: float = LEGACY_THRESHOLD) -> Evaluation:
    """The challenger's holdout metrics with intervals at its fitted ``threshold``, and the
    comparison with the champion (whose decisions are taken at its own recorded threshold)."""
    y = holdout[spec.data.target].to_numpy()
    challenger = tuning.predict(spec, model, holdout)
    metrics = holdout_metrics(spec.task, y, challenger, threshold)
    intervals = bootstrap_intervals(spec.task, INTERVAL_METRICS[spec.task], y, challenger, threshold=threshold, seed=spec.split.seed)
    if scores is None:
        return Evaluation(metrics=metrics, intervals=intervals, note=note, challenger_scores=challenger)
    return Evaluation(
        metrics=metrics, intervals=intervals, note=note, challenger_scores=challenger, champion_scores=scores,
        champion_metrics=holdout_metrics(spec.task, y, scores, champion.threshold),
        champion_intervals=bootstrap_intervals(spec.task, INTERVAL_METRICS[spec.task], y, scores, threshold=champion.threshold, seed=spec.split.seed),
        comparison=compare(spec, y, challenger, scores, (threshold, champion.threshold)),
        overlap=_overlap(spec, champion, holdout, challenger, scores, salt, threshold),
    )
