"""The uplift flow end to end: a campaign with heterogeneous effects scored live, outcomes matured,
the uplift model trained, judged, registered with its evidence, approved and promoted as its own model."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from govern.core.errors import DataValidationError, PromotionRefused
from govern.governance import approval, decisions
from govern.live import outcomes, scoring
from govern.spec.model import load_spec
from govern.stores import registry
from govern.stores.audit.log import AuditLog
from govern.stores.predictions import PredictionLog
from tests import live_story

pytestmark = pytest.mark.integration

NAME = "uplift_flow_model"


def test_an_uplift_model_is_registered_judged_and_promoted_like_any_other(project):
    from flows.uplift import uplift
    from govern.demo import campaign as campaign_demo

    live_story.install_spec(project.root, NAME, capacity=100_000)
    risk_champion, _ = live_story.champion_and_challenger(project, NAME)
    spec = load_spec(NAME, project.models_dir)
    plog = PredictionLog(project.database_url)
    models = scoring.load_models(NAME)
    campaign = campaign_demo.Campaign(offer_effect=0.0, window_days=spec.experiment.outcome_window_days, seed=4, drift=0.6,
                                      segments=campaign_demo.Segments())
    for day in campaign_demo.days(date(2026, 8, 1), 3):
        path = campaign_demo.write_cohort(campaign.cohort(day, 3000), project.root / NAME, day)
        result = scoring.score_file(spec, models, path, batch_id=day.isoformat(), as_of=day, out_root=project.mlruns / "scores", log=plog)
        folder = Path(result.folder)
        campaign.act(pd.read_parquet(folder / "all.parquet"), pd.read_parquet(folder / "audience.parquet")["customer_id"])
    outcomes.ingest(plog, spec, campaign.all_labels())
    features = str(project.root / NAME / "data" / "demo" / "live" / "customers_*.parquet")

    with pytest.raises(DataValidationError, match="no file matches"):
        uplift(NAME, str(project.root / "nowhere_*.parquet"), resamples=200)

    result = uplift(NAME, features, resamples=300)
    name, version = f"{NAME}-uplift", result["version"]
    assert result["model"] == name and result["counts"]["control"] >= 60
    record = registry.read_record(name, version)
    assert record.task == "uplift" and record.spec.gates["uplift"]["min_qini"] == 0.0 and "live" not in record.spec.gates
    assert [g.gate for g in record.gates.results] == ["uplift_qini", "uplift_over_risk"]
    card = Path(result["card"])
    assert card.exists() and "Qini coefficient" in card.read_text() and (card.parent / "card.md").exists()
    logged = json.loads((card.parent / "uplift.json").read_text())
    assert logged["evaluation"]["rankings"]["dr_learner"]["qini_interval"] is not None
    state = registry.VersionState.read(name, version)
    assert state.gate_status == result["gates"] and state.digest

    log = AuditLog(project.database_url)
    if result["gates"] == "passed":
        approval.approve(log, name, version, reviewer="reviewer", note="uplift reviewed", acknowledge=[])
        assert decisions.promote(log, name, version, actor="tester").version == version
        assert registry.alias_version(name, registry.CHAMPION) == version
    else:
        with pytest.raises(PromotionRefused, match="did not pass its gates"):
            decisions.promote(log, name, version, actor="tester")
    assert registry.alias_version(NAME, registry.CHAMPION) == risk_champion  # the risk model's champion is untouched
