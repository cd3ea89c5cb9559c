"""Policies compared live on simulated customers with heterogeneous effects (the demo
campaign's persuadables, sure things, lost causes and sleeping dogs): the uplift arm's
value per 1,000 customers is above the risk arm's, and each arm's interval holds the
value its policy truly has."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from govern.demo.campaign import LOST_CAUSE, SLEEPING_DOG, Segments
from govern.demo.customers import generate_customers
from govern.evidence.live import ExperimentReport
from govern.live import policies, srm
from govern.live import report as experiment_report
from govern.live.assignment import arms_of
from govern.spec.decision import DecisionPolicy
from govern.spec.model import ExperimentSpec
from tests.live.test_experiment import _report

START, DAYS, PER_DAY, TOP = date(2026, 3, 1), 28, 3000, 0.15
EXP = ExperimentSpec(salt="policies-2026", value_per_saved_customer=400.0, offer_cost=15.0, planned_days=DAYS,
                     arms={"risk": 0.4, "uplift": 0.4, "control": 0.2})


def _cells(frame: pd.DataFrame) -> pd.Series:
    """Coarse cells of the features that drive churn and the offer's effect."""
    seg = Segments()
    low_use = frame["plan"].eq("basic") & (frame["sessions_per_week"] < seg.low_use_sessions)
    return (frame["support_tickets"].clip(upper=2).astype(str) + frame["payment_failures"].clip(upper=1).astype(str)
            + low_use.astype(int).astype(str) + (frame["tenure_months"] // 12).clip(upper=3).astype(str) + frame["plan"])


def _scores(history: pd.DataFrame, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Risk: the churn rate of the customer's cell in earlier data.  Uplift: the expected
    reduction in churn the offer causes given that risk and the segments' structure."""
    seg = Segments()
    rates = history.groupby(_cells(history))["churned"].mean()
    risk = _cells(frame).map(rates).fillna(history["churned"].mean()).to_numpy()
    failures, tickets = frame["payment_failures"].to_numpy(), frame["support_tickets"].to_numpy()
    persuadable = np.where(failures >= 1, seg.persuadable_with_payment_failure, np.where(tickets >= 1, seg.persuadable_with_ticket, seg.persuadable_otherwise))
    low_use = (frame["plan"].eq("basic") & (frame["sessions_per_week"] < seg.low_use_sessions)).to_numpy()
    dog = np.where(low_use, seg.sleeping_dog_basic_low_use, seg.sleeping_dog_otherwise)
    return risk, risk * persuadable - (1 - risk) * dog


def simulate(seed: int = 0):
    """Daily batches scored by both policies on their arms; outcomes as each customer's
    segment makes them; the truth of each policy applied to every customer."""
    history = generate_customers(20_000, start="2026-01-01", months=2, seed=seed + 99)
    uplift_policy = DecisionPolicy(kind="incremental_value", value_per_outcome_prevented=EXP.value_per_saved_customer,
                                   offer_cost=EXP.offer_cost, capacity=int(TOP * PER_DAY * EXP.arms["uplift"]))
    rows, truth = [], {"risk": [], "uplift": []}
    for k in range(DAYS):
        day = START + timedelta(days=k)
        frame = generate_customers(PER_DAY, start=day.isoformat(), months=1, seed=seed * 1000 + k, id_offset=10_000_000 + k * PER_DAY)
        segment = Segments().draw(frame, np.random.default_rng(seed * 7919 + k).random(PER_DAY))
        churned, if_offered = frame["churned"].to_numpy(), np.isin(segment, (LOST_CAUSE, SLEEPING_DOG)).astype(int)
        risk, reduction = _scores(history, frame)
        arms = arms_of(frame["customer_id"].to_numpy(), EXP)
        decide = {"risk": lambda m, s=risk: _top(s[m], TOP), "uplift": lambda m, r=reduction: uplift_policy.incremental_decisions(r[m])}
        offered = np.zeros(PER_DAY, dtype=bool)
        for name, rule in decide.items():
            mask = arms == name
            offered[mask] = rule(mask)
            everyone = rule(np.ones(PER_DAY, dtype=bool)) if name == "risk" else _scaled(uplift_policy, reduction)
            truth[name].append(everyone * ((churned - if_offered) * EXP.value_per_saved_customer - EXP.offer_cost))
        rows.append(pd.DataFrame({"customer_id": frame["customer_id"], "as_of": day, "arm": arms, "decision": offered.astype(int),
                                  "outcome": np.where(offered, if_offered, churned).astype(float)}))
    return pd.concat(rows, ignore_index=True), {k: 1000 * float(np.concatenate(v).mean()) for k, v in truth.items()}


def _top(score: np.ndarray, share: float) -> np.ndarray:
    chosen = np.zeros(len(score), dtype=bool)
    chosen[np.argsort(-score, kind="stable")[: int(round(share * len(score)))]] = True
    return chosen


def _scaled(policy: DecisionPolicy, reduction: np.ndarray) -> np.ndarray:
    """The uplift policy applied to a whole batch: its capacity scaled from the arm's slice."""
    whole = policy.model_copy(update={"capacity": int(round(policy.capacity / EXP.arms["uplift"]))})
    return whole.incremental_decisions(reduction)


@pytest.fixture(scope="module")
def simulated():
    units, truth = simulate()
    return policies.compare(units, EXP, START), truth


def test_uplift_arm_beats_risk_arm_and_intervals_hold_the_truth(simulated):
    result, truth = simulated
    assert not result.mismatch and result.p_value > 0.001
    by = {a.arm: a for a in result.arms}
    assert set(by) == {"risk", "uplift"}
    for name, arm in by.items():
        assert arm.sequential_lower <= truth[name] <= arm.sequential_upper, (name, arm, truth[name])
        assert arm.sequential_lower <= arm.lower <= arm.value_per_1000 <= arm.upper <= arm.sequential_upper
    assert truth["uplift"] > truth["risk"]
    assert by["uplift"].value_per_1000 > by["risk"].value_per_1000
    assert by["uplift"].sequential_lower > 0  # the uplift policy's value is established at the sequential level
    print({name: (round(a.value_per_1000), round(a.sequential_lower), round(a.sequential_upper), round(truth[name])) for name, a in by.items()})


def test_the_report_section_shows_each_arm(simulated):
    result, _ = simulated
    text = "\n".join(policies.markdown(result))
    assert "| risk |" in text and "| uplift |" in text and "sequential interval" in text


def test_a_sample_ratio_mismatch_withholds_the_comparison():
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(3000)], "arm": ["risk"] * 1500 + ["uplift"] * 1400 + ["control"] * 100,
                          "decision": 0, "outcome": 0.0, "as_of": START})
    broken = policies.compare(frame, EXP, START)
    assert broken.mismatch and broken.arms == [] and "withheld" in broken.note
    assert "withheld" in "\n".join(policies.markdown(broken))


