import json
from pathlib import Path

import pandas as pd
import pytest

from govern.core.errors import DataValidationError, SpecError
from govern.data.splits import Split, split_data
from govern.demo.customers import generate_customers
from govern.evidence.record import SplitSection
from govern.spec.model import load_spec, parse_spec
from tests.conftest import clv_on_customer_table

MODELS = Path(__file__).parents[2] / "models"


@pytest.fixture(scope="module")
def churn():
    return load_spec("churn", MODELS)


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return generate_customers(1200, seed=4, months=10)


def with_split(spec, **split):
    return spec.model_copy(update={"split": spec.split.model_copy(update=split)})


def without_time(spec):
    return spec.model_copy(update={"data": spec.data.model_copy(update={"time_column": None})})


def ids(frame: pd.DataFrame) -> set:
    return set(frame["customer_id"])


def snapshots(customers: int, months: int, seed: int = 5) -> pd.DataFrame:
    """Every customer seen once a month: ``months`` rows per id, one per snapshot date."""
    frame = generate_customers(customers * months, seed=seed, months=months).sort_values("snapshot_date", kind="stable")
    frame["customer_id"] = [f"K{i % customers:05d}" for i in range(len(frame))]
    return frame.reset_index(drop=True)


def assert_ids_apart(split: Split) -> None:
    parts = [ids(split.train), ids(split.valid), ids(split.holdout)]
    assert not parts[0] & parts[1] and not parts[0] & parts[2] and not parts[1] & parts[2]
    assert split.description["ids"]["shared_between_parts"] == 0


# --- time split -------------------------------------------------------------------------


def test_time_split_puts_later_dates_in_holdout(churn, customers):
    split = split_data(customers.sample(frac=1.0, random_state=0), churn)
    assert isinstance(split, Split) and split.strategy == "time"
    assert split.train["snapshot_date"].max() < split.valid["snapshot_date"].min()
    assert split.valid["snapshot_date"].max() < split.holdout["snapshot_date"].min()
    assert_ids_apart(split)
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


def test_time_split_keeps_every_snapshot_of_a_customer_in_one_part(churn):
    frame = snapshots(400, 6)
    split = split_data(frame, churn)
    assert split.strategy == "time"
    assert_ids_apart(split)
    assert split.train["snapshot_date"].max() < split.valid["snapshot_date"].min() <= split.valid["snapshot_date"].max() < split.holdout["snapshot_date"].min()
    used = len(split.train) + len(split.valid) + len(split.holdout)
    assert split.description["set_aside"]["rows"] == len(frame) - used > 0
    assert "400 ids have rows in more than one period" in split.description["set_aside"]["why"]
    assert split.holdout["customer_id"].nunique() == pytest.approx(0.2 * 400, abs=2)


def test_time_split_purges_training_rows_whose_target_window_reaches_the_holdout(churn, customers):
    plain = split_data(customers, churn)
    assert plain.description["purge"] == {
        "target_window_days": None, "purged_rows": 0,
        "note": "not declared (split.target_window_days): training targets not checked against the holdout's first date",
    }
    spec = with_split(churn, target_window_days=45)  # monthly snapshots: the month before the holdout reaches into it
    split = split_data(customers, spec)
    first = split.holdout["snapshot_date"].min()
    fitted = pd.concat([split.train, split.valid])
    assert (fitted["snapshot_date"] + pd.Timedelta(days=45) <= first).all()
    purged = int(((plain.valid["snapshot_date"] + pd.Timedelta(days=45)) > first).sum())
    assert purged > 0 and split.description["purge"]["purged_rows"] == purged
    assert len(fitted) == len(plain.train) + len(plain.valid) - purged
    assert split.description["purge"]["holdout_first_date"] == first.isoformat()


def test_a_purge_that_empties_a_part_says_so(churn):
    frame = generate_customers(600, seed=1, months=3)  # Jan, Feb, Mar: February's 30 days reach past March 1
    with pytest.raises(DataValidationError, match=r"valid part of the split is empty .*\d+ rows purged because their target window") as caught:
        split_data(frame, with_split(churn, target_window_days=30))
    assert "\n" not in str(caught.value)


def test_two_dates_give_a_time_split_with_validation_drawn_by_id(churn):
    frame = generate_customers(400, seed=1, months=2)
    split = split_data(frame, churn)
    assert split.strategy == "time"
    assert split.holdout["snapshot_date"].min() > split.train["snapshot_date"].max()
    assert set(split.valid["snapshot_date"]) == set(split.train["snapshot_date"])
    assert "drawn by id" in split.description["valid"]
    assert_ids_apart(split)


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
        split_data(frame, with_split(without_time(churn), strategy="random"))
    assert "\n" not in str(caught.value)


# --- group split ------------------------------------------------------------------------


def test_group_split_keeps_every_id_in_one_part_across_all_three(churn):
    frame = snapshots(500, 4)
    split = split_data(frame, without_time(churn))
    assert split.strategy == "group"
    assert_ids_apart(split)
    assert len(split.train) + len(split.valid) + len(split.holdout) == len(frame)  # nothing set aside
    for part in (split.train, split.valid, split.holdout):
        assert (part["customer_id"].value_counts() == 4).all()  # each id with all its rows
    assert split.holdout["customer_id"].nunique() == 100 and split.valid["customer_id"].nunique() == 80
    again = split_data(frame, without_time(churn))
    assert again.holdout["customer_id"].tolist() == split.holdout["customer_id"].tolist()


