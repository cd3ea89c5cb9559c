"""Issue 18's transaction-log case: a CLV table built at two cutoffs, 180 days apart.

Each customer seen at both cutoffs has two rows, and the early row's target (spend in
the 180 days after the first cutoff) is exactly the later row's feature ``spend_180d``.
Splitting the rows at random (the old silent fallback for two dates) puts most holdout
customers' other snapshot in training, so the model learns holdout features as targets.
The split now keeps every customer on one side and every training target before the
holdout's cutoff.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from sklearn.model_selection import train_test_split

from govern.core.errors import DataValidationError
from govern.data import validation
from govern.data.entities import customer_ids
from govern.data.splits import split_data
from govern.data.transactions import build_customer_table
from govern.demo.transactions import generate_transactions
from govern.spec.model import parse_spec
from tests.conftest import REPO

HORIZON = pd.Timedelta(days=180)


@pytest.fixture(scope="module")
def spec():
    raw = yaml.safe_load((REPO / "models" / "clv.yaml").read_text())
    raw["data"]["transactions"].update(snapshots=2, attributes=None)
    raw["fairness"]["sensitive_features"], raw["gates"]["fairness"] = [], []
    return parse_spec(raw)


@pytest.fixture(scope="module")
def table(spec):
    log, _ = generate_transactions(1500, seed=3)
    built, note = build_customer_table(log, spec)
    assert list(note.rows_per_cutoff) == ["2025-07-05", "2026-01-01"]
    return validation.validate_frame(built, spec)


def customers(frame: pd.DataFrame) -> set:
    return set(customer_ids(frame["customer_id"]))


def test_an_early_target_is_a_later_feature_so_a_row_split_leaks(table):
    table = table.assign(customer=customer_ids(table["customer_id"]))
    early, late = (table[table.cutoff_date == d].set_index("customer") for d in sorted(table.cutoff_date.unique()))
    both = early.index.intersection(late.index)
    assert len(both) > 0.8 * len(early)
    assert (early.loc[both, "clv_180d"] == late.loc[both, "spend_180d"]).all()
    # what the old fallback did with two dates: rows drawn at random, customers ignored
    rest, holdout = train_test_split(table, test_size=0.2, random_state=11)
    shared = len(customers(holdout) & customers(rest)) / len(customers(holdout))
    assert shared > 0.7


def test_no_customer_on_both_sides_and_no_training_target_past_the_holdout_cutoff(table, spec):
    split = split_data(table, spec)
    assert split.strategy == "time"
    train, valid, holdout = customers(split.train), customers(split.valid), customers(split.holdout)
    assert not train & holdout and not valid & holdout and not train & valid
    fitted = pd.concat([split.train, split.valid])
    assert (fitted["cutoff_date"] + HORIZON <= split.holdout["cutoff_date"].min()).all()
    assert split.description["purge"]["target_window_days"] == 180 and split.description["purge"]["purged_rows"] == 0
    assert split.description["ids"]["key"] == "customer (the id before its @cutoff)"
    assert split.description["set_aside"]["rows"] == len(table) - len(fitted) - len(split.holdout)
    assert split.description["reason"] == "split.strategy: time in the spec"  # models/clv.yaml says it
    # the early target can no longer meet its later feature across the split
    targets = split.train.assign(customer=customer_ids(split.train["customer_id"])).set_index("customer")["clv_180d"]
    features = split.holdout.assign(customer=customer_ids(split.holdout["customer_id"])).set_index("customer")["spend_180d"]
    assert targets.index.intersection(features.index).empty


def test_random_and_group_splits_of_these_snapshots_are_refused(table, spec):
    for strategy, message in (("random", "rows of one id on both sides"), ("group", "target window")):
        asked = spec.model_copy(update={"split": spec.split.model_copy(update={"strategy": strategy})})
        with pytest.raises(DataValidationError, match=message) as caught:
            split_data(table, asked)
        assert "\n" not in str(caught.value)
