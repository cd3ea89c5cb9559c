"""Three-way verdicts: an interval wholly on the good side passes, wholly on the bad side
fails, across the bound is inconclusive; what inconclusive does is the gate's
``on_inconclusive``; every interval gate carries the smallest difference it could detect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.checks.fairness.assess import assess_fairness
from govern.evidence.evaluation import Comparison
from govern.evidence.verdict import FAILED, INCONCLUSIVE, NOT_MEASURED, PASSED, GateReport, GateResult
from govern.gates.changes import describe_changes
from govern.gates.rules import champion_gate, fairness_gates, metric_gates
from govern.gates.threeway import interval_status, margin_bound, minimum_detectable_effect, verdict_words
from govern.spec.model import FairnessGate, MetricGate, load_spec

SPEC = load_spec("churn", Path(__file__).parents[2] / "models")
Z_975, Z_80 = 1.959964, 0.841621


def _spec(**gates):
    return SPEC.model_copy(update={"gates": SPEC.gates.model_copy(update=gates)})


@pytest.mark.parametrize(
    "interval, low, high, status",
    [
        ((0.72, 0.80), 0.70, None, PASSED),  # floor: wholly above
        ((0.60, 0.68), 0.70, None, FAILED),  # floor: wholly below
        ((0.66, 0.74), 0.70, None, INCONCLUSIVE),  # floor: across
        ((0.70, 0.74), 0.70, None, PASSED),  # touching the floor meets it
        ((0.05, 0.09), None, 0.10, PASSED),  # ceiling: wholly below
        ((0.11, 0.30), None, 0.10, FAILED),  # ceiling: wholly above
        ((0.006, 0.121), None, 0.10, INCONCLUSIVE),  # the gender EOD against 0.10
        ((0.40, 0.60), 0.3, 0.7, PASSED),  # both bounds met
        ((0.65, 0.80), 0.3, 0.7, INCONCLUSIVE),  # across the ceiling of two
        ((0.75, 0.80), 0.3, 0.7, FAILED),
    ],
)
def test_interval_status(interval, low, high, status):
    assert interval_status(interval, low, high) == status


@pytest.mark.parametrize(
    "gate, value, interval, status",
    [
        (MetricGate(metric="roc_auc", min=0.70), 0.76, (0.72, 0.80), PASSED),
        (MetricGate(metric="roc_auc", min=0.70), 0.64, (0.60, 0.68), FAILED),
        (MetricGate(metric="roc_auc", min=0.70), 0.71, (0.66, 0.76), INCONCLUSIVE),
        (MetricGate(metric="brier", max=0.20), 0.15, (0.13, 0.17), PASSED),
        (MetricGate(metric="brier", max=0.20), 0.25, (0.22, 0.28), FAILED),
        (MetricGate(metric="brier", max=0.20), 0.19, (0.17, 0.22), INCONCLUSIVE),
    ],
)
def test_metric_gates_are_three_way_on_the_interval(gate, value, interval, status):
    (result,) = metric_gates(_spec(metrics=[gate]), {gate.metric: value}, {gate.metric: interval})
    assert result.status == status and result.interval == interval
    assert result.mde == pytest.approx(minimum_detectable_effect(interval))
    assert f"[{interval[0]:.4g}, {interval[1]:.4g}]" in result.reason
    assert result.on_inconclusive == "fail"  # the metric default


def test_a_metric_without_an_interval_is_judged_on_its_point_and_says_so():
    (result,) = metric_gates(_spec(metrics=[MetricGate(metric="roc_auc", min=0.7)]), {"roc_auc": 0.71})
    assert result.status == PASSED and result.mde is None and "judged on the point estimate" in result.reason


def _comparison(delta, lower, upper):
    return Comparison("roc_auc", 0.80 + delta, 0.80, delta, lower, upper, 0.95, 1000, 600)


@pytest.mark.parametrize(
    "lower, upper, status",
    [(-0.005, 0.02, PASSED), (-0.05, -0.02, FAILED), (-0.03, 0.01, INCONCLUSIVE)],
)
def test_champion_gate_is_three_way_against_minus_margin(lower, upper, status):
    (result,) = champion_gate(SPEC, _comparison((lower + upper) / 2, lower, upper), "1")  # margin 0.01
    assert result.status == status and result.interval == (lower, upper)
    assert result.mde == pytest.approx((Z_975 + Z_80) * (upper - lower) / 2 / Z_975, rel=1e-5)
    assert GateReport.judge([result]).passed == (status == PASSED)  # inconclusive fails under the default, as before


def test_mde_from_an_interval():
    # 95% interval [0.091, 0.261]: SE = 0.085 / 1.96, MDE = 2.80 SE = 0.1215
    assert minimum_detectable_effect((0.091, 0.261)) == pytest.approx((Z_975 + Z_80) * 0.085 / Z_975, rel=1e-5)
    assert minimum_detectable_effect((0.091, 0.261)) == pytest.approx(0.1215, abs=1e-4)
    # a 90% interval of the same width means a larger standard error
    assert minimum_detectable_effect((0.0, 0.2), confidence=0.90) == pytest.approx((Z_975 + Z_80) * 0.1 / 1.644854, rel=1e-5)
    assert minimum_detectable_effect(None) is None
    assert minimum_detectable_effect((0.1, 0.1)) == 0.0


def _inconclusive(policy):
    return GateResult("eod by gender", "fairness", INCONCLUSIVE, 0.05, "<= 0.1", "straddles", (0.0, 0.2), 0.14, policy)


@pytest.mark.parametrize(
    "policy, passed, acknowledge, warned",
    [("warn", True, [], True), ("acknowledge", True, ["eod by gender"], True), ("fail", False, [], False), (None, False, [], False)],
)
def test_on_inconclusive_decides_eligibility(policy, passed, acknowledge, warned):
    ok = GateResult("roc_auc", "metric", PASSED, 0.8, ">= 0.7", "ok", (0.75, 0.85), 0.07, "fail")
    report = GateReport.judge([ok, _inconclusive(policy)])
    assert report.passed == passed  # fail (or no policy at all) fails closed: not eligible
    assert report.needs_acknowledgement == acknowledge  # acknowledge: eligible only with an approval naming it
    assert (report.warnings != []) == warned and (report.failures != []) == (not passed)
    assert report.inconclusive == [report.results[1]]


def test_fairness_default_is_acknowledge_and_judge_bound_means_fail():
    gate = {"feature": "gender", "metric": "equalized_odds_difference", "max": 0.15}
    assert FairnessGate(**gate).on_inconclusive == "acknowledge"
    assert FairnessGate(**gate, judge="bound").on_inconclusive == "fail"
    assert FairnessGate(**gate, judge="bound", on_inconclusive="warn").on_inconclusive == "warn"
    assert FairnessGate(**gate, judge="point").on_inconclusive == "acknowledge"
    assert MetricGate(metric="roc_auc", min=0.7).on_inconclusive == "fail"
    assert SPEC.gates.champion.on_inconclusive == "fail"


def _two_challengers(n: int = 400):
    """One split (labels and groups), two challengers whose selection rates differ
    between the groups by exactly 0.06 and 0.14."""
    rng = np.random.default_rng(7)
    gender = np.array(["F", "M"] * (n // 2))
    y = rng.integers(0, 2, n)
    sensitive = pd.DataFrame({"gender": gender, "age_band": rng.choice(["18-34", "35+"], n)})
    rank = rng.permutation(n // 2)
    reports = []
    for gap in (0.06, 0.14):
        pred = np.zeros(n, dtype=int)
        for group, rate in (("F", 0.5 + gap / 2), ("M", 0.5 - gap / 2)):
            rows = np.flatnonzero(gender == group)
            pred[rows[rank < round(rate * len(rows))]] = 1
        reports.append(assess_fairness(y, pred, sensitive, task="binary", seed=1))
    return reports


def test_two_challengers_straddling_the_bound_get_the_same_verdict_whatever_their_estimates():
    gate = FairnessGate(feature="gender", metric="demographic_parity_difference", max=0.10)
    first, second = (fairness_gates(_spec(fairness=[gate]), r)[0] for r in _two_challengers())
    # the point estimates lie on either side of the ceiling: judged on the point they would split
    assert first.observed < 0.10 < second.observed
    assert first.interval[0] < 0.10 < first.interval[1] and second.interval[0] < 0.10 < second.interval[1]
    assert first.status == second.status == INCONCLUSIVE
    assert GateReport.judge([first]).passed == GateReport.judge([second]).passed
    assert GateReport.judge([first]).needs_acknowledgement == GateReport.judge([second]).needs_acknowledgement == [gate.metric + " by gender"]
    for result in (first, second):
        assert result.mde == pytest.approx(minimum_detectable_effect(result.interval))
        assert f"cannot tell a demographic_parity_difference under {result.mde:.2g} from zero" in result.reason


def test_mde_reaches_gates_json_and_the_cli_line_names_the_gate():
    result = _inconclusive("acknowledge")
    data = GateReport.judge([result]).to_dict()
    assert data["results"][0]["mde"] == 0.14 and data["results"][0]["status"] == "inconclusive"
    assert GateReport.model_validate(data).results[0].on_inconclusive == "acknowledge"
    unmeasured = GateResult("data drift", "drift", NOT_MEASURED, None, "", "not measured: no later data")
    assert unmeasured.line() == "data drift: not measured: no later data"
    named = GateResult("roc_auc", "metric", FAILED, 0.6, ">= 0.7", "roc_auc = 0.6 misses >= 0.7")
    assert named.line() == "roc_auc = 0.6 misses >= 0.7"


def test_sentences_read_plainly():
    assert margin_bound(0.0) == ">= 0" and margin_bound(0.01) == ">= -0.01"
    words = verdict_words(INCONCLUSIVE, "<= 0.15", 0.2141, "acknowledge", what="equalized_odds_difference")
    assert "this holdout cannot tell an equalized_odds_difference under 0.21 from zero" in words
    assert verdict_words(PASSED, ">= 0.7", 0.05, "fail") == "interval wholly meets >= 0.7: passed"


@pytest.mark.parametrize(
    "before, after, direction",
    [("acknowledge", "warn", "loosens"), ("fail", "acknowledge", "loosens"), ("warn", "fail", "tightens")],
)
def test_a_changed_on_inconclusive_is_a_rule_change_with_its_direction(before, after, direction):
    old = SPEC.gates.model_dump(mode="json")
    new = SPEC.gates.model_dump(mode="json")
    old["fairness"][0]["on_inconclusive"], new["fairness"][0]["on_inconclusive"] = before, after
    gate = f"{new['fairness'][0]['metric']} by {new['fairness'][0]['feature']}"
    assert describe_changes(old, new) == [f"fairness gate {gate} on_inconclusive {before} -> {after} ({direction})"]
