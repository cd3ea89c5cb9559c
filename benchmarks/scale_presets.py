"""What a user would run instead of ``govern monitor`` on the same frames: the champion's
scores, Evidently's ``DataDriftPreset`` with its HTML report, and Fairlearn's ``MetricFrame``
with Fairlearn's metrics over every sensitive feature (point values only: a bootstrap of
``MetricFrame`` at a million rows would take far longer, so this reference is the cheap one)."""

from __future__ import annotations

from pathlib import Path


def monitor_presets(spec, reference, path: Path, out: Path) -> dict:
    """Read the file whole, score it, draw Evidently's drift report and Fairlearn's frames."""
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset
    from fairlearn.metrics import MetricFrame, count, false_positive_rate, selection_rate, true_positive_rate
    from sklearn.metrics import roc_auc_score

    current = pd.read_parquet(path)
    features = list(reference.model.feature_names_)
    categorical = [c for c in features if not pd.api.types.is_numeric_dtype(reference.frame[c])]
    definition = DataDefinition(numerical_columns=[c for c in features if c not in categorical], categorical_columns=categorical)
    out.mkdir(parents=True, exist_ok=True)
    snapshot = Report([DataDriftPreset()]).run(Dataset.from_pandas(current[features], data_definition=definition),
                                               Dataset.from_pandas(reference.frame[features], data_definition=definition))
    snapshot.save_html(str(out / "preset.html"))
    scores = reference.model.predict_proba(current[features])[:, 1]
    y = current[spec.data.target].astype(int).to_numpy()
    metrics = {"selection_rate": selection_rate, "true_positive_rate": true_positive_rate, "false_positive_rate": false_positive_rate, "count": count}
    frames = {f: MetricFrame(metrics=metrics, y_true=y, y_pred=(scores >= 0.5).astype(int), sensitive_features=current[f])
              for f in spec.fairness.sensitive_features}
    return {"auc": float(roc_auc_score(y, scores)), "groups": sum(len(f.by_group) for f in frames.values())}
