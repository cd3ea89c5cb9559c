"""Group fairness of a model's outputs: per-group metrics, disparities and their intervals.

A gate on a disparity measured from a handful of rows judges noise, so every group
metric and disparity carries a bootstrap interval (see ``govern.checks.fairness.intervals``),
and an evidence-size rule decides which groups a disparity compares: ``min_group_size``
rows for selection-rate metrics, ``min_class_size`` positives *and* negatives for
error-rate metrics (a TPR from 8 positives moves in steps of 12 points).  A group under
the rule stays in the report, marked "insufficient evidence" with the reason; a disparity
left with too few groups is None with a note, and a gate on it fails as not measured.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from govern.checks.fairness import intervals as boot
from govern.checks.fairness.tables import feature_block
from govern.core.errors import DataValidationError, SpecError
from govern.evidence.fairness import INTERSECTION_SEPARATOR, FairnessReport
from govern.spec.model import FAIRNESS_METRICS, ModelSpec
from govern.stats.group_metrics import binary_rates, cell_counts, delong_auc, group_aucs, regression_means

MISSING_GROUP = "(missing)"
BLANK_GROUP = "(blank)"
INTERVAL_METHOD = (
    "row-level bootstrap: multinomial draws of (group, label, prediction) cell counts for rates, "
    "within-group index draws for regression means, DeLong normal draws for ROC AUC"
)


def _group_label(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return MISSING_GROUP
    text = str(value)
    return text if text.strip() else BLANK_GROUP


def as_groups(sensitive: pd.DataFrame) -> pd.DataFrame:
    """Sensitive columns as strings; missing values and blank strings become their own labelled groups."""
    frame = sensitive.reset_index(drop=True)
    out = {}
    for name in frame.columns:
        codes, uniques = pd.factorize(frame[name], use_na_sentinel=True)
        labels = np.array([_group_label(u) for u in uniques] + [MISSING_GROUP], dtype=object)
        out[str(name)] = labels[codes]
    return pd.DataFrame(out)


def _encode(groups: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Codes of the (intersection of) ``columns``, their labels sorted, and each group's first row."""
    combined = np.zeros(len(groups), dtype=np.int64)
    parts = []
    for column in columns:
        codes, uniques = pd.factorize(groups[column], sort=True)
        combined = combined * len(uniques) + codes
        parts.append((codes, uniques))
    keys, first, codes = np.unique(combined, return_index=True, return_inverse=True)
    labels = [INTERSECTION_SEPARATOR.join(str(u[c[i]]) for c, u in parts) for i in first]
    return codes.ravel(), labels, first


def _check_inputs(task, y_true, y_pred, sensitive, y_score, min_group_size, min_class_size):
    if task not in ("binary", "regression"):
        raise ValueError(f"task must be 'binary' or 'regression', not {task!r}")
    if min_group_size < 1 or min_class_size < 1:
        raise ValueError("min_group_size and min_class_size must be at least 1")
    n = y_true.shape[0]
    lengths = {"y_true": n, "y_pred": y_pred.shape[0], "sensitive": len(sensitive)}
    if y_score is not None:
        lengths["y_score"] = y_score.shape[0]
    if n == 0:
        raise DataValidationError("fairness: no rows to assess")
    if len(set(lengths.values())) != 1:
        raise DataValidationError("fairness: inputs differ in length (" + ", ".join(f"{k}={v}" for k, v in lengths.items()) + ")")
    if task == "binary":
        for name, values in (("y_true", y_true), ("y_pred", y_pred)):
            if not set(np.unique(values).tolist()) <= {0, 1}:
                raise DataValidationError(f"fairness: {name} must hold 0/1 labels for a binary task")


