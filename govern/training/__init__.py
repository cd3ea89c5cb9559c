"""Making a challenger: Optuna around CatBoost, the simple baselines it must beat, the champion re-scored on the same holdout, explanations and curves."""
