"""A model with a champion and a silent challenger, registered in seconds, for the live tests.

Two small CatBoost fits on the demo data (different depths) stand in for trained
versions; they carry the tags a passing, approved version has, so promotion's own
checks (gates, approval, evidence digest) pass and only the live gate can refuse.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import mlflow
import pandas as pd
from catboost import CatBoostClassifier

from govern.demo.customers import generate_customers
from govern.spec.model import load_spec
from govern.stores import registry
from govern.stores.audit.events import GATES
from govern.stores.audit.log import AuditLog
from tests.conftest import REPO
from tests.record_story import minimal_record

NAME = "retention"
FEATURES = ["tenure_months", "plan", "monthly_spend", "sessions_per_week", "support_tickets", "payment_failures", "channel", "region", "age_band", "gender"]
CATEGORICAL = ("plan", "channel", "region", "age_band", "gender")


def install_spec(root: Path, name: str = NAME, **experiment) -> None:
    """The bundled retention spec under another name, with a short silent period."""
    import yaml

    raw = yaml.safe_load((REPO / "models" / f"{NAME}.yaml").read_text())
    raw["name"] = name
    raw["experiment"].update(experiment)
    raw["gates"]["live"].update(min_silent_days=3, min_matured_outcomes=100, resamples=200, margin=0.05)
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "models" / f"{name}.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))


def _fit(depth: int, seed: int) -> CatBoostClassifier:
    data = generate_customers(3000, seed=seed)
    model = CatBoostClassifier(iterations=60, depth=depth, verbose=False, random_seed=seed, cat_features=CATEGORICAL, thread_count=1)
    model.fit(data[FEATURES], data["churned"])
    return model


def register(settings, depth: int, seed: int, *, name: str = NAME, author: str = "author") -> str:
    """A version registered as training would leave it: its record (the spec's gates, a
    fixed 0.5 policy) logged as evidence, the digest tagged, and a passed gate evaluation
    on the audit chain, which promotion re-reads."""
    experiment_id = registry.ensure_experiment(name, settings.mlruns / "artifacts")
    with mlflow.start_run(experiment_id=experiment_id, tags={"mlflow.user": author}) as run:
        info = mlflow.catboost.log_model(_fit(depth, seed), name="model", registered_model_name=name, pip_requirements=["catboost"])
    version = str(info.registered_model_version)
    spec_file = settings.models_dir / f"{name}.yaml"
    rules = load_spec(name, settings.models_dir).gates.model_dump(mode="json") if spec_file.exists() else {}
    record = minimal_record(model=name, version=int(version), spec={"name": name, "gates": rules},
                            decision={"kind": "threshold", "policy": "act on scores at or above 0.5", "threshold": 0.5})
    folder = settings.mlruns / "staging-evidence"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "record.json").write_text(record.model_dump_json())
    c = registry.client()
    c.log_artifacts(run.info.run_id, str(folder), artifact_path=registry.EVIDENCE_DIR)
    digest = registry.recorded_evidence_digest(name, version)
    c.set_model_version_tag(name, version, registry.GATE_STATUS, "passed")
    c.set_model_version_tag(name, version, registry.EVIDENCE_DIGEST, digest)
    with AuditLog(settings.database_url) as log:
        log.append(name, GATES, actor=author, version=version, details={"status": "passed", "digest": digest, "run_id": run.info.run_id})
    return version


def champion_and_challenger(settings, name: str = NAME) -> tuple[str, str]:
    """v(champion) aliased champion, v(challenger) aliased challenger, both approved by a reviewer."""
    champion = register(settings, 4, 1, name=name)
    challenger = register(settings, 6, 2, name=name)
    c = registry.client()
    c.set_registered_model_alias(name, registry.CHAMPION, champion)
    c.set_registered_model_alias(name, registry.CHALLENGER, challenger)
    for v in (champion, challenger):
        registry.set_approval(name, v, status=registry.APPROVED, reviewer="reviewer")
    return champion, challenger


def frame_of(rows: int, seed: int) -> pd.DataFrame:
    return generate_customers(rows, seed=seed).drop(columns=["churned", "clv_12m"])


def run_campaign(settings, spec, *, offer_effect: float, days: int, rows: int, start, seed: int = 3, chunk_rows: int = 100_000):
    """Score ``days`` daily cohorts with the plain functions, acting on each audience file."""
    from govern.demo import campaign as campaign_demo
    from govern.live import scoring
    from govern.stores.predictions import PredictionLog

    log = PredictionLog(settings.database_url)
    models = scoring.load_models(spec.name)
    campaign = campaign_demo.Campaign(offer_effect=offer_effect, window_days=spec.experiment.outcome_window_days, seed=seed)
    folders = []
    for day in campaign_demo.days(start, days):
        path = campaign_demo.write_cohort(campaign.cohort(day, rows), settings.root / spec.name, day)
        result = scoring.score_file(spec, models, path, batch_id=day.isoformat(), as_of=day, out_root=settings.mlruns / "scores",
                                    log=log, chunk_rows=chunk_rows)
        folder = Path(result.folder)
        campaign.act(pd.read_parquet(folder / "all.parquet"), pd.read_parquet(folder / "audience.parquet")["customer_id"])
        folders.append(folder)
    return campaign, log, folders
