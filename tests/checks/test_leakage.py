"""The leakage check with real CatBoost fits on small demo data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from govern.checks.leakage import (
    absolute_rank_correlation,
    assess_leakage,
    folded_auc,
    leakage_gates,
    out_of_fold_target_mean,
)
from govern.data import splits, validation
from govern.demo import customers as demo_data
from govern.evidence.evaluation import Comparison
from govern.evidence.verdict import FAILED, NOT_MEASURED, PASSED
from govern.spec.model import parse_spec
from govern.training.tuning import make_model
from tests.conftest import CLV_ON_CUSTOMER_TABLE

MODELS = Path(__file__).parents[2] / "models"
# The check reads only these sections; the rest of the demo specs is not its business.
SECTIONS = ("name", "task", "primary_metric", "data", "split", "tuning", "card")
ROWS = 1500
ITERATIONS = 60


def _spec(name: str, **leakage):
    raw = yaml.safe_load((MODELS / f"{name}.yaml").read_text())
    raw = {k: v for k, v in raw.items() if k in SECTIONS}
    raw["gates"] = {"leakage": leakage}
    if name == "clv":
        raw["data"] = dict(CLV_ON_CUSTOMER_TABLE)
    return parse_spec(raw, origin=name)


def _midpoint(spec) -> dict:
    space = spec.tuning.search_space
    return {
        "depth": (space["depth"].low + space["depth"].high) // 2,
        "learning_rate": math.sqrt(space["learning_rate"].low * space["learning_rate"].high),
        "l2_leaf_reg": math.sqrt(space["l2_leaf_reg"].low * space["l2_leaf_reg"].high),
    }


def _training(spec, plant=None, seed: int = 0):
    """Training plus validation rows of the demo data (as the flow refits on), a fitted model."""
    frame = validation.validate_frame(demo_data.generate_customers(ROWS, seed=seed), spec)
    if plant is not None:
        frame = plant(frame, np.random.default_rng(seed + 1000))
    features = validation.feature_columns(frame.columns, spec)
    categorical = validation.categorical_columns(frame, features)
    split = splits.split_data(frame, spec)
    train = pd.concat([split.train, split.valid])
    model = make_model(spec, _midpoint(spec), categorical, ITERATIONS)
    model.fit(train[features], train[spec.data.target])
    return train, features, categorical, model


def _label_copy(frame, rng):
    keep = rng.random(len(frame)) < 0.95
    frame["churn_flag"] = np.where(keep, frame["churned"], rng.integers(0, 2, len(frame)))
    return frame


def _clv_copy(frame, rng):
    target = frame["clv_12m"].to_numpy()
    frame["clv_estimate"] = target + rng.normal(0, 0.1 * target.std(), len(frame))
    return frame


@pytest.fixture(scope="module")
def churn_demo():
    return _training(_spec("churn"))


@pytest.fixture(scope="module")
def churn_planted():
    return _training(_spec("churn"), _label_copy)


def _assess(spec, fitted, comparison=None):
    train, features, categorical, model = fitted
    report = assess_leakage(spec, train, features, categorical, model, comparison)
    return report, leakage_gates(spec, report)[0]


def test_planted_label_copy_fails_naming_the_column_on_both_signals(churn_planted):
    report, gate = _assess(_spec("churn"), churn_planted)
    assert gate.kind == "leakage" and gate.status == FAILED
    assert gate.reason.startswith("possible leak: churn_flag alone has AUC 0.9")
    assert "churn_flag carries" in gate.reason and "of importance > 70%" in gate.reason
    assert {(f.signal, f.column) for f in report.findings} == {("univariate", "churn_flag"), ("importance", "churn_flag")}
    assert report.columns[0].column == "churn_flag"


@pytest.mark.integration
@pytest.mark.parametrize("name", ["churn", "clv"])
def test_demo_data_passes_and_every_column_is_reported(name, churn_demo):
    spec = _spec(name)
    fitted = churn_demo if name == "churn" else _training(spec)
    report, gate = _assess(spec, fitted)
    assert gate.status == PASSED, gate.reason
    assert gate.reason.startswith("no leak signal: strongest single feature")
    assert report.findings == []
    assert {c.column for c in report.columns} == set(fitted[1])
    assert all(c.univariate is not None and c.importance_share is not None for c in report.columns)
    assert sum(c.importance_share for c in report.columns) == pytest.approx(1.0)
    assert report.measure == ("roc_auc" if name == "churn" else "spearman")


def test_acknowledged_column_passes_but_is_still_reported(churn_planted):
    report, gate = _assess(_spec("churn", acknowledged=["churn_flag"]), churn_planted)
    assert gate.status == PASSED
    assert "acknowledged by the spec: churn_flag alone has AUC" in gate.reason
    assert report.findings and all(f.acknowledged for f in report.findings)
    assert report.columns[0].column == "churn_flag" and report.columns[0].acknowledged


def test_disabled_gate_is_not_measured_never_passed(churn_planted):
    report, gate = _assess(_spec("churn", enabled=False), churn_planted)
    assert gate.status == NOT_MEASURED
    assert "disabled by the spec" in gate.reason
    assert report.to_dict()["status"] == NOT_MEASURED and report.columns == []


@pytest.mark.integration
def test_id_like_category_carries_no_signal_out_of_fold(churn_demo):
    train, features, categorical, _ = churn_demo
    spec = _spec("churn")
    y = train["churned"].to_numpy(dtype=float)
    in_fold = train.groupby("customer_id")["churned"].transform("mean").to_numpy()
    assert roc_auc_score(y, in_fold) == 1.0
    out_of_fold = out_of_fold_target_mean(train["customer_id"], y, seed=spec.split.seed)
    assert folded_auc(out_of_fold[:, None], y)[0] == pytest.approx(0.5)
    model = make_model(spec, _midpoint(spec), categorical + ["customer_id"], ITERATIONS)
    model.fit(train[features + ["customer_id"]], y)
    report = assess_leakage(spec, train, features + ["customer_id"], categorical + ["customer_id"], model, None)
    assert not [f for f in report.findings if f.column == "customer_id"]


def test_a_category_that_copies_the_label_is_caught(churn_demo):
    train, features, categorical, model = churn_demo
    rng = np.random.default_rng(3)
    train = train.assign(churn_reason=np.where(rng.random(len(train)) < 0.95, train["churned"].map({0: "none", 1: "moved"}), "none"))
    report = assess_leakage(_spec("churn"), train, features + ["churn_reason"], categorical + ["churn_reason"], model, None)
    assert [(f.signal, f.column) for f in report.findings] == [("univariate", "churn_reason")]


def test_missing_values_rank_last_and_their_pattern_is_caught(churn_demo):
    train, features, categorical, model = churn_demo
    rng = np.random.default_rng(5)
    holes = train["tenure_months"].astype(float).where(rng.random(len(train)) > 0.3)
    revealing = pd.Series(rng.normal(size=len(train)), index=train.index).where(train["churned"] == 0)
    train = train.assign(tenure_months=holes, cancelled_at=revealing)
    report = assess_leakage(_spec("churn"), train, features + ["cancelled_at"], categorical, model, None)
    signal = {c.column: c.univariate for c in report.columns}
    assert 0.5 <= signal["tenure_months"] < 0.9
    assert signal["cancelled_at"] == pytest.approx(1.0)
    assert [f.column for f in report.findings] == ["cancelled_at"]


def test_gain_over_champion_ceiling_trips_with_a_champion_only(churn_demo):
    spec = _spec("churn", max_gain_over_champion=0.05)
    implausible = Comparison("roc_auc", 0.98, 0.86, 0.12, 0.10, 0.14, 0.95, 1000, 600)
    modest = Comparison("roc_auc", 0.87, 0.86, 0.01, -0.01, 0.03, 0.95, 1000, 600)
    report, gate = _assess(spec, churn_demo, implausible)
    assert gate.status == FAILED and "roc_auc gain over the champion +0.12 > 0.05" in gate.reason
    assert report.gain_over_champion == pytest.approx(0.12)
    assert _assess(spec, churn_demo, modest)[1].status == PASSED
    report, gate = _assess(spec, churn_demo, None)
    assert gate.status == PASSED and report.gain_over_champion is None
    assert _assess(_spec("churn"), churn_demo, implausible)[1].status == PASSED


@pytest.mark.integration
def test_regression_leak_fails_on_rank_correlation_and_importance():
    spec = _spec("clv")
    report, gate = _assess(spec, _training(spec, _clv_copy))
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
    report, _ = _assess(_spec("churn"), churn_planted)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["status"] == FAILED and data["measure"] == "roc_auc"
    assert data["ceilings"] == {"univariate": 0.9, "importance_share": 0.7, "gain_over_champion": None}
    assert set(data["columns"][0]) == {"column", "kind", "univariate", "importance_share", "acknowledged"}
    assert set(data["findings"][0]) == {"signal", "column", "value", "ceiling", "acknowledged", "message"}


# A feature far stronger than every other, and what dropping the strongest costs (issue 18).

from govern.checks.leakage_ablation import DOMINANT_SHARE_RATIO, dominance  # noqa: E402


def _agreeing(frame, rng):
    """A column agreeing with the label on 85% of rows: under both absolute ceilings."""
    keep = rng.random(len(frame)) < 0.85
    frame["agrees"] = np.where(keep, frame["churned"], 1 - frame["churned"])
    return frame


def _holdout(spec, plant=None, seed: int = 0) -> pd.DataFrame:
    """The holdout of the same split ``_training`` fits on."""
    frame = validation.validate_frame(demo_data.generate_customers(ROWS, seed=seed), spec)
    if plant is not None:
        frame = plant(frame, np.random.default_rng(seed + 1000))
    return splits.split_data(frame, spec).holdout


@pytest.fixture(scope="module")
def churn_agreeing():
    return _training(_spec("churn"), _agreeing)


@pytest.mark.integration
def test_a_feature_far_stronger_than_all_others_is_named_under_the_ceilings(churn_agreeing):
    spec = _spec("churn")
    train, features, categorical, model = churn_agreeing
    report = assess_leakage(spec, train, features, categorical, model, None, holdout=_holdout(spec, _agreeing))
    gate = leakage_gates(spec, report)[0]
    agrees = next(c for c in report.columns if c.column == "agrees")
    assert agrees.univariate < 0.9 and agrees.importance_share < 0.7, agrees
    assert [(f.signal, f.column) for f in report.findings] == [("dominance", "agrees")]
    assert gate.status == FAILED
    assert gate.reason.startswith("possible leak: agrees carries ") and "far stronger than every other feature" in gate.reason
    ablation = report.ablation
    assert ablation.column == "agrees" and ablation.judged_on == "holdout" and ablation.metric == "roc_auc"
    assert ablation.drop == pytest.approx(ablation.with_column - ablation.without_column) and ablation.drop > 0.03
    assert f"without agrees roc_auc falls by {ablation.drop:.4g}" in gate.reason
    assert json.loads(json.dumps(report.to_dict()))["ablation"]["column"] == "agrees"
    accepted = assess_leakage(_spec("churn", acknowledged=["agrees"]), train, features, categorical, model, None)
    gate = leakage_gates(spec, accepted)[0]
    assert gate.status == PASSED and "acknowledged by the spec: agrees carries" in gate.reason
    assert accepted.ablation.judged_on == "held-out training" and "without agrees roc_auc falls by" in gate.reason


@pytest.mark.integration
@pytest.mark.parametrize("name", ["churn", "clv"])
def test_demo_data_passes_and_reports_what_dropping_its_strongest_feature_costs(name, churn_demo):
    spec = _spec(name)
    fitted = churn_demo if name == "churn" else _training(spec)
    train, features, categorical, model = fitted
    report = assess_leakage(spec, train, features, categorical, model, None, holdout=_holdout(spec))
    gate = leakage_gates(spec, report)[0]
    assert gate.status == PASSED and report.findings == [], gate.reason
    strongest = max(report.columns, key=lambda c: c.importance_share).column
    assert report.ablation.column == strongest and report.ablation.rows == len(_holdout(spec))
    assert report.ablation.metric == ("roc_auc" if name == "churn" else spec.primary_metric)
    moved = "falls" if name == "churn" else "rises"  # rmse: lower is better
    assert f"; without {strongest} {report.ablation.metric} {moved} by {report.ablation.drop:.4g}" in gate.reason


@pytest.mark.integration
def test_an_ablation_that_cannot_be_measured_is_said_and_the_ceilings_still_judge(churn_planted, churn_demo):
    spec = _spec("churn")
    train, features, categorical, model = churn_planted
    unlabeled = _holdout(spec, _label_copy).drop(columns=["churned"])
    report = assess_leakage(spec, train, features, categorical, model, None, holdout=unlabeled)
    gate = leakage_gates(spec, report)[0]
    assert report.ablation is None and report.ablation_note.startswith("ablation not measured (KeyError")
    assert gate.status == FAILED and "ablation not measured" in gate.reason
    train, features, categorical, model = churn_demo
    report = assess_leakage(spec, train, features, categorical, model, None, holdout=_holdout(spec).drop(columns=["churned"]))
    assert leakage_gates(spec, report)[0].status == PASSED and report.to_dict()["ablation"] is None


def test_dominance_needs_a_share_several_times_the_next_or_a_large_auc_gap():
    shares = {"a": 0.64, "b": 0.128, "c": 0.1}
    signals = {"a": 0.85, "b": 0.80, "c": 0.6}
    column, value, ceiling, why = dominance(signals, shares, binary=True)
    assert (column, value, ceiling) == ("a", 0.64, pytest.approx(DOMINANT_SHARE_RATIO * 0.128))
    assert why == "a carries 64% of importance, 5.0x the next feature's 13%"
    assert dominance(signals, {"a": 0.46, "b": 0.2, "c": 0.19}, binary=True) is None  # a genuine driver, as in the CLV demo
    gap = dominance({"a": 0.87, "b": 0.72, "c": None}, {"a": 0.4, "b": 0.3, "c": None}, binary=True)
    assert gap[:2] == ("a", 0.87) and gap[3] == "a alone has AUC 0.87, 0.15 above the next feature's 0.72"
    assert dominance({"a": 0.87, "b": 0.72}, {"a": 0.4, "b": 0.3}, binary=False) is None  # a gap of rank correlations is no AUC gap
    assert dominance({"a": 0.9}, {"a": 1.0}, binary=True) is None  # one feature: nothing to be stronger than