def test_two_arm_experiment_has_no_policy_comparison():
    assert policies.compare(pd.DataFrame(columns=["customer_id", "arm"]), ExperimentSpec(salt="s", value_per_saved_customer=1), START) is None


def test_the_experiment_report_carries_the_policy_arms(simulated, tmp_path):
    result, _ = simulated
    report = _report(None).model_copy(update={"policies": result})
    md = experiment_report.markdown(report, {})
    assert "## Policies compared (value per 1,000 customers against control)" in md and "| uplift |" in md
    paths = experiment_report.write(report, {}, tmp_path)
    assert ExperimentReport.model_validate(json.loads(paths["json"].read_text())) == report


def test_the_risk_arm_stands_as_treatment_for_the_lift_and_its_sample_ratio():
    ids = np.array([f"C{i}" for i in range(30_000)])
    frame = pd.DataFrame({"batch_id": "b1", "customer_id": ids, "arm": arms_of(ids, EXP)})
    view = policies.risk_view(frame)
    assert set(view["arm"]) == {"treatment", "control"} and len(view) == int((frame["arm"] != "uplift").sum())
    assert policies.view_control_share(EXP) == pytest.approx(1 / 3)
    assert not srm.check(view, policies.view_control_share(EXP), EXP.srm_p_value).mismatch
