"""Fairness gates judge the whole bootstrap interval three-way, and fail on missing evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from govern.checks.fairness.assess import assess_fairness
from govern.gates.rules import fairness_gates
from govern.spec.model import FairnessGate, load_spec

SPEC = load_spec("churn", Path(__file__).parents[2] / "models")


def _spec(*gates):
    return SPEC.model_copy(update={"gates": SPEC.gates.model_copy(update={"fairness": list(gates)})})


def _report(gap: float, n: int = 400, seed: int = 0):
    """Two genders whose selection rates differ by about ``gap``."""
    rng = np.random.default_rng(seed)
    gender = rng.choice(["F", "M"], n)
    y = rng.integers(0, 2, n)
    rate = np.where(gender == "F", 0.5 + gap / 2, 0.5 - gap / 2)
    pred = (rng.random(n) < rate).astype(int)
    sensitive = pd.DataFrame({"gender": gender, "age_band": rng.choice(["18-34", "35+"], n)})
    return assess_fairness(y, pred, sensitive, task="binary", seed=1)


def test_an_interval_across_the_ceiling_is_inconclusive_whatever_judge_says():
    report = _report(0.10)
    value = report.features["gender"].disparities["demographic_parity_difference"]
    low, high = report.features["gender"].intervals["demographic_parity_difference"]
    ceiling = round((value + high) / 2, 3)  # between the estimate and the upper end
    point, bound = fairness_gates(_spec(
        FairnessGate(feature="gender", metric="demographic_parity_difference", max=ceiling, judge="point"),
        FairnessGate(feature="gender", metric="demographic_parity_difference", max=ceiling, judge="bound"),
    ), report)
    assert point.status == bound.status == "inconclusive"
    assert point.observed == bound.observed == value
    assert point.interval == bound.interval == (low, high)
    assert (point.on_inconclusive, bound.on_inconclusive) == ("acknowledge", "fail")  # judge: bound keeps its old verdict
    assert "95% interval [" in point.reason and "straddles" in point.reason and point.mde is not None


def test_a_floor_reads_the_whole_interval():
    report = _report(0.10)
    ratio = report.features["gender"].disparities["demographic_parity_ratio"]
    low, high = report.features["gender"].intervals["demographic_parity_ratio"]
    across, under, over = (round((ratio + low) / 2, 3), round(low - 0.01, 3), round(high + 0.01, 3))
    results = fairness_gates(_spec(*(FairnessGate(feature="gender", metric="demographic_parity_ratio", min=f) for f in (across, under, over))), report)
    assert [r.status for r in results] == ["inconclusive", "passed", "failed"]


def test_missing_evidence_fails_as_not_measured():
    rng = np.random.default_rng(3)
    n = 200
    gender = np.array(["F"] * 195 + ["M"] * 5)
    report = assess_fairness(rng.integers(0, 2, n), rng.integers(0, 2, n), pd.DataFrame({"gender": gender, "age_band": ["x"] * n}), task="binary")
    gate = FairnessGate(feature="gender", metric="equalized_odds_difference", max=0.5)
    (result,) = fairness_gates(_spec(gate), report)
    assert result.status == "failed" and result.observed is None
    assert result.reason.startswith("not measured: only 1 group has at least 10 positives")
    (no_report,) = fairness_gates(_spec(gate), None)
    assert no_report.status == "failed" and no_report.reason.startswith("not measured:")
    (unassessed,) = fairness_gates(_spec(gate), report.model_copy(update={"features": {}}))
    assert unassessed.status == "failed" and "was not assessed" in unassessed.reason
