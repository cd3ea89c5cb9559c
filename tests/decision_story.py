"""Registry state for decision tests, set up directly: tiny CatBoost versions registered
through the real registration path with a minimal evidence record, no training flow."""

from __future__ import annotations

import functools
import json
import uuid
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from govern.governance import registration
from govern.stores import registry
from tests.record_story import minimal_record

AUTHOR = "author"


def gates(**overrides) -> dict:
    """A recorded ``gates`` section as ``ModelSpec.gates.model_dump(mode="json")`` gives it."""
    from govern.spec.model import GatesSpec

    base = {
        "metrics": [{"metric": "roc_auc", "min": 0.7}],
        "fairness": [{"feature": "sex", "metric": "equalized_odds_difference", "max": 0.15}],
        "drift": {"max_drifted_share": 0.5, "threshold": 0.1, "numerical_method": "wasserstein", "categorical_method": "jensenshannon"},
    }
    base.update(overrides)
    return GatesSpec.model_validate(base).model_dump(mode="json")


@functools.lru_cache(maxsize=1)
def _tiny_model():
    from catboost import CatBoostClassifier

    rng = np.random.default_rng(0)
    features = pd.DataFrame({"x": rng.normal(size=40), "z": rng.normal(size=40)})
    target = (features["x"] > 0).astype(int)
    model = CatBoostClassifier(iterations=5, depth=2, verbose=False, allow_writing_files=False, thread_count=1)
    model.fit(features, target)
    return model, features


def unique_name(prefix: str = "m") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def register_version(log, name: str, tmp: Path, *, gate_rules: dict | None = None, status: str = "passed", author: str = AUTHOR,
                     verdict: dict | None = None) -> str:
    """Register one version as the flow would, with every evidence file kind present; its
    recorded verdict is one roc_auc gate of ``status``, or ``verdict`` when given."""
    model, features = _tiny_model()
    from govern.core.settings import load_settings

    experiment = registry.ensure_experiment(name, load_settings().mlruns / "artifacts")
    run_id = registry.client().create_run(experiment, tags={"mlflow.user": author}).info.run_id
    model_uri, model_id = registration.log_model(model, features, run_id, model.predict_proba(features)[:, 1])
    staging = tmp / f"staging-{uuid.uuid4().hex[:6]}"
    staging.mkdir(parents=True)
    for file in ("fairness.json", "drift.json"):
        (staging / file).write_text(json.dumps({"file": file}))
    (staging / "drift.html").write_text("<html></html>")
    features.to_parquet(staging / "holdout.parquet")
    features.to_parquet(staging / "reference.parquet")
    result = {"gate": "roc_auc", "kind": "metric", "status": status, "observed": 0.8, "bound": ">= 0.7", "reason": f"roc_auc {status}"}
    record = minimal_record(
        model=name, version=None,
        spec={"name": name, "primary_metric": "roc_auc", "gates": gate_rules or gates()},
        gates=verdict or {"status": status, "results": [result]},
    )
    registered = registration.register(
        name=name, model_uri=model_uri, model_id=model_id, run_id=run_id, record=record,
        staging=staging, cards_root=tmp / "cards", audit=log, actor="flow",
    )
    registry.client().set_terminated(run_id, "FINISHED")
    return registered.version


def approve_by_hand(name: str, version: str, reviewer: str = "rev") -> None:
    """What a reviewer does in the MLflow UI: two tag writes."""
    registry.set_approval(name, version, status=registry.APPROVED, reviewer=reviewer)


def evidence_folder(name: str, version: str) -> Path:
    """The run's logged evidence on disk (embedded store), to tamper with."""
    run = mlflow.get_run(registry.get_version(name, version).run_id)
    return Path(run.info.artifact_uri.removeprefix("file://")) / registry.EVIDENCE_DIR


def promote_in_process(audit_url: str, name: str, version: str, barrier) -> None:
    """A `govern promote` of its own: a fresh process on the same stores."""
    from govern.card import render as cards
    from govern.core.settings import configure_environment
    from govern.governance import decisions
    from govern.stores.audit.log import AuditLog

    configure_environment()
    cards.write_card = lambda record, out_dir, governance=None: (out_dir, out_dir)  # the card is not under test
    with AuditLog(audit_url) as log:
        barrier.wait(timeout=120)
        decisions.promote(log, name, version, actor=f"process-{version}")