def test_group_split_on_request_ignores_the_time_column(churn, customers):
    split = split_data(customers, with_split(churn, strategy="group"))
    assert split.strategy == "group" and split.description["reason"] == "split.strategy: group in the spec"
    assert_ids_apart(split)
    assert len(set(split.holdout["snapshot_date"])) == customers["snapshot_date"].nunique()


def test_group_split_of_snapshots_with_a_target_window_is_refused(churn, customers):
    spec = with_split(churn, strategy="group", target_window_days=30)
    with pytest.raises(DataValidationError, match=r"group split of snapshots gives \d+ training rows a target window") as caught:
        split_data(customers, spec)
    assert "use split.strategy: time" in str(caught.value) and "\n" not in str(caught.value)


# --- random split: only on request ------------------------------------------------------


def test_random_split_is_refused_unless_asked(churn, customers):
    with pytest.raises(DataValidationError, match="set split.strategy: random") as caught:
        split_data(customers, without_time(churn))
    assert "\n" not in str(caught.value)


def test_single_date_is_refused_not_split_at_random(churn):
    frame = generate_customers(600, seed=1, months=1)
    with pytest.raises(DataValidationError, match="1 distinct date") as caught:
        split_data(frame, churn)
    assert "split.strategy: group" in str(caught.value) and "\n" not in str(caught.value)
    assert split_data(frame, with_split(churn, strategy="random")).strategy == "random"


def test_random_split_on_request_is_stratified_seeded_and_says_why(churn, customers):
    spec = with_split(without_time(churn), strategy="random")
    split = split_data(customers, spec)
    assert split.strategy == "random" and split.description["seed"] == 7
    assert split.description["reason"] == "split.strategy: random in the spec"
    assert abs(len(split.holdout) / len(customers) - 0.2) < 0.02
    assert abs(len(split.valid) / (len(customers) - len(split.holdout)) - 0.2) < 0.02
    assert_ids_apart(split)
    rate = customers["churned"].mean()
    for part in (split.train, split.valid, split.holdout):
        assert abs(part["churned"].mean() - rate) < 0.02
    again = split_data(customers, spec)
    assert again.holdout["customer_id"].tolist() == split.holdout["customer_id"].tolist()


def test_random_split_with_repeated_ids_is_refused_even_on_request(churn):
    with pytest.raises(DataValidationError, match="rows of one id on both sides.*use split.strategy: group"):
        split_data(snapshots(200, 3), with_split(without_time(churn), strategy="random"))


def test_time_split_on_request_needs_a_time_column(churn, customers):
    with pytest.raises(DataValidationError, match="split.strategy: time needs data.time_column"):
        split_data(customers, with_split(without_time(churn), strategy="time"))


def test_split_strategy_is_one_of_the_known_kinds():
    raw = load_spec("churn", MODELS).model_dump(mode="json")
    raw["split"]["strategy"] = "shuffle"
    with pytest.raises(SpecError, match="strategy"):
        parse_spec(raw)


# --- the reason reaches the record and the card -----------------------------------------


@pytest.mark.parametrize(
    "spec_change, frame_of, strategy, reason",
    [
        ({}, lambda c: c, "time", "the data has a time column 'snapshot_date' with 10 dates"),
        ({"time_column": None}, lambda c: snapshots(300, 3), "group", "no time column, and ids repeat (300 ids on 900 rows)"),
        ({"time_column": None, "strategy": "random"}, lambda c: c, "random", "split.strategy: random in the spec"),
    ],
)
def test_the_kind_and_reason_are_recorded(churn, customers, spec_change, frame_of, strategy, reason):
    spec = churn
    if "time_column" in spec_change:
        spec = without_time(spec)
    if "strategy" in spec_change:
        spec = with_split(spec, strategy=spec_change["strategy"])
    split = split_data(frame_of(customers), spec)
    assert split.strategy == strategy and split.description["reason"].startswith(reason)
    section = SplitSection.model_validate(
        {"strategy": split.strategy, "train": {"rows": 1}, "valid": {"rows": 1}, "holdout": {"rows": 1}, "detail": split.description}
    )
    assert json.loads(section.model_dump_json())["detail"]["reason"] == split.description["reason"]


def _card_split_line(record) -> str:
    """The card's evaluation-data sentence, rendered by the card's own template and filters."""
    from govern.card.render import _env

    source = _env.loader.get_source(_env, "card.md.j2")[0]
    line = source.split("## Evaluation data\n", 1)[1].split("\n", 1)[0]
    return _env.from_string(line).render(r=record)


def test_the_card_says_which_split_and_why(churn):
    from tests.record_story import minimal_record

    split = split_data(snapshots(300, 3), without_time(churn))
    record = minimal_record(spec=churn.model_dump(mode="json"), split={"strategy": split.strategy, "detail": split.description})
    text = _card_split_line(record)
    assert text.startswith("Group split, chosen because no time column, and ids repeat (300 ids on 900 rows)")
    assert "all rows of one id are in one part" in text and "No customer_id is in two parts" in text
    old = minimal_record(spec=churn.model_dump(mode="json"), split={"strategy": "random"})
    assert _card_split_line(old) == "Random split. Rows were drawn at random (seed 7)."
