"""What every part of a model spec shares: strict pydantic models and the metric names."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Task = Literal["binary", "regression"]

CLASSIFICATION_METRICS = ("roc_auc", "log_loss", "brier", "accuracy", "f1", "precision", "recall")
REGRESSION_METRICS = ("rmse", "mae", "r2")
LOWER_IS_BETTER = {"log_loss", "brier", "rmse", "mae"}
BINARY_DISPARITIES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "worst_group_roc_auc",
    "worst_group_recall",
)
REGRESSION_DISPARITIES = ("mae_difference", "worst_group_mae", "mean_prediction_difference")
FAIRNESS_METRICS = BINARY_DISPARITIES + REGRESSION_DISPARITIES


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

