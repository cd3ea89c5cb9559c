"""What drives each model: mean |SHAP| per feature on the holdout, overall and per group.

CatBoost computes exact SHAP values for its own trees
(``get_feature_importance(type="ShapValues")``); their mean absolute value per feature
is the global importance, shown for the challenger and the champion side by side.  The
same mean within each sensitive group shows whether the model leans on different
features for different people.  At most ``MAX_ROWS`` holdout rows are used, drawn
with the split's seed, so the cost stays bounded on large holdouts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from catboost import Pool

from govern.data.load_checks import MISSING_CATEGORY

MAX_ROWS = 20_000


@dataclass(frozen=True)
class Explanations:
    """Mean |SHAP| per feature for each model, overall and within each sensitive group."""

    rows: int
    overall: dict[str, dict[str, float]]
    by_group: dict[str, dict[str, dict[str, dict[str, float]]]] = field(default_factory=dict)
    sensitive_inputs: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def shap_values(model, frame: pd.DataFrame) -> pd.DataFrame:
    """SHAP values of every row and feature (the expected-value column dropped)."""
    names = list(model.feature_names_)
    cats = [names[i] for i in model.get_cat_feature_indices()]
    pool = Pool(frame[names], cat_features=cats)
    values = model.get_feature_importance(data=pool, type="ShapValues")
    return pd.DataFrame(np.asarray(values)[:, : len(names)], columns=names, index=frame.index)


def mean_abs(values: pd.DataFrame) -> dict[str, float]:
    """Mean |SHAP| per feature, largest first."""
    means = values.abs().mean().sort_values(ascending=False)
    return {str(k): float(v) for k, v in means.items()}


def sample_rows(frame: pd.DataFrame, max_rows: int = MAX_ROWS, seed: int = 0) -> pd.DataFrame:
    return frame if len(frame) <= max_rows else frame.sample(n=max_rows, random_state=seed)


def explain(holdout: pd.DataFrame, models: dict[str, object | None], sensitive: list[str], *, seed: int = 0, max_rows: int = MAX_ROWS) -> Explanations:
    """Global and per-group importance of each model in ``models`` (name to fitted CatBoost
    model, None when absent) on one sample of holdout rows; a model whose SHAP values
    cannot be computed is left out with a note."""
    rows = sample_rows(holdout, max_rows, seed)
    overall, by_group, notes = {}, {f: {} for f in sensitive if f in rows}, {}
    for name, model in models.items():
        if model is None:
            continue
        try:
            values = shap_values(model, rows)
        except Exception as exc:  # noqa: BLE001 -- the card says the explanation is missing and why
            notes[name] = f"SHAP values could not be computed ({exc.__class__.__name__})"
            continue
        overall[name] = mean_abs(values)
        for feature in by_group:
            column = rows[feature].astype(object)
            labels = column.where(column.notna(), MISSING_CATEGORY).astype(str)  # pandas keeps NaN through astype(str)
            for group in sorted(labels.unique(), key=str):
                by_group[feature].setdefault(group, {})[name] = mean_abs(values[labels == group])
    shares = {}
    if "challenger" in overall:
        total = sum(overall["challenger"].values()) or 1.0
        shares = {f: overall["challenger"][f] / total for f in sensitive if f in overall["challenger"]}
    return Explanations(rows=int(len(rows)), overall=overall, by_group=by_group, sensitive_inputs=shares, notes=notes)