def assess_fairness(
    y_true,
    y_pred,
    sensitive: pd.DataFrame,
    *,
    task: str,
    y_score=None,
    min_group_size: int = 30,
    min_class_size: int = 10,
    confidence: float = 0.95,
    resamples: int = 500,
    seed: int = 0,
) -> FairnessReport:
    """Per-group metrics, disparities and bootstrap intervals for each sensitive column
    and for the intersection of all of them.

    Binary tasks take 0/1 labels in ``y_pred`` and, optionally, probabilities in
    ``y_score`` for ROC AUC; regression tasks take predicted values.  Rows are matched
    by position.  The same ``seed`` gives the same intervals.  Values that are not
    finite numbers are None.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    y_score = None if y_score is None else np.asarray(y_score, dtype=float)
    _check_inputs(task, y_true, y_pred, sensitive, y_score, min_group_size, min_class_size)
    rules = {"min_group_size": int(min_group_size), "min_class_size": int(min_class_size), "confidence": float(confidence)}
    groups = as_groups(sensitive)
    columns = list(groups.columns)
    features = {name: [name] for name in columns}
    if len(columns) >= 2:
        features[INTERSECTION_SEPARATOR.join(columns)] = columns
    fine, _, fine_first = _encode(groups, columns)
    rng = np.random.default_rng(seed)
    if task == "binary":
        y, pred = y_true.astype(np.int64), y_pred.astype(np.int64)
        fine_counts = cell_counts(fine, len(fine_first), y, pred)
        fine_draws = boot.binary_count_draws(fine_counts, resamples, rng)
        order = np.argsort(y_score, kind="stable") if y_score is not None else None
        overall = _binary_overall(fine_counts, fine_draws, y, y_score, order, resamples, rng)
    else:
        y, pred = y_true.astype(float), y_pred.astype(float)
        values = np.column_stack([np.abs(y - pred), pred, y])
        fine_sums = np.stack([np.bincount(fine, weights=values[:, j], minlength=len(fine_first)) for j in range(3)], axis=1)
        fine_sizes = np.bincount(fine, minlength=len(fine_first))
        draw_sums, draw_sizes = boot.regression_sum_draws(fine, len(fine_first), values, resamples, rng)
        overall = (regression_means(fine_sums.sum(0), fine_sizes.sum()), regression_means(draw_sums.sum(1), draw_sizes.sum(1)))

    report = {}
    for name, members in features.items():
        codes, labels, _ = _encode(groups, members)
        to_group = codes[fine_first]
        if task == "binary":
            point = binary_rates(boot.sum_to_groups(fine_counts[None], to_group, len(labels))[0])
            draws = binary_rates(boot.sum_to_groups(fine_draws, to_group, len(labels)))
            point["roc_auc"], draws["roc_auc"] = _group_auc(codes, len(labels), y, y_score, order, resamples, rng)
        else:
            point = regression_means(boot.sum_to_groups(fine_sums[None], to_group, len(labels))[0],
                                     boot.sum_to_groups(fine_sizes[None, :, None], to_group, len(labels))[0, :, 0])
            draws = regression_means(boot.sum_to_groups(draw_sums, to_group, len(labels)),
                                     boot.sum_to_groups(draw_sizes[:, :, None], to_group, len(labels))[..., 0])
        report[name] = feature_block(task, labels, point, draws, overall, rules)
    return FairnessReport(task=task, **rules, resamples=int(resamples), seed=int(seed), interval_method=INTERVAL_METHOD, features=report)


def _binary_overall(fine_counts, fine_draws, y, y_score, order, resamples, rng) -> tuple[dict, dict]:
    point, draws = binary_rates(fine_counts.sum(0)), binary_rates(fine_draws.sum(1))
    if y_score is None:
        point["roc_auc"], draws["roc_auc"] = np.array(np.nan), np.full(resamples, np.nan)
    else:
        auc, se = delong_auc(y_score[order], y[order])
        point["roc_auc"], draws["roc_auc"] = np.array(auc), boot.auc_draws(np.array([auc]), np.array([se]), resamples, rng)[:, 0]
    return point, draws


def _group_auc(codes, n_groups, y, y_score, order, resamples, rng) -> tuple[np.ndarray, np.ndarray]:
    if y_score is None:
        return np.full(n_groups, np.nan), np.full((resamples, n_groups), np.nan)
    auc, se = group_aucs(codes, n_groups, y, y_score, order)
    return auc, boot.auc_draws(auc, se, resamples, rng)


def fairness_value(report: FairnessReport, feature: str, metric: str) -> float | None:
    """The point value of a disparity, or None when it could not be measured.

    An intersection may be named in any column order ("age_band&gender").  Naming a
    feature or metric the report does not hold is a spec mistake and raises SpecError.
    """
    if metric not in FAIRNESS_METRICS:
        raise SpecError(f"fairness metric '{metric}' is unknown (one of {', '.join(FAIRNESS_METRICS)})")
    block = report.feature(feature)
    if block is None:
        known = ", ".join(report.features) or "none"
        raise SpecError(f"fairness feature '{feature}' was not assessed (assessed: {known})")
    if metric not in block.disparities:
        raise SpecError(f"fairness metric '{metric}' does not apply to a {report.task} task (one of {', '.join(block.disparities)})")
    return block.disparities[metric]


def assess_scores(spec: ModelSpec, frame: pd.DataFrame, scores, labels=None, *, threshold: float) -> FairnessReport | None:
    """The spec's fairness report of a model's scores on labelled rows, or None without
    sensitive features; binary decisions are the scores at or above the version's
    fitted ``threshold`` (its decision policy), unless ``labels`` are given."""
    sensitive = [c for c in spec.fairness.sensitive_features if c in frame.columns]
    if not sensitive:
        return None
    binary = spec.task == "binary"
    if labels is None:
        labels = (np.asarray(scores) >= threshold).astype(int) if binary else scores
    fairness = spec.fairness
    return assess_fairness(
        frame[spec.data.target].to_numpy(), labels, frame[sensitive], task=spec.task,
        y_score=scores if binary else None, min_group_size=fairness.min_group_size,
        min_class_size=fairness.min_class_size, confidence=fairness.confidence,
        resamples=fairness.resamples, seed=spec.split.seed,
    )
