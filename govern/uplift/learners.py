"""Meta-learners over CatBoost: the T-learner and the doubly robust (DR) learner.

Both predict the uplift as the *reduction* of the outcome probability the offer causes
(control probability minus treated probability), so a positive uplift is a customer the
offer helps and a negative one a sleeping dog.

* **T-learner**: one classifier per arm; uplift = p_control(x) - p_treated(x).  Simple,
  but each arm's model regularises on its own, so the difference carries both errors.
* **DR-learner** (Kennedy 2023; causalml's ``BaseDRLearner``): outcome models fitted by
  cross-fitting give each customer a doubly robust pseudo-outcome
  ``mu0 - mu1 + (1 - t)(y - mu0) / (1 - e) - t (y - mu1) / e``, whose mean given x is the
  uplift; one CatBoost regressor on it is the model.  The propensity ``e`` is the treated
  share: the arms were drawn by a salted hash at a fixed share, among customers selected
  by the same decision rule, so it is known by design, not estimated.  The final
  regressor is a single CatBoost model, so it is logged and served like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from catboost import CatBoostClassifier, CatBoostRegressor

from govern.core.errors import DataValidationError


@dataclass(frozen=True)
class Settings:
    iterations: int = 300
    depth: int = 4
    learning_rate: float = 0.05
    l2_leaf_reg: float = 5.0
    folds: int = 2
    seed: int = 0
    threads: int = 2

    def common(self, categorical: list[str]) -> dict:
        return dict(iterations=self.iterations, depth=self.depth, learning_rate=self.learning_rate, l2_leaf_reg=self.l2_leaf_reg,
                    random_seed=self.seed, thread_count=self.threads, verbose=False, allow_writing_files=False,
                    cat_features=tuple(categorical))


def _inputs(frame: pd.DataFrame, features: list[str], categorical: list[str]) -> pd.DataFrame:
    x = frame[features].copy()
    for c in categorical:
        x[c] = x[c].astype(str)
    return x


def _classifier(x: pd.DataFrame, y: np.ndarray, settings: Settings, categorical: list[str]) -> CatBoostClassifier:
    if len(np.unique(y)) < 2:
        raise DataValidationError(f"an arm's {len(y)} customers all have outcome {int(y[0]) if len(y) else 'none'}: nothing to learn the effect from")
    return CatBoostClassifier(loss_function="Logloss", **settings.common(categorical)).fit(x, y)


@dataclass
class TLearner:
    features: list[str]
    categorical: list[str]
    settings: Settings = field(default_factory=Settings)
    treated_model: CatBoostClassifier | None = None
    control_model: CatBoostClassifier | None = None

    def fit(self, frame: pd.DataFrame, treated, outcome) -> TLearner:
        x, t, y = _inputs(frame, self.features, self.categorical), np.asarray(treated, int), np.asarray(outcome, int)
        self.treated_model = _classifier(x[t == 1], y[t == 1], self.settings, self.categorical)
        self.control_model = _classifier(x[t == 0], y[t == 0], self.settings, self.categorical)
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        x = _inputs(frame, self.features, self.categorical)
        return self.control_model.predict_proba(x)[:, 1] - self.treated_model.predict_proba(x)[:, 1]


def _folds(n: int, k: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).permutation(np.arange(n) % k)


@dataclass
class DRLearner:
    features: list[str]
    categorical: list[str]
    settings: Settings = field(default_factory=Settings)
    model: CatBoostRegressor | None = None
    propensity: float | None = None

    def pseudo_outcomes(self, frame: pd.DataFrame, treated, outcome) -> np.ndarray:
        """Cross-fitted doubly robust pseudo-outcomes of the outcome's reduction."""
        x, t, y = _inputs(frame, self.features, self.categorical), np.asarray(treated, int), np.asarray(outcome, float)
        e = float(t.mean())
        if not 0 < e < 1:
            raise ValueError("the DR-learner needs both arms")
        self.propensity = e
        fold = _folds(len(t), self.settings.folds, self.settings.seed)
        mu0, mu1 = np.zeros(len(t)), np.zeros(len(t))
        for k in range(self.settings.folds):
            fit, out = fold != k, fold == k
            m1 = _classifier(x[fit & (t == 1)], y[fit & (t == 1)].astype(int), self.settings, self.categorical)
            m0 = _classifier(x[fit & (t == 0)], y[fit & (t == 0)].astype(int), self.settings, self.categorical)
            mu1[out], mu0[out] = m1.predict_proba(x[out])[:, 1], m0.predict_proba(x[out])[:, 1]
        return mu0 - mu1 + (1 - t) * (y - mu0) / (1 - e) - t * (y - mu1) / e

    def fit(self, frame: pd.DataFrame, treated, outcome) -> DRLearner:
        phi = self.pseudo_outcomes(frame, treated, outcome)
        self.model = CatBoostRegressor(loss_function="RMSE", **self.settings.common(self.categorical))
        self.model.fit(_inputs(frame, self.features, self.categorical), phi)
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.model.predict(_inputs(frame, self.features, self.categorical))
