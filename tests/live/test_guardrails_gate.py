"""Guardrails and the live gate's rule: at least one success metric improves and every
guardrail is non-inferior, on sequential bounds; a sample-ratio mismatch blocks with one
line; evidence without these checks is refused (fail closed)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from govern.evidence.live import LiveEvidence, SampleRatio
from govern.live import gate as live_gate
from govern.live import guardrails, sequential
from govern.spec.model import ExperimentSpec, Guardrail, LiveGate
from tests.live.test_experiment import OLD_LIVE_JSON

START = date(2026, 8, 1)


def _units(effect: float, days: int = 20, seed: int = 1, opt_out: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 150 * days
    arm = np.where(rng.random(n) < 0.2, "control", "treatment")
    treated = arm == "treatment"
    return pd.DataFrame({
        "as_of": [pd.Timestamp(START + timedelta(days=i // 150)) for i in range(n)], "arm": arm,
        "outcome": (rng.random(n) < 0.4 + effect * treated).astype(float),
        "opted_out": (rng.random(n) < 0.02 + opt_out * treated).astype(float),
        "gender": rng.choice(["f", "m"], n),
    })


def _exp(*guards: Guardrail) -> ExperimentSpec:
    return ExperimentSpec(salt="s", value_per_saved_customer=400.0, offer_cost=15.0, control_share=0.2, planned_days=20, guardrails=list(guards))


COST = Guardrail(metric="cost_per_retained_customer", max=200.0)
OPT_OUT = Guardrail(metric="rate_increase", column="opted_out", max=0.03)
FAIR = Guardrail(metric="treated_disparity", column="gender", max=0.1)
MISSING = Guardrail(metric="rate_increase", column="complained", max=0.01)


def test_guardrails_pass_when_non_inferior_and_block_when_harmed_or_not_measured():
    units = _units(-0.12)
    seq = sequential.lift_test(units, START, 20, 0.05)
    good = {g.metric + str(g.column): g for g in guardrails.evaluate(_exp(COST, OPT_OUT, FAIR, MISSING), units, seq)}
    assert good["cost_per_retained_customerNone"].status == "passed" and 100 < good["cost_per_retained_customerNone"].estimate < 160
    assert good["rate_increaseopted_out"].status == "passed" and good["treated_disparitygender"].status == "passed"
    assert good["rate_increasecomplained"].status == "not measured" and "no column 'complained'" in good["rate_increasecomplained"].note
    harmed = guardrails.evaluate(_exp(COST, OPT_OUT), _units(-0.12, opt_out=0.08), seq)
    assert [g.status for g in harmed] == ["passed", "failed"] and harmed[1].bound > 0.03
    null = sequential.lift_test(_units(0.0), START, 20, 0.05)
    [cost] = guardrails.evaluate(_exp(COST), _units(0.0), null)
    assert cost.status == "failed" and "not shown to prevent any outcome" in cost.note


def _evidence(effect: float, *guards: Guardrail, gate: LiveGate | None = None, mismatch: bool = False) -> LiveEvidence:
    raw = json.loads(OLD_LIVE_JSON)
    units = _units(effect)
    seq = sequential.lift_test(units, START, 20, 0.05)
    ratio = SampleRatio(expected_control_share=0.2, treatment=800, control=200 - 60 * mismatch, p_value=1e-6 if mismatch else 0.9,
                        worst_batch=None, worst_batch_p_value=None, threshold=0.001, mismatch=mismatch,
                        note="sample-ratio mismatch over 940 customers (p = 1e-06): control holds 14.9% of customers" if mismatch else "")
    comparison = LiveEvidence.model_validate(raw).comparison
    lower = live_gate._repeated_lower(comparison, seq)  # as gather widens it
    assert lower < comparison.lower  # the sequential boundary is wider than the fixed-horizon interval
    return LiveEvidence.model_validate({**raw, "gate": (gate or LiveGate(min_silent_days=3, min_matured_outcomes=100, margin=0.05)).model_dump(),
                                        "comparison_lower": lower, "sequential": seq.model_dump(), "srm": ratio.model_dump(),
                                        "guardrails": [g.model_dump() for g in guardrails.evaluate(_exp(*guards), units, seq)]})


def test_the_gate_opens_when_the_lift_improves_and_every_guardrail_is_non_inferior():
    evidence = _evidence(-0.12, COST, OPT_OUT)
    assert live_gate.judge(evidence, evidence.gate) == []


def test_no_success_metric_improving_blocks():
    evidence = _evidence(0.0)
    [reason] = live_gate.judge(evidence, evidence.gate)
    assert "no success metric improves" in reason and "not crossed its sequential boundary" in reason
    both = LiveGate(min_silent_days=3, min_matured_outcomes=100, margin=0.05, success=["lift", "challenger"])
    assert "challenger's live metric is not shown above" in live_gate.judge(evidence, both)[0]


def test_a_guardrail_not_measured_blocks():
    evidence = _evidence(-0.12, COST, MISSING)
    [reason] = live_gate.judge(evidence, evidence.gate)
    assert reason.startswith("guardrail rate_increase (complained) is not shown non-inferior") and "no column 'complained'" in reason


def test_a_sample_ratio_mismatch_blocks_with_one_line():
    evidence = _evidence(-0.12, COST, mismatch=True)
    assert live_gate.judge(evidence, evidence.gate) == ["v2: sample-ratio mismatch over 940 customers (p = 1e-06): control holds 14.9% of customers"]


def test_evidence_made_before_these_checks_is_refused_but_keeps_its_digest():
    evidence = LiveEvidence.model_validate(json.loads(OLD_LIVE_JSON))
    assert live_gate.judge(evidence, evidence.gate) == [
        "v2's live evidence has no sample-ratio check, sequential test or guardrails: run govern experiment again to measure it"]
    full = _evidence(-0.12, COST)
    assert full.digest() != evidence.digest()
    tampered = full.model_copy(update={"srm": full.srm.model_copy(update={"mismatch": True})})
    assert tampered.digest() != full.digest()


@pytest.mark.parametrize("bad", [{"metric": "rate_increase", "max": 0.1}, {"metric": "cost_per_retained_customer", "max": 0}])
def test_a_guardrail_without_its_column_or_margin_is_refused(bad):
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        Guardrail(**bad)


def test_the_report_must_have_applied_the_experiment_rules_recorded_with_the_version():
    evidence = _evidence(-0.12, COST)  # planned 20 days, O'Brien-Fleming, alpha 0.05; cost at most 200
    recorded = _exp(COST).model_dump(mode="json")
    assert live_gate.against_recorded_experiment(evidence, recorded) == []
    assert live_gate.against_recorded_experiment(evidence, None) == []  # older records hold no experiment section
    tighter = {**recorded, "guardrails": [{"metric": "cost_per_retained_customer", "max": 150.0}, OPT_OUT.model_dump(mode="json")]}
    reasons = live_gate.against_recorded_experiment(evidence, tighter)
    assert len(reasons) == 2 and "at most 150 was not applied" in reasons[0] and "rate_increase (opted_out)" in reasons[1]
    [plan] = live_gate.against_recorded_experiment(evidence, {**recorded, "planned_days": 60})
    assert "used 20 planned days" in plan and "not the recorded 60" in plan
    [broken] = live_gate.against_recorded_experiment(evidence, {**recorded, "planned_days": "many"})
    assert "recorded experiment rules are not valid" in broken
