"""Leakage ablation: what the model loses when its strongest feature is taken away.

The ceilings on a single feature's signal and importance miss a label copy that agrees
with the target on most rows but not enough to cross them (a column agreeing on 85% of
rows: single-feature AUC 0.85, importance 49%).  Refitting the same model without the
feature it leans on most, and scoring both on the same rows, shows how much of the
model that one column is; a column far stronger than every other is named.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from govern.spec.base import LOWER_IS_BETTER
from govern.spec.model import ModelSpec
from govern.stats.evaluation import metric_values

ITERATIONS = 200
MAX_ROWS = 50_000
INTERNAL_SHARE = 0.25
DOMINANT_SHARE_RATIO = 3.0
DOMINANT_AUC_GAP = 0.10


@dataclass(frozen=True)
class Ablation:
    """The primary measure with and without ``column``, on ``judged_on`` rows; ``drop`` is
    how much worse the model is without it (positive: the column carries signal)."""

    column: str
    metric: str
    with_column: float
    without_column: float
    drop: float
    rows: int
    judged_on: str

    def describe(self) -> str:
        change = f"{self.with_column:.4g} -> {self.without_column:.4g} on {self.rows} {self.judged_on} rows"
        worse = "rises" if self.metric in LOWER_IS_BETTER else "falls"
        moved = f"{worse} by {self.drop:.4g}" if self.drop >= 0 else f"improves by {-self.drop:.4g}"
        return f"without {self.column} {self.metric} {moved} ({change})"

    def to_dict(self) -> dict:
        return asdict(self)


def _refit(model, frame: pd.DataFrame, target: str, columns: list[str], categorical: list[str]):
    params = {k: v for k, v in model.get_params().items() if k not in ("cat_features", "iterations")}
    iterations = max(10, min(int(getattr(model, "tree_count_", ITERATIONS) or ITERATIONS), ITERATIONS))
    clone = type(model)(**params, iterations=iterations, cat_features=[c for c in categorical if c in columns])
    clone.fit(frame[columns], frame[target])
    return clone


def _predict(model, frame: pd.DataFrame, columns: list[str], binary: bool) -> np.ndarray:
    return model.predict_proba(frame[columns])[:, 1] if binary else model.predict(frame[columns])


def ablate(
    spec: ModelSpec, train: pd.DataFrame, features: list[str], categorical: list[str], model, column: str, holdout: pd.DataFrame | None = None,
) -> Ablation | None:
    """Refit ``model``'s kind and parameters (at most ``ITERATIONS`` trees) with and without
    ``column`` on the training rows and score both on ``holdout``, or, without one, on the
    latest quarter of the training rows after fitting on the rest.  None with one feature."""
    if column not in features or len(features) < 2:
        return None
    binary = spec.task == "binary"
    if holdout is None:
        cut = int(len(train) * (1 - INTERNAL_SHARE))
        fit_rows, judged, judged_on = train.iloc[:cut], train.iloc[cut:], "held-out training"
    else:
        fit_rows, judged, judged_on = train, holdout, "holdout"
    if len(fit_rows) > MAX_ROWS:
        fit_rows = fit_rows.sample(n=MAX_ROWS, random_state=spec.split.seed)
    target = spec.data.target
    metric = "roc_auc" if binary else spec.primary_metric
    kept = [c for c in features if c != column]
    y = judged[target].to_numpy(dtype=float)
    scores = []
    for columns in (features, kept):
        fitted = _refit(model, fit_rows, target, columns, categorical)
        scores.append(float(metric_values(spec.task, metric, y, _predict(fitted, judged, columns, binary))))
    with_column, without_column = scores
    drop = without_column - with_column if metric in LOWER_IS_BETTER else with_column - without_column
    return Ablation(column, metric, round(with_column, 6), round(without_column, 6), round(drop, 6), int(len(judged)), judged_on)


def _ranked(values: dict[str, float | None]) -> list[tuple[str, float]]:
    return sorted(((c, v) for c, v in values.items() if v is not None and np.isfinite(v)), key=lambda cv: (-cv[1], cv[0]))


def dominance(signals: dict[str, float | None], shares: dict[str, float | None], binary: bool) -> tuple[str, float, float, str] | None:
    """The feature far stronger than every other: (column, value, ceiling, why), or None.

    Far stronger: an importance share over ``DOMINANT_SHARE_RATIO`` times the next
    largest, or (binary) a single-feature AUC ``DOMINANT_AUC_GAP`` above the next
    strongest column's.  A genuine driver can be dominant too: the spec acknowledges it.
    """
    by_share = _ranked(shares)
    if len(by_share) >= 2 and by_share[0][1] > DOMINANT_SHARE_RATIO * by_share[1][1]:
        (column, share), (_, next_share) = by_share[:2]
        ratio = f"{share / next_share:.1f}x" if next_share > 0 else "many times"
        why = f"{column} carries {share:.0%} of importance, {ratio} the next feature's {next_share:.0%}"
        return column, share, DOMINANT_SHARE_RATIO * next_share, why
    by_signal = _ranked(signals)
    if binary and len(by_signal) >= 2 and by_signal[0][1] - by_signal[1][1] > DOMINANT_AUC_GAP:
        (column, signal), (_, next_signal) = by_signal[:2]
        why = f"{column} alone has AUC {signal:.2f}, {signal - next_signal:.2f} above the next feature's {next_signal:.2f}"
        return column, signal, next_signal + DOMINANT_AUC_GAP, why
    return None
