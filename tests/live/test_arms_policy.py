"""Named arms drawn by the salted hash, and the incremental-value decision rule."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError
from scipy.stats import chisquare

from govern.live.assignment import CONTROL, TREATMENT, arms_of, assign, assign_arms
from govern.spec.decision import DecisionPolicy
from govern.spec.model import ExperimentSpec
from govern.training.policy import fit_threshold  # imported at collection: its imports ask the platform in a child process

ARMS = {"risk": 0.4, "uplift": 0.4, "control": 0.2}


def test_named_arms_hold_their_shares():
    ids = [f"C{i:07d}" for i in range(50_000)]
    arms = assign_arms(ids, "salt-1", ARMS)
    counts = [int((arms == name).sum()) for name in ARMS]
    p = chisquare(counts, f_exp=[len(ids) * s for s in ARMS.values()]).pvalue
    assert p > 0.001, counts
    assert set(arms) == set(ARMS)


def test_named_arms_are_stable_and_keyed_by_the_salt():
    ids = [f"C{i}" for i in range(5_000)]
    first = assign_arms(ids, "salt-1", ARMS)
    assert (first == assign_arms(ids, "salt-1", ARMS)).all()  # a re-run puts everyone back in the same arm
    assert (first == assign_arms(ids, "salt-1", dict(reversed(list(ARMS.items()))))).all()  # the spec's line order does not matter
    assert (first[::-1][: 1000] == assign_arms(ids[::-1][:1000], "salt-1", ARMS)).all()  # nor the batch a customer comes in
    assert (first != assign_arms(ids, "salt-2", ARMS)).mean() > 0.4


def test_two_arm_default_is_unchanged():
    ids = [f"C{i}" for i in range(20_000)]
    default = assign(ids, "s", 0.1)
    assert set(default) == {TREATMENT, CONTROL}
    assert (assign_arms(ids, "s", {"treatment": 0.9, "control": 0.1}) == default).all()
    spec = ExperimentSpec(salt="s", value_per_saved_customer=100, control_share=0.1)
    assert (arms_of(ids, spec) == default).all()
    named = ExperimentSpec(salt="s", value_per_saved_customer=100, arms=ARMS)
    assert named.control_share == 0.2
    # the control arm is the same slice of the hash as a two-arm experiment's control group
    assert ((arms_of(ids, named) == CONTROL) == (assign(ids, "s", 0.2) == CONTROL)).all()


@pytest.mark.parametrize("arms, message", [
    ({"risk": 0.5, "uplift": 0.5}, "needs a control arm"),
    ({"risk": 0.5, "control": 0.2}, "sum to 1"),
    ({"risk": 0.9, "uplift": 0.0, "control": 0.1}, "positive"),
])
def test_bad_arms_are_refused(arms, message):
    with pytest.raises(ValidationError, match=message):
        ExperimentSpec(salt="s", value_per_saved_customer=100, arms=arms)


def test_arms_and_control_share_must_agree():
    with pytest.raises(ValidationError, match="differs from arms.control"):
        ExperimentSpec(salt="s", value_per_saved_customer=100, control_share=0.1, arms=ARMS)


def test_incremental_value_rule_acts_where_value_exceeds_cost_highest_first():
    policy = DecisionPolicy(kind="incremental_value", value_per_outcome_prevented=400, offer_cost=20)
    reduction = np.array([0.10, 0.04, 0.05, -0.20, 0.30, 0.06])  # worth 20, -4, 0, -100, 100, 4
    assert policy.incremental_decisions(reduction).tolist() == [True, False, False, False, True, True]
    capped = DecisionPolicy(kind="incremental_value", value_per_outcome_prevented=400, offer_cost=20, capacity=2)
    assert capped.incremental_decisions(reduction).tolist() == [True, False, False, False, True, False]
    assert not capped.incremental_decisions(np.array([-0.1, 0.0])).any()  # sleeping dogs and the unmoved get nothing
    assert "at most 2 per batch" in capped.describe()


def test_incremental_value_needs_its_economics():
    with pytest.raises(ValidationError, match="value_per_outcome_prevented and offer_cost"):
        DecisionPolicy(kind="incremental_value")


def test_incremental_value_risk_fallback_is_the_base_rate_share():
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0], float)
    scores = np.linspace(0.9, 0.0, 10)
    policy = DecisionPolicy(kind="incremental_value", value_per_outcome_prevented=400, offer_cost=20)
    assert fit_threshold(policy, y, scores) == fit_threshold(DecisionPolicy(kind="share"), y, scores)
