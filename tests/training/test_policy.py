"""The decision policy: declared in the spec, fitted on validation rows, recorded, and the
gates judged on its decisions (a policy that flags nobody is "not measured", never "passed")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.checks.fairness.assess import assess_fairness
from govern.core.errors import SpecError
from govern.evidence.decision import Decision, threshold_of
from govern.evidence.verdict import FAILED, NOT_MEASURED
from govern.gates.changes import decision_changes
from govern.gates.rules import fairness_gates
from govern.spec.decision import DecisionPolicy
from govern.spec.model import FairnessGate, load_spec, parse_spec
from govern.stats.evaluation import metric_values, paired_bootstrap
from govern.training.policy import decision_evidence, fit_threshold, wilson

FAILS_CLOSED = (FAILED, NOT_MEASURED)
MODELS = Path(__file__).parents[2] / "models"
CHURN = load_spec("churn", MODELS)


def _rare(n: int = 4000, rate: float = 0.05, seed: int = 0):
    """Labels with ``rate`` positives and scores that rank them well but never reach 0.5."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < rate).astype(int)
    scores = np.clip(0.04 + 0.2 * y + rng.normal(0, 0.06, n), 0.001, 0.45)
    return y, scores


def _raw(**decision) -> dict:
    raw = CHURN.model_dump(mode="json")
    raw["decision"] = decision
    return raw


def test_default_policy_flags_the_base_rate_where_a_fixed_half_flags_nobody():
    y, scores = _rare()
    assert (scores >= 0.5).sum() == 0
    policy = parse_spec({k: v for k, v in CHURN.model_dump(mode="json").items() if k != "decision"}).decision
    assert policy.kind == "share" and policy.share is None
    threshold = fit_threshold(policy, y, scores)
    flagged = (scores >= threshold).mean()
    assert threshold < 0.5 and flagged == pytest.approx(y.mean(), abs=0.005)


def test_each_kind_fits_its_threshold():
    y, scores = _rare()
    assert fit_threshold(DecisionPolicy(kind="threshold", threshold=0.3), y, scores) == 0.3
    top = fit_threshold(DecisionPolicy(kind="top_k", top_k=150, batch_size=400), y, scores)
    assert (scores >= top).mean() == pytest.approx(150 / 400, abs=0.002)
    share = fit_threshold(DecisionPolicy(kind="share", share=0.1), y, scores)
    assert (scores >= share).mean() == pytest.approx(0.1, abs=0.002)


def test_expected_value_threshold_maximises_value_on_the_rows_it_is_fitted_on():
    y, scores = _rare()
    policy = DecisionPolicy(kind="expected_value", benefit_true_positive=100.0, cost_false_positive=10.0)
    best = fit_threshold(policy, y, scores)

    def value(t):
        flag = scores >= t
        return 100 * (flag & (y == 1)).sum() - 10 * (flag & (y == 0)).sum()

    grid = np.unique(scores)
    assert value(best) == pytest.approx(max(value(t) for t in grid))


def test_expected_value_with_nothing_worth_acting_on_flags_nobody():
    y, _ = _rare()
    scores = np.random.default_rng(5).random(len(y))  # scores that say nothing about the label
    policy = DecisionPolicy(kind="expected_value", benefit_true_positive=1.0, cost_false_positive=1000.0)
    assert (scores >= fit_threshold(policy, y, scores)).sum() == 0


def test_spec_reads_an_older_threshold_and_refuses_an_incomplete_policy():
    raw = {k: v for k, v in CHURN.model_dump(mode="json").items() if k != "decision"}
    older = parse_spec({**raw, "decision_threshold": 0.35})
    assert older.decision == DecisionPolicy(kind="threshold", threshold=0.35)
    with pytest.raises(SpecError, match="give the policy once"):
        parse_spec({**raw, "decision_threshold": 0.35, "decision": {"kind": "share"}})
    with pytest.raises(SpecError, match="decision: .*needs batch_size"):
        parse_spec(_raw(kind="top_k", top_k=10))
    with pytest.raises(SpecError, match="decision: .*needs benefit_true_positive and cost_false_positive"):
        parse_spec(_raw(kind="expected_value"))
    with pytest.raises(SpecError, match="must be below batch_size"):
        parse_spec(_raw(kind="top_k", top_k=400, batch_size=400))


