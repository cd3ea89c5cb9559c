"""The card's pictures and the compact curve data they are drawn from, on small data.

The curve tables are checked against scikit-learn (``roc_curve``, ``calibration_curve``,
``roc_auc_score``), the SHAP importance against CatBoost's own additivity (SHAP values
plus the expected value give the raw score), and every picture is drawn from a record
holding only what ``record.json`` holds.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from catboost import CatBoostClassifier, CatBoostRegressor, Pool
from sklearn.calibration import calibration_curve
from sklearn.metrics import auc, roc_auc_score

from govern.card import plots
from govern.card import render as cards
from govern.stats.evaluation import bootstrap_interval
from govern.training import curves, explanations
from govern.training.comparison import INTERVAL_METRICS
from tests.record_story import minimal_record

PNG = b"\x89PNG\r\n\x1a\n"


def _binary(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"strong": rng.normal(size=n), "weak": rng.normal(size=n), "group": rng.choice(["a", "b", "c"], n)})
    y = (frame.strong + 0.2 * frame.weak + rng.normal(scale=0.8, size=n) > 0.4).astype(int)
    model = CatBoostClassifier(iterations=40, depth=3, verbose=0, random_seed=0, cat_features=("group",)).fit(frame, y)
    return frame, y.to_numpy(), model, model.predict_proba(frame)[:, 1]


@pytest.mark.integration
def test_roc_points_are_scikit_learns_curve_thinned_with_the_same_area():
    _, y, _, scores = _binary()
    roc = curves.roc_points(y, scores, max_points=200)
    assert len(roc.fpr) <= 200 and (roc.fpr[0], roc.tpr[0]) == (0.0, 0.0) and (roc.fpr[-1], roc.tpr[-1]) == (1.0, 1.0)
    assert auc(roc.fpr, roc.tpr) == pytest.approx(roc_auc_score(y, scores), abs=0.005)
    assert curves.roc_points(np.zeros(10), np.linspace(0, 1, 10)) is None


@pytest.mark.integration
def test_calibration_bins_match_scikit_learns_uniform_bins():
    _, y, _, scores = _binary()
    bins = curves.calibration_bins(y, scores, bins=10)
    true, predicted = calibration_curve(y, scores, n_bins=10, strategy="uniform")
    np.testing.assert_allclose([b.observed_rate for b in bins], true)
    np.testing.assert_allclose([b.mean_predicted for b in bins], predicted)
    assert sum(b.rows for b in bins) == len(y)


@pytest.mark.integration
def test_deciles_rank_highest_first_and_gain_reaches_every_positive():
    _, y, _, scores = _binary()
    table = curves.deciles(y, scores)
    assert [d.decile for d in table] == list(range(1, 11)) and sum(d.rows for d in table) == len(y)
    assert table[0].mean_score > table[-1].mean_score and table[0].lift > 1 > table[-1].lift
    assert table[-1].cumulative_gain == pytest.approx(1.0)
    assert curves.deciles(np.linspace(0, 5, 50), np.linspace(0, 5, 50))[0].lift is None  # no lift for a continuous target


def test_residuals_by_group_are_quantiles_of_observed_minus_predicted():
    y, predicted = np.arange(8, dtype=float), np.zeros(8)
    groups = pd.Series(["x"] * 4 + ["y"] * 4)
    x, yy = curves.residuals_by_group(y, predicted, groups)
    assert (x.group, x.rows, x.median) == ("x", 4, 1.5) and yy.mean == 5.5


@pytest.mark.integration
def test_shap_importance_is_catboosts_and_adds_up_to_the_raw_score():
    frame, _, model, _ = _binary()
    values = explanations.shap_values(model, frame.head(200))
    raw = model.predict(frame.head(200), prediction_type="RawFormulaVal")
    expected = model.get_feature_importance(data=Pool(frame.head(200), cat_features=["group"]), type="ShapValues")[:, -1]
    np.testing.assert_allclose(values.sum(axis=1) + expected, raw, atol=1e-6)
    found = explanations.explain(frame, {"challenger": model, "champion": None}, ["group"], max_rows=500)
    assert found.rows == 500 and list(found.overall["challenger"])[0] == "strong" and "champion" not in found.overall
    assert set(found.by_group["group"]) == {"a", "b", "c"} and 0 <= found.sensitive_inputs["group"] < 0.2


@pytest.mark.integration
def test_every_interval_metric_gets_a_finite_interval():
    _, y, _, scores = _binary(n=400)
    for metric in INTERVAL_METRICS["binary"]:
        low, high = bootstrap_interval("binary", metric, y, scores, threshold=0.5, resamples=200)
        assert np.isfinite(low) and np.isfinite(high) and low <= high, metric


def _binary_record():
    frame, y, model, scores = _binary(n=800)
    other = np.clip(scores + np.random.default_rng(1).normal(scale=0.1, size=len(y)), 0, 1)
    found = explanations.explain(frame, {"challenger": model, "champion": model}, ["group"])
    return {
        "model": "m", "version": 2, "task": "binary", "champion": {"version": "1"}, "baseline": {"kind": "logistic regression", "fitted": True},
        "curves": curves.curve_evidence("binary", y, {"challenger": scores, "champion": other, "baseline": other * 0.9}, {"group": frame.group}),
        "explanations": found.to_dict(),
        "fairness": {"task": "binary", "min_group_size": 30, "min_class_size": 10, "confidence": 0.95, "resamples": 100, "seed": 0, "features": {"group": {
            "groups": [
                {"group": "a", "size": 500, "count": 500, "positives": 150, "negatives": 350, "small": False, "selection_rate": 0.3,
                 "true_positive_rate": 0.6, "false_positive_rate": 0.1, "precision": 0.5, "roc_auc": 0.8,
                 "intervals": {"selection_rate": [0.2, 0.4], "true_positive_rate": [0.5, 0.7], "false_positive_rate": [0.05, 0.15], "roc_auc": [0.7, 0.9]}},
                {"group": "b", "size": 300, "count": 300, "positives": 3, "negatives": 297, "small": False, "selection_rate": 0.2, "true_positive_rate": None,
                 "false_positive_rate": 0.2, "precision": None, "roc_auc": None, "insufficient": {"true_positive_rate": "3 positives < 10"}, "intervals": {}},
            ],
            "overall": {"selection_rate": 0.26, "true_positive_rate": 0.6, "false_positive_rate": 0.15, "precision": 0.5, "roc_auc": 0.8, "count": 800},
        }}},
        "drift": {"columns": {"strong": {"score": 0.2, "threshold": 0.1, "drifted": True, "method": "wasserstein", "kind": "distance"},
                              "group": {"score": 0.01, "threshold": 0.1, "drifted": False, "method": "jensenshannon", "kind": "distance"}}},
    }


@pytest.mark.integration
def test_every_binary_picture_is_drawn_from_the_record_alone():
    record = json.loads(json.dumps(_binary_record()))  # only what record.json can hold
    drawn = plots.pictures(minimal_record(**record))
    assert set(drawn) == {"importance", "importance_by_group", "roc", "calibration", "gain", "groups", "drift"}
    assert all(p.png.startswith(PNG) and len(p.png) > 5000 for p in drawn.values())


@pytest.mark.integration
def test_regression_pictures_and_nothing_drawn_without_evidence():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=600), "group": rng.choice(["a", "b"], 600)})
    y = 3 * frame.x + rng.normal(size=600)
    model = CatBoostRegressor(iterations=30, verbose=0, cat_features=("group",)).fit(frame, y)
    record = {"model": "r", "version": 1, "task": "regression", "champion": {"version": None},
              "curves": curves.curve_evidence("regression", y, {"challenger": model.predict(frame), "champion": None}, {"group": frame.group})}
    assert set(plots.pictures(minimal_record(**json.loads(json.dumps(record))))) == {"predicted_observed", "residuals"}
    assert plots.pictures(minimal_record()) == {}


@pytest.mark.integration
def test_html_places_each_picture_at_its_mark_and_drops_marks_without_one():
    drawn = plots.pictures(minimal_record(**_binary_record()))
    page = cards.render_html("# Card\n\n<!-- picture:roc -->\n\n<!-- picture:residuals -->\n", "Card", drawn)
    assert page.count("<img ") == 1 and 'src="data:image/png;base64,' in page and "picture:" not in page


def test_metric_order_is_the_platforms_whatever_the_stored_order():
    stored = {"recall": 0.1, "roc_auc": 0.8, "brier": 0.2, "custom": 1.0}
    assert cards._in_order(json.loads(json.dumps(stored))) == ["roc_auc", "brier", "recall", "custom"]


@pytest.mark.integration
def test_group_points_are_red_where_evidence_is_short_and_bare_without_an_interval():
    from matplotlib.colors import to_hex

    figure = plots.groups(minimal_record(**json.loads(json.dumps(_binary_record()))))
    selection, tpr = figure.axes[0], figure.axes[1]

    def points(ax):
        return sorted((float(x), to_hex(line.get_color())) for line in ax.get_lines() if line.get_marker() == "o" for x in line.get_xdata())

    # Group a has an interval (one error bar, blue); b has evidence short for a metric (red), no interval, no TPR at all.
    assert points(selection) == [(0.0, plots.COLOURS["challenger"]), (1.0, "#c03030")]
    assert points(tpr) == [(0.0, plots.COLOURS["challenger"])]
    assert len(selection.containers) == 1  # one error-bar artist for the groups with intervals
