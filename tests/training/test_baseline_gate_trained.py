"""A real CatBoost challenger that is significantly worse than logistic regression fails
the baseline gate, and one that is fitted properly passes; the Tweedie objective trains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from govern.data.splits import Split
from govern.evidence.verdict import FAILED, PASSED
from govern.gates import rules as gates
from govern.spec.model import parse_spec
from govern.training import baseline, tuning
from govern.training.comparison import compare
from tests.conftest import REPO

pytestmark = pytest.mark.integration

FEATURES = ["a", "b", "c", "d", "e", "f"]


def _spec(**tuning_changes):
    raw = yaml.safe_load((REPO / "models" / "churn.yaml").read_text())
    raw["gates"] = {"champion": {"metric": "roc_auc", "margin": 0.0, "resamples": 300}}  # the baseline gate is on by default
    raw["tuning"].update(tuning_changes)
    return parse_spec(raw)


def _split(n=3000, seed=0):
    """A label drawn from a logistic model of six features: logistic regression is the truth."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, len(FEATURES))), columns=FEATURES)
    frame["churned"] = (rng.random(n) < 1 / (1 + np.exp(-frame[FEATURES].sum(axis=1)))).astype(int)
    third = n // 3
    return Split(frame[:third], frame[third:2 * third], frame[2 * third:], "random", {})


def _judge(spec, split, model):
    model.fit(pd.concat([split.train, split.valid])[FEATURES], pd.concat([split.train, split.valid]).churned)
    scores = tuning.predict(spec, model, split.holdout)
    found = baseline.assess_baseline(spec, split, FEATURES, [], scores, compare)
    metrics = {"roc_auc": float(found.comparison.challenger), "brier": 0.1}
    return gates.evaluate_gates(spec, metrics=metrics, comparison=None, champion_version=None, baselines=baseline.gate_evidence(found))


def test_a_challenger_significantly_worse_than_logistic_regression_fails():
    spec, split = _spec(), _split()
    stump = tuning.make_model(spec, {"depth": 2, "learning_rate": 0.03}, [], iterations=1)
    report = _judge(spec, split, stump)
    [result] = [r for r in report.results if r.kind == "baseline"]
    assert result.gate == "roc_auc vs logistic regression" and result.status == FAILED
    assert result.interval[1] < 0 and "wholly misses" in result.reason
    assert not report.passed


def test_a_challenger_that_beats_logistic_regression_passes():
    rng = np.random.default_rng(1)
    split = _split(seed=1)
    for part in (split.train, split.valid, split.holdout):  # an interaction logistic regression cannot see
        flip = rng.random(len(part)) < 1 / (1 + np.exp(-4 * part.a * part.b))
        part["churned"] = flip.astype(int)
    spec = _spec()
    report = _judge(spec, split, tuning.make_model(spec, {"depth": 4, "learning_rate": 0.1}, [], iterations=300))
    [result] = [r for r in report.results if r.kind == "baseline"]
    assert result.status == PASSED and result.interval[0] > 0


def test_tweedie_objective_fits_zero_inflated_spend():
    raw = yaml.safe_load((REPO / "models" / "clv.yaml").read_text())
    raw["tuning"]["objective"] = "tweedie"
    spec = parse_spec(raw)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=2000)})
    y = np.where(rng.random(2000) < 0.3, rng.gamma(2.0, np.exp(2 + X.x) / 2), 0.0)
    model = tuning.make_model(spec, {}, [], iterations=100)
    assert model.get_params()["loss_function"] == tuning.TWEEDIE
    model.fit(X, y)
    predicted = tuning.predict(spec, model, X)
    assert (predicted > 0).all() and predicted.mean() == pytest.approx(y.mean(), rel=0.25)  # the spend scale, not its log
