"""Why a customer got their score: the features that moved it most, from CatBoost's SHAP values.

SHAP values of a binary CatBoost model are in log-odds: a reason ``payment_failures=3
(+0.84)`` raised this customer's log-odds of the positive class by 0.84 against the
model's average.  They come from CatBoost itself (``get_feature_importance`` with
``type="ShapValues"``), so the reasons are the model's own accounting, not a surrogate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from catboost import Pool


@dataclass(frozen=True)
class Reason:
    feature: str
    value: object
    contribution: float

    def __str__(self) -> str:
        value = f"{self.value:g}" if isinstance(self.value, (float, np.floating)) else str(self.value)
        return f"{self.feature}={value} ({self.contribution:+.2f})"


def _pool(model, frame: pd.DataFrame) -> Pool:
    features = list(model.feature_names_)
    return Pool(frame[features], cat_features=list(model.get_cat_feature_indices()))


def shap_values(model, frame: pd.DataFrame) -> np.ndarray:
    """One row per customer, one column per model feature (the expected value dropped)."""
    values = model.get_feature_importance(_pool(model, frame), type="ShapValues")
    return np.asarray(values)[:, :-1]


def top_reason_objects(model, frame: pd.DataFrame, k: int = 3) -> list[list[Reason]]:
    """The ``k`` features with the largest absolute contribution per row, largest first."""
    values = shap_values(model, frame)
    features = list(model.feature_names_)
    k = min(k, len(features))
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :k]
    columns = [frame[f].to_numpy() for f in features]
    rows = np.arange(len(frame))
    return [
        [Reason(features[j], columns[j][i], float(values[i, j])) for j in order[i]]
        for i in rows
    ]


def top_reasons(model, frame: pd.DataFrame, k: int = 3) -> list[list[str]]:
    """Per row, its ``k`` strongest reasons as ``"feature=value (+0.12)"``."""
    return [[str(r) for r in row] for row in top_reason_objects(model, frame, k)]


def top_reasons_text(model, frame: pd.DataFrame, k: int = 3) -> np.ndarray:
    """Per row, its reasons joined by ``"; "``: the form the prediction log stores.

    Built column by column so a million rows format in seconds.
    """
    values = shap_values(model, frame)
    features = list(model.feature_names_)
    k = min(k, len(features))
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :k]
    n = len(frame)
    parts = []
    for position in range(k):
        chosen = order[:, position]
        contribution = values[np.arange(n), chosen]
        text = np.empty(n, dtype=object)
        for j, feature in enumerate(features):
            rows = np.flatnonzero(chosen == j)
            if not len(rows):
                continue
            raw = frame[feature].to_numpy()[rows]
            shown = [f"{v:g}" if isinstance(v, (float, np.floating)) else str(v) for v in raw]
            text[rows] = [f"{feature}={v} ({c:+.2f})" for v, c in zip(shown, contribution[rows])]
        parts.append(text)
    return np.array(["; ".join(p) for p in zip(*parts)], dtype=object) if n else np.array([], dtype=object)
