"""The compact curve data a card's pictures are drawn from, computed from holdout scores.

The record keeps these small tables rather than the scores themselves, so
``govern card`` can redraw every picture from ``record.json`` alone: ROC points thinned
to about 200, calibration bins, a table per score decile, and for regression a sample
of predicted against observed values and residual quantiles per group.  ROC and
calibration use scikit-learn's ``roc_curve`` and the same binning as its
``calibration_curve`` (checked against it in the tests).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

ROC_POINTS = 200
CALIBRATION_BINS = 10
DECILES = 10
SCATTER_POINTS = 400


@dataclass(frozen=True)
class Roc:
    fpr: list[float]
    tpr: list[float]


@dataclass(frozen=True)
class CalibrationBin:
    mean_predicted: float
    observed_rate: float
    rows: int


@dataclass(frozen=True)
class Decile:
    """One tenth of the holdout ranked by score, highest first."""

    decile: int
    rows: int
    mean_score: float
    observed: float
    lift: float | None
    cumulative_gain: float | None


@dataclass(frozen=True)
class GroupResiduals:
    group: str
    rows: int
    mean: float
    q10: float
    q25: float
    median: float
    q75: float
    q90: float


def roc_points(y, scores, max_points: int = ROC_POINTS) -> Roc | None:
    """scikit-learn's ROC curve thinned to at most ``max_points`` (ends kept); None with one class."""
    y = np.asarray(y, dtype=float)
    if len(np.unique(y)) < 2:
        return None
    fpr, tpr, _ = roc_curve(y, np.asarray(scores, dtype=float))
    if len(fpr) > max_points:
        keep = np.unique(np.linspace(0, len(fpr) - 1, max_points).round().astype(int))
        fpr, tpr = fpr[keep], tpr[keep]
    return Roc(fpr=[round(float(v), 5) for v in fpr], tpr=[round(float(v), 5) for v in tpr])


def calibration_bins(y, scores, bins: int = CALIBRATION_BINS) -> list[CalibrationBin]:
    """Equal-width bins of predicted probability, as ``calibration_curve(strategy="uniform")``
    forms them, with each bin's row count; empty bins are left out."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(scores, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.searchsorted(edges[1:-1], p, side="right")
    out = []
    for b in range(bins):
        inside = index == b
        n = int(inside.sum())
        if n:
            out.append(CalibrationBin(float(p[inside].mean()), float(y[inside].mean()), n))
    return out


def deciles(y, scores, parts: int = DECILES) -> list[Decile]:
    """Rows ranked by score in ``parts`` near-equal slices: each slice's mean score and
    observed mean; for a 0/1 target also the lift over the base rate and the share of
    all positives captured down to that slice (the gain curve)."""
    y = np.asarray(y, dtype=float)
    s = np.asarray(scores, dtype=float)
    order = np.argsort(-s, kind="stable")
    binary = set(np.unique(y)) <= {0.0, 1.0}
    base, total = float(y.mean()), float(y.sum())
    captured, out = 0.0, []
    for i, rows in enumerate(np.array_split(order, parts), start=1):
        if not len(rows):
            continue
        observed = float(y[rows].mean())
        captured += float(y[rows].sum())
        out.append(Decile(
            decile=i, rows=int(len(rows)), mean_score=float(s[rows].mean()), observed=observed,
            lift=observed / base if binary and base > 0 else None,
            cumulative_gain=captured / total if binary and total > 0 else None,
        ))
    return out


def scatter_sample(y, predicted, points: int = SCATTER_POINTS, seed: int = 0) -> dict[str, list[float]]:
    """A seeded sample of (predicted, observed) pairs for the regression picture."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(predicted, dtype=float)
    rows = np.random.default_rng(seed).choice(len(y), size=min(points, len(y)), replace=False)
    return {"predicted": [round(float(v), 4) for v in p[rows]], "observed": [round(float(v), 4) for v in y[rows]]}


def residuals_by_group(y, predicted, groups: pd.Series) -> list[GroupResiduals]:
    """Quantiles of observed minus predicted within each group (a box per group)."""
    residual = np.asarray(y, dtype=float) - np.asarray(predicted, dtype=float)
    labels = groups.astype(str).to_numpy()
    out = []
    for group in sorted(np.unique(labels)):
        r = residual[labels == group]
        q = np.quantile(r, [0.1, 0.25, 0.5, 0.75, 0.9])
        out.append(GroupResiduals(str(group), int(len(r)), float(r.mean()), *(float(v) for v in q)))
    return out


def model_curves(task: str, y, scores, seed: int = 0) -> dict:
    """Everything one model's pictures need, as plain JSON-able data."""
    curves: dict = {"deciles": [asdict(d) for d in deciles(y, scores)]}
    if task == "binary":
        roc = roc_points(y, scores)
        curves["roc"] = asdict(roc) if roc else None
        curves["calibration"] = [asdict(b) for b in calibration_bins(y, scores)]
    else:
        curves["scatter"] = scatter_sample(y, scores, seed=seed)
    return curves


def curve_evidence(task: str, y, scores: dict[str, np.ndarray | None], groups: dict[str, pd.Series], seed: int = 0) -> dict:
    """Curves of every scored model on the same holdout (``scores`` maps a name such as
    ``challenger``, ``champion`` or ``baseline`` to its scores, None when it has none),
    and for regression the challenger's residuals by each sensitive feature."""
    models = {name: model_curves(task, y, s, seed) for name, s in scores.items() if s is not None}
    out = {"rows": int(len(np.asarray(y))), "models": models}
    if task == "regression" and scores.get("challenger") is not None:
        out["residuals_by_group"] = {
            feature: [asdict(g) for g in residuals_by_group(y, scores["challenger"], column)] for feature, column in groups.items()
        }
    return out
