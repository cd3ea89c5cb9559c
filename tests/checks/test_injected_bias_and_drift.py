"""The platform catches what the demo generator injects, and only that.

Bias and drift of a known size go in through the generator's knobs; the fairness and
drift gates of the bundled churn spec must fail with them and never fail without them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from catboost import CatBoostClassifier

from govern.checks.drift.assess import assess_drift, method_options
from govern.checks.fairness.assess import assess_fairness
from govern.data import validation
from govern.demo import customers as demo_data
from govern.gates.rules import drift_gates, fairness_gates
from govern.spec.model import load_spec
from govern.training.policy import fit_threshold

SPEC = load_spec("churn", Path(__file__).parents[2] / "models")


def _fairness_verdict(bias: float):
    """Train on biased history, judge on biased holdout rows, as the flow does."""
    train = validation.validate_frame(demo_data.generate_customers(3000, bias=bias, seed=1), SPEC)
    holdout = validation.validate_frame(demo_data.generate_customers(3000, bias=bias, seed=2, id_offset=10_000), SPEC)
    features = validation.feature_columns(train.columns, SPEC)
    categorical = validation.categorical_columns(train, features)
    model = CatBoostClassifier(iterations=150, depth=4, cat_features=tuple(categorical), verbose=False, random_seed=0, allow_writing_files=False)
    model.fit(train[features], train["churned"])
    scores = model.predict_proba(holdout[features])[:, 1]
    threshold = fit_threshold(SPEC.decision, train["churned"], model.predict_proba(train[features])[:, 1])  # the spec's policy
    report = assess_fairness(
        holdout["churned"].to_numpy(), (scores >= threshold).astype(int), holdout[SPEC.fairness.sensitive_features],
        task="binary", y_score=scores, min_group_size=SPEC.fairness.min_group_size,
        min_class_size=SPEC.fairness.min_class_size, resamples=SPEC.fairness.resamples, seed=SPEC.split.seed,
    )
    return fairness_gates(SPEC, report)


@pytest.mark.integration
def test_injected_bias_fails_the_fairness_gate():
    results = {r.gate: r for r in _fairness_verdict(bias=0.8)}
    gate = results["demographic_parity_difference by age_band"]
    assert gate.status == "failed", gate.reason
    assert gate.observed > 0.25
    assert gate.interval[0] < gate.observed < gate.interval[1]
    assert "95% interval" in gate.reason


@pytest.mark.integration
def test_no_bias_never_fails_the_fairness_gates():
    """Without injected bias no gate fails; a 3,000-row holdout may leave one inconclusive."""
    results = _fairness_verdict(bias=0.0)
    assert all(r.status in ("passed", "inconclusive") for r in results), [r.reason for r in results]
    assert any(r.status == "passed" for r in results), [r.reason for r in results]


def _drift_verdict(drift: float, tmp_path: Path):
    reference = validation.validate_frame(demo_data.generate_customers(2000, seed=3), SPEC)
    current = validation.validate_frame(demo_data.generate_customers(2000, drift=drift, seed=4, start="2026-07-01", id_offset=50_000), SPEC)
    features = validation.feature_columns(reference.columns, SPEC)
    summary = assess_drift(
        reference[features], current[features], columns=features, out_dir=tmp_path,
        categorical=validation.categorical_columns(reference, features), **method_options(SPEC.gates.drift),
    )
    return summary, drift_gates(SPEC, summary)[0]


def test_injected_drift_fails_the_drift_gate_and_names_the_column(tmp_path):
    summary, gate = _drift_verdict(0.6, tmp_path)
    assert gate.status == "failed"
    assert "tenure_months" in summary.drifted_columns
    assert "tenure_months drifted" in gate.reason
    html = (tmp_path / "drift.html").read_text()
    assert "tenure_months" in html and "window.drawDashboard" in html  # the report draws the column, its viewer inline
    assert "tenure_months" in (tmp_path / "drift.json").read_text()


def test_no_drift_passes_the_drift_gate(tmp_path):
    summary, gate = _drift_verdict(0.0, tmp_path)
    assert gate.status == "passed", gate.reason
    assert summary.drifted_columns == []


def test_drift_share_grows_with_injected_drift(tmp_path):
    """Only injected columns are flagged, some already at a mild shift, all at a strong one."""
    mild, _ = _drift_verdict(0.3, tmp_path / "mild")
    strong, _ = _drift_verdict(1.0, tmp_path / "strong")
    assert mild.drifted_columns, "a mild injected shift went unnoticed"
    assert set(mild.drifted_columns) <= set(demo_data.DRIFTED_COLUMNS)
    assert set(strong.drifted_columns) == set(demo_data.DRIFTED_COLUMNS)
    assert mild.drifted_share < strong.drifted_share
