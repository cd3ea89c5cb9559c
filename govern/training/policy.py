"""Fit the spec's decision policy on validation rows and measure what it does on the holdout.

The threshold is fitted on scores the model did not train on: the tuned parameters
are fitted on the training rows alone and score the validation rows (the refit model
has seen them).  The holdout only measures the fitted policy: the share it flags
overall and in every group of each sensitive feature, and its expected value, each
with an interval.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from govern.evidence.decision import Decision, GroupShare
from govern.spec.decision import DecisionPolicy
from govern.spec.model import ModelSpec
from govern.training.tuning import make_model, predict

MISSING = "(missing)"


def _distinct_descending(scores: np.ndarray) -> np.ndarray:
    return np.unique(scores)[::-1]


def _top_share_threshold(scores: np.ndarray, share: float) -> float:
    """The lowest score among the top ``share`` of rows (ties at it are flagged with them)."""
    k = max(1, math.ceil(share * len(scores)))
    return float(np.sort(scores)[::-1][min(k, len(scores)) - 1])


def _best_value_threshold(policy: DecisionPolicy, y: np.ndarray, scores: np.ndarray) -> float:
    """The threshold with the highest total value on these rows; above every score when
    no threshold beats acting on nobody."""
    benefit, cost_fp, cost_fn = float(policy.benefit_true_positive or 0), float(policy.cost_false_positive or 0), policy.cost_false_negative
    levels = _distinct_descending(scores)
    at = np.searchsorted(-levels, -scores)  # the level index of each row
    tp = np.cumsum(np.bincount(at, weights=y, minlength=len(levels)))
    fp = np.cumsum(np.bincount(at, weights=1 - y, minlength=len(levels)))
    value = benefit * tp - cost_fp * fp - cost_fn * (y.sum() - tp)
    best = int(np.argmax(value))
    if value[best] <= -cost_fn * y.sum():
        return float(np.nextafter(levels[0], np.inf))
    return float(levels[best])


def fit_threshold(policy: DecisionPolicy, y, scores) -> float:
    """The score at or above which the policy acts, fitted on ``(y, scores)``."""
    y, scores = np.asarray(y, dtype=float), np.asarray(scores, dtype=float)
    if policy.kind == "threshold":
        return float(policy.threshold)  # type: ignore[arg-type]
    if len(scores) == 0:
        raise ValueError("no validation rows to fit the decision policy on")
    if policy.kind == "top_k":
        return _top_share_threshold(scores, policy.top_k / policy.batch_size)  # type: ignore[operator]
    if policy.kind in ("share", "incremental_value"):  # incremental_value: the risk model's fallback until an uplift model is promoted
        share = policy.share if policy.share is not None else float(y.mean())
        return _top_share_threshold(scores, share) if share > 0 else float(np.nextafter(scores.max(), np.inf))
    return _best_value_threshold(policy, y, scores)


def wilson(flagged: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """Wilson score interval of a share; None without rows."""
    if n == 0:
        return None
    p = flagged / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _share(group: str, flags: np.ndarray) -> GroupShare:
    n, k = int(flags.size), int(flags.sum())
    return GroupShare(group=group, rows=n, flagged=k, share=k / n if n else None, interval=wilson(k, n))


def group_shares(flags: np.ndarray, sensitive: pd.DataFrame) -> dict[str, list[GroupShare]]:
    """The share flagged in every group of each sensitive column (missing values are a group)."""
    out = {}
    for column in sensitive.columns:
        labels = sensitive[column].astype(object).where(sensitive[column].notna(), MISSING).astype(str).to_numpy()
        out[str(column)] = [_share(g, flags[labels == g]) for g in sorted(set(labels.tolist()))]
    return out


def _row_values(policy: DecisionPolicy, y: np.ndarray, flags: np.ndarray) -> np.ndarray:
    benefit, cost_fp = float(policy.benefit_true_positive or 0), float(policy.cost_false_positive or 0)
    return np.where(flags, np.where(y == 1, benefit, -cost_fp), np.where(y == 1, -policy.cost_false_negative, 0.0))


def decision_evidence(spec: ModelSpec, threshold: float, valid: tuple[np.ndarray, np.ndarray], holdout: pd.DataFrame, scores) -> Decision:
    """What the fitted policy does: shares flagged on validation and holdout, per group, and value."""
    policy = spec.decision
    y_valid, s_valid = (np.asarray(a, dtype=float) for a in valid)
    flags = np.asarray(scores, dtype=float) >= threshold
    y = holdout[spec.data.target].to_numpy(dtype=float)
    n, k = int(flags.size), int(flags.sum())
    sensitive = [c for c in spec.fairness.sensitive_features if c in holdout.columns]
    value, interval = None, None
    if policy.kind == "expected_value" and n:
        rows = _row_values(policy, y, flags)
        value = float(rows.mean())
        half = 1.96 * float(rows.std(ddof=1)) / math.sqrt(n) if n > 1 else float("nan")
        interval = (value - half, value + half) if math.isfinite(half) else None
    note = None
    if k == 0:
        note = f"the policy flags no holdout customer (highest score {float(np.max(scores)):.3g} < threshold {threshold:.3g})" if n else "no holdout rows"
    return Decision(
        kind=policy.kind, policy=policy.describe(), threshold=float(threshold), fitted_rows=int(s_valid.size),
        validation_share=float((s_valid >= threshold).mean()) if s_valid.size else None,
        holdout_share=k / n if n else None, holdout_interval=wilson(k, n),
        expected_value_per_customer=value, expected_value_interval=interval,
        groups=group_shares(flags, holdout[sensitive].reset_index(drop=True)), note=note,
    )


def validation_scores(spec: ModelSpec, params: dict, iterations: int, train: pd.DataFrame, valid: pd.DataFrame,
                      features: list[str], categorical: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Labels and scores of the validation rows from the tuned parameters fitted on the
    training rows alone: scores the model did not learn from, for fitting the policy."""
    model = make_model(spec, params, categorical, max(iterations, 10))
    model.fit(train[features], train[spec.data.target])
    return valid[spec.data.target].to_numpy(dtype=float), predict(spec, model, valid)
