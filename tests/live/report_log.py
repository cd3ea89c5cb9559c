"""A small Parquet prediction log for the report's tests, written without fitting a model:
customers scored on several days by a champion and, from the second day, a silent
challenger; outcomes matured for the early batches, provisional for later ones, missing
for some customers; optionally three policy arms."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from govern.stores.prediction_files import ParquetPredictionLog

START = date(2026, 8, 1)


def write_log(root: Path, model: str, *, customers: int = 800, days: int = 5, arms: dict[str, float] | None = None,
              seed: int = 0) -> ParquetPredictionLog:
    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i:05d}" for i in range(customers)])
    shares = arms or {"treatment": 0.8, "control": 0.2}
    arm = rng.choice(list(shares), size=customers, p=list(shares.values()))
    risk = rng.uniform(0.02, 0.9, customers)
    log = ParquetPredictionLog(root)
    outcomes = []
    for d in range(days):
        day = start = START + timedelta(days=d)
        here = rng.random(customers) < 0.85
        n = int(here.sum())
        score = np.clip(risk[here] + rng.normal(0, 0.05, n), 0, 1)
        rows = pd.DataFrame({"model": model, "batch_id": f"b{d}", "customer_id": ids[here], "version": "1", "score": score,
                             "decision": (score >= 0.5).astype(int), "arm": arm[here], "as_of": pd.Timestamp(day),
                             "scored_at": f"{day}T06:00:00", "reasons": None, "policy": "risk"})
        roles = [rows.assign(role="champion")]
        if d >= 1:
            roles.append(rows.assign(role="challenger", version="2", score=np.clip(score + rng.normal(0, 0.1, n), 0, 1)))
        log.add_predictions(pd.concat(roles, ignore_index=True))
        known = rng.random(n) < (0.9 if d < days - 1 else 0.4)
        churn = (rng.random(n) < risk[here] * np.where(arm[here] == "control", 1.0, 0.8)).astype(float)
        outcomes.append(pd.DataFrame({"model": model, "batch_id": f"b{d}", "customer_id": ids[here][known], "outcome": churn[known],
                                      "outcome_date": start + timedelta(days=31 if d < days - 2 else 5), "matured": d < days - 2}))
    log.put_outcomes(pd.concat(outcomes, ignore_index=True))
    return log


def register_versions(settings, model: str) -> None:
    """Versions 1 and 2 of ``model`` in the registry with no record (their thresholds are the
    default), so the report can look them up without a fitted model."""
    import mlflow

    from govern.stores import registry

    experiment_id = registry.ensure_experiment(model, settings.mlruns / "artifacts")
    client = registry.client()
    client.create_registered_model(model)
    for _ in range(2):
        with mlflow.start_run(experiment_id=experiment_id) as run:
            client.create_model_version(model, source=f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