def test_shipped_specs_declare_a_policy_that_is_not_a_fixed_half():
    assert CHURN.decision.kind == "share"
    retention = load_spec("retention", MODELS)
    assert (retention.decision.kind, retention.decision.top_k) == ("top_k", retention.experiment.capacity)


def test_decision_evidence_counts_every_group_with_an_interval():
    y, scores = _rare(n=1000)
    rng = np.random.default_rng(3)
    holdout = pd.DataFrame({"churned": y, "gender": rng.choice(["F", "M", None], len(y)), "age_band": "all"})
    spec = CHURN.model_copy(update={"decision": DecisionPolicy(kind="share", share=0.1)})
    threshold = fit_threshold(spec.decision, y, scores)
    decision = decision_evidence(spec, threshold, (y, scores), holdout, scores)
    groups = {g.group: g for g in decision.groups["gender"]}
    assert set(groups) == {"F", "M", "(missing)"}
    assert sum(g.flagged for g in groups.values()) == int((scores >= threshold).sum())
    assert all(g.interval[0] <= g.share <= g.interval[1] for g in groups.values())
    assert decision.threshold == threshold and decision.note is None
    nobody = decision_evidence(spec, 0.9, (y, scores), holdout, scores)
    assert nobody.holdout_share == 0 and "flags no holdout customer" in nobody.note


def test_wilson_interval_of_zero_is_not_zero_wide():
    low, high = wilson(0, 50)
    assert low == 0 and 0.05 < high < 0.1


def _two_groups(pred, n=600, seed=0):
    rng = np.random.default_rng(seed)
    gender = np.where(np.arange(n) % 2 == 0, "F", "M")
    y = (rng.random(n) < 0.3).astype(int)
    sensitive = pd.DataFrame({"gender": gender, "age_band": rng.choice(["18-34", "35+"], n)})
    return assess_fairness(y, pred(y, rng), sensitive, task="binary", seed=1)


def _gates(report):
    gates = [FairnessGate(feature="gender", metric=m, max=0.15) for m in ("demographic_parity_difference", "equalized_odds_difference")]
    spec = CHURN.model_copy(update={"gates": CHURN.gates.model_copy(update={"fairness": gates})})
    return fairness_gates(spec, report)


def test_a_policy_that_flags_nobody_leaves_decision_gates_not_measured():
    report = _two_groups(lambda y, rng: np.zeros(len(y), dtype=int))
    results = _gates(report)
    assert all(r.status in FAILS_CLOSED and r.observed is None for r in results)
    assert all("not measured: the decision policy flags too few" in r.reason for r in results)
    assert "F: 0 of 300 flagged" in results[0].reason
    everyone = _gates(_two_groups(lambda y, rng: np.ones(len(y), dtype=int)))
    assert all(r.status in FAILS_CLOSED and "not measured" in r.reason for r in everyone)


def test_a_policy_that_acts_on_enough_customers_is_measured():
    report = _two_groups(lambda y, rng: ((y + rng.random(len(y))) > 0.9).astype(int))
    assert all(r.observed is not None and "not measured" not in r.reason for r in _gates(report))


def test_decision_policy_changes_are_rule_changes():
    before = {"decision_threshold": 0.5}
    assert decision_changes(before, {"decision": {"kind": "threshold", "threshold": 0.5}}) == []
    (line,) = decision_changes(before, {"decision": {"kind": "share", "share": None}})
    assert line == "decision policy kind threshold, threshold 0.5 -> kind share"
    assert decision_changes(None, {"decision": {"kind": "share"}}) == []


def test_each_model_is_compared_at_its_own_threshold():
    y, scores = _rare(n=800)
    other = np.clip(scores + np.random.default_rng(1).normal(0, 0.05, len(y)), 0, 1)
    result = paired_bootstrap("binary", "f1", y, scores, other, resamples=200, threshold=(0.2, 0.3))
    assert result.challenger == pytest.approx(float(metric_values("binary", "f1", y, scores, 0.2)))
    assert result.champion == pytest.approx(float(metric_values("binary", "f1", y, other, 0.3)))


def test_a_recorded_version_acts_at_its_fitted_threshold_and_an_older_one_at_its_own():
    fitted = Decision(kind="share", policy="act on the top share", threshold=0.21)
    assert threshold_of(fitted, 0.5) == 0.21
    assert threshold_of(None, 0.35) == 0.35
    assert threshold_of(None) == 0.5
