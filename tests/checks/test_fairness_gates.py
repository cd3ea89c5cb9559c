"""Fairness gates judge the point estimate or the conservative bound, and fail on missing evidence."""

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


def test_judge_point_passes_where_judge_bound_fails():
    report = _report(0.10)
    value = report.features["gender"].disparities["demographic_parity_difference"]
    high = report.features["gender"].intervals["demographic_parity_difference"][1]
    ceiling = round((value + high) / 2, 3)  # between the estimate and the upper end
    point, bound = fairness_gates(_spec(
        FairnessGate(feature="gender", metric="demographic_parity_difference", max=ceiling, judge="point"),
        FairnessGate(feature="gender", metric="demographic_parity_difference", max=ceiling, judge="bound"),
    ), report)
    assert point.status == "passed" and bound.status == "failed"
    assert point.observed == bound.observed == value
    assert point.interval == bound.interval == tuple(report.features["gender"].intervals["demographic_parity_difference"])
    assert "judged on the point estimate" in point.reason and "95% interval [" in point.reason
    assert f"judged on the upper end {high:.4g}" in bound.reason and "misses" in bound.reason


def test_a_floor_judged_on_the_bound_reads_the_lower_end():
    report = _report(0.10)
    ratio = report.features["gender"].disparities["demographic_parity_ratio"]
    low = report.features["gender"].intervals["demographic_parity_ratio"][0]
    floor = round((ratio + low) / 2, 3)
    point, bound = fairness_gates(_spec(
        FairnessGate(feature="gender", metric="demographic_parity_ratio", min=floor),
        FairnessGate(feature="gender", metric="demographic_parity_ratio", min=floor, judge="bound"),
    ), report)
    assert point.status == "passed" and bound.status == "failed"
    assert f"lower end {low:.4g}" in bound.reason


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
