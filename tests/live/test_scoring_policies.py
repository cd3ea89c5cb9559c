"""Live scoring by policy: the uplift arm acted on by incremental value from the uplift
model, the risk arm by the champion's threshold, control never; each row names the
policy and version that decided it."""

from __future__ import annotations

from datetime import date

import pytest
from catboost import CatBoostRegressor

from govern.live import scoring
from govern.live.assignment import CONTROL, TREATMENT
from govern.spec.decision import DecisionPolicy
from tests import live_story

pytestmark = pytest.mark.integration
ARMS = {"risk": 0.4, "uplift": 0.4, "control": 0.2}


@pytest.fixture(scope="module")
def fitted():
    risk = live_story._fit(4, 1)
    data = live_story.frame_of(2000, 2)
    truth = 0.3 * (data["support_tickets"] >= 1) - 0.2 * (data["plan"] == "basic") + 0.02
    uplift = CatBoostRegressor(iterations=60, depth=3, verbose=False, random_seed=0, cat_features=list(live_story.CATEGORICAL), thread_count=1)
    uplift.fit(data[live_story.FEATURES], truth)
    return risk, uplift


def _spec(tmp_path, **experiment):
    from govern.spec.model import load_spec

    live_story.install_spec(tmp_path, "policies", **experiment)
    return load_spec("policies", tmp_path / "models")


def _score(spec, models, rows: int = 3000):
    frame = live_story.frame_of(rows, 7).assign(customer_id=[f"P{i}" for i in range(rows)])
    out = scoring.score_chunk(spec, models, frame, batch_id="b1", as_of=date(2026, 5, 1), scored_at="now")
    champion = out[out["role"] == "champion"].reset_index(drop=True)
    reduction = models.uplift.predict(scoring._prepare(frame, models.uplift)[list(models.uplift.feature_names_)]) if models.uplift else None
    return champion, reduction


def test_named_arms_each_act_by_their_policy(fitted, tmp_path):
    risk, uplift = fitted
    spec = _spec(tmp_path, control_share=0.2, arms=ARMS, capacity=150, offer_cost=15.0, value_per_saved_customer=400.0)
    models = scoring.LiveModels("3", risk, champion_threshold=0.4, uplift_version="2", uplift=uplift)
    rows, reduction = _score(spec, models)
    assert set(rows["arm"]) == set(ARMS)
    mine = (rows["arm"] == "uplift").to_numpy()
    assert set(rows.loc[mine, "policy"]) == {"incremental_value:policies-uplift v2"}
    assert set(rows.loc[~mine, "policy"]) == {"risk:policies v3"}
    offered = rows.loc[mine, "decision"].to_numpy() == 1
    gain = reduction[mine] * 400 - 15
    assert (gain[offered] > 0).all() and offered.sum() == min(int((gain > 0).sum()), round(150 * ARMS["uplift"]))
    assert gain[offered].min() >= gain[~offered].max()  # highest first
    others = ~mine
    assert (rows.loc[others, "decision"] == (rows.loc[others, "score"] >= 0.4).astype(int)).all()
    act = scoring.audience(rows)
    assert set(act["arm"]) == {"risk", "uplift"} and (act["decision"] == 1).all()
    assert CONTROL not in set(act["arm"])


def test_a_recorded_incremental_value_policy_acts_in_the_two_arm_experiment(fitted, tmp_path):
    risk, uplift = fitted
    spec = _spec(tmp_path)
    policy = DecisionPolicy(kind="incremental_value", value_per_outcome_prevented=400, offer_cost=30)
    rows, reduction = _score(spec, scoring.LiveModels("3", risk, champion_threshold=0.4, uplift_version="2", uplift=uplift, incremental=policy))
    assert set(rows["arm"]) == {TREATMENT, CONTROL}
    assert set(rows["policy"]) == {"incremental_value:policies-uplift v2"}
    assert ((rows["decision"] == 1).to_numpy() == (reduction * 400 - 30 > 0)).all()  # no capacity: every customer worth the offer
    # without a promoted uplift model the champion's risk threshold decides, and says so
    rows, _ = _score(spec, scoring.LiveModels("3", risk, champion_threshold=0.4, incremental=policy))
    assert set(rows["policy"]) == {"risk:policies v3"} and (rows["decision"] == (rows["score"] >= 0.4).astype(int)).all()


def test_named_arms_without_an_uplift_arm_act_by_risk_whatever_the_recorded_policy(fitted, tmp_path):
    risk, uplift = fitted
    spec = _spec(tmp_path, control_share=0.3, arms={"risk": 0.7, "control": 0.3})
    policy = DecisionPolicy(kind="incremental_value", value_per_outcome_prevented=400, offer_cost=30)
    rows, _ = _score(spec, scoring.LiveModels("3", risk, champion_threshold=0.4, uplift_version="2", uplift=uplift, incremental=policy))
    assert set(rows["policy"]) == {"risk:policies v3"} and set(rows["arm"]) == {"risk", CONTROL}
