"""The uplift training table from a live frame, the gate rule and the value of a targeting rule (no training)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govern.core.errors import DataValidationError
from govern.evidence.verdict import FAILED, INCONCLUSIVE, PASSED
from govern.spec.model import load_spec
from govern.uplift import gate, table, targeting
from govern.uplift.evaluation import MODEL, RISK, Ranking, UpliftEvaluation
from tests.conftest import REPO


@pytest.fixture(scope="module")
def spec():
    return load_spec("retention", REPO / "models")


def _live(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = [f"L{i:05d}" for i in range(n)]
    return pd.DataFrame({
        "batch_id": "b1", "customer_id": ids, "as_of": pd.Timestamp("2026-08-01"),
        "arm": np.where(rng.random(n) < 0.3, "control", "treatment"), "champion_version": "1", "champion_score": rng.random(n),
        "decision": (rng.random(n) < 0.6).astype(int), "challenger_version": None, "challenger_score": np.nan,
        "outcome": (rng.random(n) < 0.4).astype(float), "outcome_date": pd.Timestamp("2026-09-05"), "matured": True,
    })


def _features(ids) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({"customer_id": ids, "snapshot_date": pd.Timestamp("2026-08-01"), "tenure_months": np.arange(n) % 40,
                         "plan": "basic", "monthly_spend": 20.0, "sessions_per_week": 3.0, "support_tickets": 1, "payment_failures": 0,
                         "channel": "web", "region": "north", "age_band": "30-44", "gender": "female"})


def test_targeted_units_keep_matured_selected_customers_at_their_earliest_batch():
    live = _live(6)
    live["decision"] = [1, 1, 1, 0, 1, 1]
    live["arm"] = ["treatment", "control", "treatment", "treatment", "control", "treatment"]
    live.loc[4, "matured"] = False  # provisional: not yet an outcome to learn from
    later = live.iloc[[0]].assign(batch_id="b2", as_of=pd.Timestamp("2026-08-02"), arm="treatment", outcome=0.0)
    live.loc[0, "outcome"] = 1.0
    units = table.targeted_units(pd.concat([later, live], ignore_index=True))
    assert list(units["customer_id"]) == ["L00000", "L00001", "L00002", "L00005"]
    assert list(units["treated"]) == [1, 0, 1, 1]
    assert units.loc[0, "outcome"] == 1.0 and units.loc[0, "batch_id"] == "b1"


def test_the_table_joins_features_by_id_and_holds_out_a_stable_share(spec):
    live = _live(1200)
    built = table.build_table(live, _features(live["customer_id"]), spec)
    assert "tenure_months" in built.features and "plan" in built.categorical
    assert "snapshot_date" not in built.features and "customer_id" not in built.features
    counts = built.counts()
    assert counts["customers"] == int((live["decision"] == 1).sum())
    assert 0.2 < counts["held_out"] / counts["customers"] < 0.4
    again = table.build_table(live.sample(frac=1, random_state=3), _features(live["customer_id"]), spec)
    assert set(again.holdout["customer_id"]) == set(built.holdout["customer_id"])


def test_bad_feature_files_and_small_arms_are_refused_in_one_line(spec):
    live = _live(1200)
    features = _features(live["customer_id"])
    with pytest.raises(DataValidationError, match="more than once"):
        table.build_table(live, pd.concat([features, features.head(2)]), spec)
    with pytest.raises(DataValidationError, match="have no row in the feature files"):
        table.build_table(live, features.iloc[10:], spec)
    with pytest.raises(DataValidationError, match="lack the id column"):
        table.build_table(live, features.drop(columns="customer_id"), spec)
    with pytest.raises(DataValidationError, match="at least 30 of each"):
        table.build_table(live.head(80), features, spec)
    with pytest.raises(Exception, match="no experiment section"):
        table.build_table(live, features, spec.model_copy(update={"experiment": None}))


def _evaluation(qini_interval, over_interval) -> UpliftEvaluation:
    qini_value = None if qini_interval is None else sum(qini_interval) / 2
    over = None if over_interval is None else sum(over_interval) / 2
    return UpliftEvaluation(customers=100, treated=80, control=20, resamples=200, confidence=0.95,
                            rankings={MODEL: Ranking(qini=qini_value, qini_interval=qini_interval), RISK: Ranking(qini=0.0, qini_interval=(-0.01, 0.01))},
                            qini_over_risk=over, qini_over_risk_interval=over_interval)


def test_the_gates_are_three_way_on_the_intervals_and_fail_closed():
    rules = gate.UpliftGates()
    passed = gate.judge(_evaluation((0.01, 0.03), (0.005, 0.02)), rules)
    assert passed.status == PASSED and [r.gate for r in passed.results] == ["uplift_qini", "uplift_over_risk"]
    straddles = gate.judge(_evaluation((0.01, 0.03), (-0.005, 0.02)), rules)
    assert straddles.results[1].status == INCONCLUSIVE and straddles.status == FAILED  # inconclusive fails by default
    warned = gate.judge(_evaluation((0.01, 0.03), (-0.005, 0.02)), gate.UpliftGates(on_inconclusive="warn"))
    assert warned.status == PASSED
    below = gate.judge(_evaluation((-0.03, -0.01), (0.005, 0.02)), rules)
    assert below.results[0].status == FAILED and below.status == FAILED
    missing = gate.judge(_evaluation(None, None), rules)
    assert missing.status == FAILED and all(r.status == FAILED and "not measured" in r.reason for r in missing.results)
    assert gate.judge(None, rules).status == FAILED
    alone = gate.judge(_evaluation((0.01, 0.03), None), gate.UpliftGates(compare_with_risk=False))
    assert alone.status == PASSED and len(alone.results) == 1


def test_the_value_of_a_targeting_rule_per_1000_customers_and_its_truth():
    # eight customers; the rule offers to the top half: two treated (one churned), two control (both churned)
    outcome = np.array([1, 0, 1, 1, 0, 0, 1, 0])
    treated = np.array([1, 1, 0, 0, 1, 0, 1, 0])
    score = np.array([8, 7, 6, 5, 4, 3, 2, 1])
    effect = np.array([-1, -1, 0, -1, 0, 0, 1, 0])
    [row] = targeting.compare(outcome, treated, {"rule": score}, share=0.5, value=400.0, cost=15.0, resamples=200, true_effect=effect)
    assert row.chosen == 4 and row.uplift == pytest.approx(1.0 - 0.5)
    assert row.value_per_1000 == pytest.approx(1000 * 0.5 * (0.5 * 400 - 15))
    assert row.true_value_per_1000 == pytest.approx(1000 * (3 * 400 - 4 * 15) / 8)
    assert row.interval[0] <= row.value_per_1000 <= row.interval[1]
