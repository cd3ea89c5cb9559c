"""The checks that a challenger-champion comparison means something, without a registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from catboost import CatBoostClassifier
from sklearn.metrics import roc_auc_score

from govern.core.errors import GovernError
from govern.data.overlap import hash_ids, id_salt, salt_fingerprint, seen_by
from govern.data.validation import categorical_columns, feature_columns, validate_frame
from govern.demo.customers import generate_customers
from govern.spec.model import load_spec
from govern.stores.champion import Champion
from govern.training.comparison import auc_upper_bound, champion_scores, evaluate
from tests.record_story import minimal_record

MODELS = Path(__file__).parents[2] / "models"
SALT = "test-salt"


@pytest.fixture(scope="module")
def churn():
    spec = load_spec("churn", MODELS)
    gates = spec.gates.model_copy(update={"champion": spec.gates.champion.model_copy(update={"resamples": 200})})
    return spec.model_copy(update={"gates": gates})


@pytest.fixture(scope="module")
def rows(churn):
    return validate_frame(generate_customers(1200, seed=3), churn)


@pytest.fixture(scope="module")
def model(churn, rows):
    features = feature_columns(rows.columns, churn)
    fitted = CatBoostClassifier(iterations=60, depth=4, verbose=False, random_seed=0, cat_features=tuple(categorical_columns(rows, features)))
    return fitted.fit(rows.iloc[:800][features], rows.iloc[:800]["churned"])


def _champion(model, *, labels=None, trained_ids=None):
    record = minimal_record(labels=labels, overlap={"salt": salt_fingerprint(SALT)}, metrics={"challenger": {}})
    return Champion(version="1", model=model, record=record, training_ids=trained_ids)


def test_auc_upper_bound_covers_the_estimate_and_narrows_with_data():
    wide, narrow = auc_upper_bound(0.45, 20, 20), auc_upper_bound(0.45, 2000, 2000)
    assert wide > narrow > 0.45
    assert wide > 0.5 > narrow


def test_a_champion_with_the_opposite_positive_class_stops_the_comparison(churn, rows, model):
    champion = _champion(model, labels={"positive": 1, "negative": 0, "declared": False})
    with pytest.raises(GovernError, match="labels are encoded differently"):
        champion_scores(churn, champion, rows.iloc[800:], {"positive": 0, "negative": 1, "declared": True})


def test_labels_spelled_differently_are_not_a_flip(churn, rows, model):
    champion = _champion(model, labels={"positive": 1, "negative": 0, "declared": False})
    scores, note = champion_scores(churn, champion, rows.iloc[800:], {"positive": "Churned", "negative": "Stayed", "declared": True})
    assert scores is not None and note == ""


def test_a_champion_below_chance_stops_the_comparison(churn, rows, model):
    flipped = rows.iloc[800:].assign(churned=1 - rows.iloc[800:]["churned"])
    with pytest.raises(GovernError, match="below chance"):
        champion_scores(churn, _champion(model), flipped, None)


def test_no_champion_gives_no_scores_and_its_note(churn, rows):
    scores, note = champion_scores(churn, Champion(version=None, note="no champion yet"), rows, None)
    assert scores is None and note == "no champion yet"


def test_overlap_counts_the_holdout_rows_the_champion_trained_on(churn, rows, model):
    holdout = rows.iloc[800:].reset_index(drop=True)
    trained = hash_ids(pd.concat([rows.iloc[:800]["customer_id"], holdout["customer_id"].iloc[:100]]), SALT)
    champion = _champion(model, trained_ids=trained)
    scores, note = champion_scores(churn, champion, holdout, None)
    result = evaluate(churn, model, holdout, champion, scores, note, SALT)
    overlap = result.overlap
    assert overlap.measured and overlap.seen_rows == 100
    assert overlap.share == pytest.approx(100 / len(holdout))
    unseen = overlap.comparison_unseen
    assert unseen.rows == len(holdout) - 100
    assert result.comparison.rows == len(holdout)


def test_overlap_with_another_salt_is_not_measured(churn, rows, model):
    holdout = rows.iloc[800:].reset_index(drop=True)
    champion = _champion(model, trained_ids=hash_ids(holdout["customer_id"], SALT))
    champion.record.overlap.salt = salt_fingerprint("another")
    result = evaluate(churn, model, holdout, champion, *champion_scores(churn, champion, holdout, None), SALT)
    assert result.overlap.measured is False and "another salt" in result.overlap.note


def test_id_hashes_are_keyed_and_type_blind():
    ids = pd.Series([7, 8, 9])
    assert np.array_equal(hash_ids(ids, "a"), hash_ids(ids.astype(str), "a"))
    assert not np.array_equal(hash_ids(ids, "a"), hash_ids(ids, "b"))
    assert seen_by(pd.Series(["7", "10"]), hash_ids(ids, "a"), "a").tolist() == [True, False]
    assert id_salt("churn") != id_salt("clv")


def test_challenger_metrics_carry_intervals(churn, rows, model):
    holdout = rows.iloc[800:].reset_index(drop=True)
    result = evaluate(churn, model, holdout, Champion(version=None), None, "", SALT)
    low, high = result.intervals["roc_auc"]
    assert low <= result.metrics["roc_auc"] <= high
    assert result.metrics["roc_auc"] == pytest.approx(roc_auc_score(holdout["churned"], result.challenger_scores))
