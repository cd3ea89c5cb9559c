"""Policies compared live end to end: a risk champion and a promoted uplift model score the
campaign's heterogeneous customers on three arms drawn by the salted hash, the prediction
log names each row's policy, outcomes mature, and the experiment report sets each policy
arm against control in value per 1,000 customers, with intervals holding the simulated truth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from catboost import CatBoostRegressor

from govern.demo import campaign as campaign_demo
from govern.demo.customers import generate_customers
from govern.stores import registry
from tests import live_story

pytestmark = pytest.mark.integration
NAME = "policy_arms_model"
ARMS = {"risk": 0.4, "uplift": 0.4, "control": 0.2}
DAYS, ROWS, START = 14, 1500, date(2026, 8, 1)


def _uplift_champion(settings) -> str:
    """An uplift model fitted on earlier customers' known effects (churn prevented by the
    offer: 1 persuadable, -1 sleeping dog), registered and promoted as <model>-uplift."""
    history = generate_customers(20_000, seed=41)
    segment = campaign_demo.Segments().draw(history, np.random.default_rng(41).random(len(history)))
    reduction = history["churned"] - np.isin(segment, (campaign_demo.LOST_CAUSE, campaign_demo.SLEEPING_DOG)).astype(int)
    model = CatBoostRegressor(iterations=150, depth=4, verbose=False, random_seed=0, cat_features=list(live_story.CATEGORICAL), thread_count=1)
    model.fit(history[live_story.FEATURES], reduction)
    name = f"{NAME}-uplift"
    with mlflow.start_run(experiment_id=registry.ensure_experiment(name, settings.mlruns / "artifacts")):
        info = mlflow.catboost.log_model(model, name="model", registered_model_name=name, pip_requirements=["catboost"])
    version = str(info.registered_model_version)
    registry.client().set_registered_model_alias(name, registry.CHAMPION, version)
    return version


def test_uplift_arm_beats_risk_arm_through_the_pipeline(project):
    from govern.live import outcomes, scoring
    from govern.live import report as experiment_report
    from govern.spec.model import load_spec
    from govern.stores.predictions import PredictionLog

    live_story.install_spec(project.root, NAME, arms=ARMS, planned_days=DAYS, capacity=int(0.2 * ROWS))
    champion = live_story.register(project, 4, 1, name=NAME)
    registry.client().set_registered_model_alias(NAME, registry.CHAMPION, champion)
    uplift = _uplift_champion(project)
    spec = load_spec(NAME, project.models_dir)
    log, models = PredictionLog(project.database_url), scoring.load_models(NAME)
    assert models.uplift_version == uplift
    campaign = campaign_demo.Campaign(offer_effect=0.0, window_days=spec.experiment.outcome_window_days, seed=5, segments=campaign_demo.Segments())
    for day in campaign_demo.days(START, DAYS):
        path = campaign_demo.write_cohort(campaign.cohort(day, ROWS), project.root / NAME, day)
        folder = Path(scoring.score_file(spec, models, path, batch_id=day.isoformat(), as_of=day, out_root=project.mlruns / "scores", log=log).folder)
        campaign.act(pd.read_parquet(folder / "all.parquet"), pd.read_parquet(folder / "audience.parquet")["customer_id"])
    labels = campaign.all_labels()
    outcomes.ingest(log, spec, labels)

    logged = log.predictions(NAME, role="champion")
    policy_of = logged.drop_duplicates("arm").set_index("arm")["policy"].to_dict()
    assert policy_of == {"risk": f"risk:{NAME} v{champion}", "control": f"risk:{NAME} v{champion}",
                         "uplift": f"incremental_value:{NAME}-uplift v{uplift}"}

    today = pd.to_datetime(labels["outcome_date"]).max().date()
    report, _, _ = experiment_report.build(spec, log.live_frame(NAME), today)
    assert report.srm is not None and not report.srm.mismatch and report.lift.difference is not None  # the risk arm's lift as before
    result = report.policies
    assert result is not None and not result.mismatch
    by = {a.arm: a for a in result.arms}
    effects = campaign.effects().merge(logged[["customer_id", "arm"]].drop_duplicates("customer_id"), on="customer_id")
    exp = spec.experiment
    for arm in ("risk", "uplift"):
        mine = effects[effects["arm"] == arm]
        truth = 1000 * float((mine["treated"] * (-mine["effect"] * exp.value_per_saved_customer - exp.offer_cost)).mean())
        a = by[arm]
        print(arm, round(a.value_per_1000), [round(a.sequential_lower), round(a.sequential_upper)], "truth", round(truth))
        assert a.sequential_lower <= truth <= a.sequential_upper
    assert by["uplift"].value_per_1000 > by["risk"].value_per_1000
    md = experiment_report.markdown(report, {})
    assert "## Policies compared" in md and "| uplift |" in md
    log.close()
