import json
from pathlib import Path

import pandas as pd
import pytest

from govern.core.errors import DataValidationError
from govern.data.splits import Split, split_data
from govern.demo.customers import generate_customers
from govern.spec.model import load_spec
from tests.conftest import clv_on_customer_table

MODELS = Path(__file__).parents[2] / "models"


@pytest.fixture(scope="module")
def churn():
    return load_spec("churn", MODELS)


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return generate_customers(1200, seed=4, months=10)


def without_time(spec):
    return spec.model_copy(update={"data": spec.data.model_copy(update={"time_column": None})})


def ids(frame: pd.DataFrame) -> set:
    return set(frame["customer_id"])


def test_time_split_puts_later_dates_in_holdout(churn, customers):
    split = split_data(customers.sample(frac=1.0, random_state=0), churn)
    assert isinstance(split, Split) and split.strategy == "time"
    assert split.train["snapshot_date"].max() < split.valid["snapshot_date"].min()
    assert split.valid["snapshot_date"].max() < split.holdout["snapshot_date"].min()
    assert not ids(split.train) & ids(split.valid)
    assert not ids(split.train) & ids(split.holdout)
    assert not ids(split.valid) & ids(split.holdout)
    assert len(split.train) + len(split.valid) + len(split.holdout) == len(customers)
    assert abs(len(split.holdout) / len(customers) - 0.2) < 0.06
    rest = len(customers) - len(split.holdout)
    assert abs(len(split.valid) / rest - 0.2) < 0.08
    assert list(split.train.index) == list(range(len(split.train)))


def test_time_split_keeps_whole_dates_together(churn, customers):
    split = split_data(customers, churn)
    dates = [set(part["snapshot_date"]) for part in (split.train, split.valid, split.holdout)]
    assert not dates[0] & dates[1] and not dates[1] & dates[2] and not dates[0] & dates[2]


def test_description_is_json_and_complete(churn, customers):
    split = split_data(customers, churn)
    description = json.loads(json.dumps(split.description))
    assert description["strategy"] == "time"
    assert description["cutoffs"]["holdout_start"] == split.holdout["snapshot_date"].min().isoformat()
    for name, part in (("train", split.train), ("valid", split.valid), ("holdout", split.holdout)):
        info = description["parts"][name]
        assert info["rows"] == len(part)
        assert info["time_range"][0] == part["snapshot_date"].min().isoformat()
        assert info["positive_rate"] == pytest.approx(part["churned"].mean(), abs=1e-4)


def test_random_split_without_time_column_is_stratified_and_seeded(churn, customers):
    spec = without_time(churn)
    split = split_data(customers, spec)
    assert split.strategy == "random" and split.description["seed"] == 7
    assert abs(len(split.holdout) / len(customers) - 0.2) < 0.02
    assert abs(len(split.valid) / (len(customers) - len(split.holdout)) - 0.2) < 0.02
    assert not ids(split.train) & ids(split.holdout) and not ids(split.valid) & ids(split.holdout)
    rate = customers["churned"].mean()
    for part in (split.train, split.valid, split.holdout):
        assert abs(part["churned"].mean() - rate) < 0.02
    again = split_data(customers, spec)
    assert again.holdout["customer_id"].tolist() == split.holdout["customer_id"].tolist()


def test_single_date_falls_back_to_random(churn):
    frame = generate_customers(600, seed=1, months=1)
    split = split_data(frame, churn)
    assert split.strategy == "random"
    assert "fallback" in split.description and "1 distinct date" in split.description["fallback"]
    assert abs(len(split.holdout) / len(frame) - 0.2) < 0.02


def test_two_dates_cannot_cut_twice_and_fall_back(churn):
    frame = generate_customers(400, seed=1, months=2)
    split = split_data(frame, churn)
    assert split.strategy == "random" and "2 distinct date" in split.description["fallback"]


def test_regression_split_describes_target_mean(customers):
    spec = clv_on_customer_table(load_spec("clv", MODELS))
    split = split_data(customers, spec)
    assert split.strategy == "time"
    assert "target_mean" in split.description["parts"]["train"]


def test_one_class_part_is_refused_naming_it(churn, customers):
    frame = customers.copy()
    holdout_start = split_data(frame, churn).holdout["snapshot_date"].min()
    frame.loc[frame["snapshot_date"] >= holdout_start, "churned"] = 0
    with pytest.raises(DataValidationError, match="holdout part of the split is one-class"):
        split_data(frame, churn)


def test_too_few_rows_is_refused(churn):
    frame = generate_customers(2, seed=1, months=1)
    with pytest.raises(DataValidationError) as caught:
        split_data(frame, without_time(churn))
    assert "\n" not in str(caught.value)
