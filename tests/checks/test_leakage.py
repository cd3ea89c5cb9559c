"""The leakage check with real CatBoost fits on small demo data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from govern.checks.leakage import (
    absolute_rank_correlation,
    assess_leakage,
    folded_auc,
    out_of_fold_target_mean,
)
from govern.evidence.evaluation import Comparison
from govern.evidence.verdict import FAILED, NOT_MEASURED, PASSED
from govern.training.tuning import make_model
from tests.checks.leakage_story import ITERATIONS, assess, clv_copy, midpoint, spec_named, training


def test_planted_label_copy_fails_naming_the_column_on_both_signals(churn_planted):
    report, gate = assess(spec_named("churn"), churn_planted)
    assert gate.kind == "leakage" and gate.status == FAILED
    assert gate.reason.startswith("possible leak: churn_flag alone has AUC 0.9")
    assert "churn_flag carries" in gate.reason and "of importance > 70%" in gate.reason
    assert {(f.signal, f.column) for f in report.findings} == {("univariate", "churn_flag"), ("importance", "churn_flag")}
    assert report.columns[0].column == "churn_flag"


@pytest.mark.integration
@pytest.mark.parametrize("name", ["churn", "clv"])
def test_demo_data_passes_and_every_column_is_reported(name, churn_demo):
    spec = spec_named(name)
    fitted = churn_demo if name == "churn" else training(spec)
    report, gate = assess(spec, fitted)
    assert gate.status == PASSED, gate.reason
    assert gate.reason.startswith("no leak signal: strongest single feature")
    assert report.findings == []
    assert {c.column for c in report.columns} == set(fitted[1])
    assert all(c.univariate is not None and c.importance_share is not None for c in report.columns)
    assert sum(c.importance_share for c in report.columns) == pytest.approx(1.0)
    assert report.measure == ("roc_auc" if name == "churn" else "spearman")


def test_acknowledged_column_passes_but_is_still_reported(churn_planted):
    report, gate = assess(spec_named("churn", acknowledged=["churn_flag"]), churn_planted)
    assert gate.status == PASSED
    assert "acknowledged by the spec: churn_flag alone has AUC" in gate.reason
    assert report.findings and all(f.acknowledged for f in report.findings)
    assert report.columns[0].column == "churn_flag" and report.columns[0].acknowledged


def test_disabled_gate_is_not_measured_never_passed(churn_planted):
    report, gate = assess(spec_named("churn", enabled=False), churn_planted)
    assert gate.status == NOT_MEASURED
    assert "disabled by the spec" in gate.reason
    assert report.to_dict()["status"] == NOT_MEASURED and report.columns == []


@pytest.mark.integration
def test_id_like_category_carries_no_signal_out_of_fold(churn_demo):
    train, features, categorical, _ = churn_demo
    spec = spec_named("churn")
    y = train["churned"].to_numpy(dtype=float)
    in_fold = train.groupby("customer_id")["churned"].transform("mean").to_numpy()
    assert roc_auc_score(y, in_fold) == 1.0
    out_of_fold = out_of_fold_target_mean(train["customer_id"], y, seed=spec.split.seed)
    assert folded_auc(out_of_fold[:, None], y)[0] == pytest.approx(0.5)
    model = make_model(spec, midpoint(spec), categorical + ["customer_id"], ITERATIONS)
    model.fit(train[features + ["customer_id"]], y)
    report = assess_leakage(spec, train, features + ["customer_id"], categorical + ["customer_id"], model, None)
    assert not [f for f in report.findings if f.column == "customer_id"]


def test_a_category_that_copies_the_label_is_caught(churn_demo):
    train, features, categorical, model = churn_demo
    rng = np.random.default_rng(3)
    train = train.assign(churn_reason=np.where(rng.random(len(train)) < 0.95, train["churned"].map({0: "none", 1: "moved"}), "none"))
    report = assess_leakage(spec_named("churn"), train, features + ["churn_reason"], categorical + ["churn_reason"], model, None)
    assert [(f.signal, f.column) for f in report.findings] == [("univariate", "churn_reason")]


def test_missing_values_rank_last_and_their_pattern_is_caught(churn_demo):
    train, features, categorical, model = churn_demo
    rng = np.random.default_rng(5)
    holes = train["tenure_months"].astype(float).where(rng.random(len(train)) > 0.3)
    revealing = pd.Series(rng.normal(size=len(train)), index=train.index).where(train["churned"] == 0)
    train = train.assign(tenure_months=holes, cancelled_at=revealing)
    report = assess_leakage(spec_named("churn"), train, features + ["cancelled_at"], categorical, model, None)
    signal = {c.column: c.univariate for c in report.columns}
    assert 0.5 <= signal["tenure_months"] < 0.9
    assert signal["cancelled_at"] == pytest.approx(1.0)
    assert [f.column for f in report.findings] == ["cancelled_at"]


def test_gain_over_champion_ceiling_trips_with_a_champion_only(churn_demo):
    spec = spec_named("churn", max_gain_over_champion=0.05)
    implausible = Comparison("roc_auc", 0.98, 0.86, 0.12, 0.10, 0.14, 0.95, 1000, 600)
    modest = Comparison("roc_auc", 0.87, 0.86, 0.01, -0.01, 0.03, 0.95, 1000, 600)
    report, gate = assess(spec, churn_demo, implausible)
    assert gate.status == FAILED and "roc_auc gain over the champion +0.12 > 0.05" in gate.reason
    assert report.gain_over_champion == pytest.approx(0.12)
    assert assess(spec, churn_demo, modest)[1].status == PASSED
    report, gate = assess(spec, churn_demo, None)
    assert gate.status == PASSED and report.gain_over_champion is None
    assert assess(spec_named("churn"), churn_demo, implausible)[1].status == PASSED


@pytest.mark.integration
def test_regression_leak_fails_on_rank_correlation_and_importance():
    spec = spec_named("clv")
    report, gate = assess(spec, training(spec, clv_copy))
    assert gate.status == FAILED
    assert "clv_estimate alone has rank correlation 0.9" in gate.reason and "clv_estimate carries" in gate.reason
    assert {f.column for f in report.findings} == {"clv_estimate"}


def test_signals_match_scikit_learn_and_scipy():
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.3).astype(float)
    x = np.column_stack([rng.integers(0, 5, 400) + y, rng.normal(size=400) - y, np.ones(400)])
    expected = [max(a, 1 - a) for a in (roc_auc_score(y, col) for col in x.T)]
    assert folded_auc(x, y) == pytest.approx(expected)
    target = rng.gamma(2.0, size=400)
    z = np.column_stack([target + rng.normal(size=400), -np.round(target), np.ones(400)])
    rho = [abs(spearmanr(z[:, 0], target).statistic), abs(spearmanr(z[:, 1], target).statistic), 0.0]
    assert absolute_rank_correlation(z, target) == pytest.approx(rho)


def test_report_serialises_to_json(churn_planted):
    report, _ = assess(spec_named("churn"), churn_planted)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["status"] == FAILED and data["measure"] == "roc_auc"
    assert data["ceilings"] == {"univariate": 0.9, "importance_share": 0.7, "gain_over_champion": None}
    assert set(data["columns"][0]) == {"column", "kind", "univariate", "importance_share", "acknowledged"}
    assert set(data["findings"][0]) == {"signal", "column", "value", "ceiling", "acknowledged", "message"}


# A feature far stronger than every other, and what dropping the strongest costs (issue 18).

