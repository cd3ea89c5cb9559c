"""Checks at load, before any training (issue 18, point 5): target or ids among the
features, continuous or thin sensitive features and their bins, a thin holdout, dates and
ids as text, YAML booleans as labels, CSV separators, a directory as data.  No model is
fitted here."""


import numpy as np
import pytest
from pandas.api import types as ptypes

from govern.core.errors import DataValidationError, SpecError
from govern.data.load_checks import band_labels, feature_warnings, training_checks
from govern.data.validation import feature_columns, load_table, validate_frame
from govern.demo.customers import generate_customers
from govern.spec.model import parse_spec
from tests.data.conftest import MODELS, with_data


def with_fairness(spec, **changes):
    return spec.model_copy(update={"fairness": spec.fairness.model_copy(update=changes)})


def _raw_spec(**data):
    import yaml

    raw = yaml.safe_load((MODELS / "churn.yaml").read_text())
    raw["data"].update(data)
    return raw


@pytest.mark.parametrize(("column", "role"), [("churned", "data.target"), ("customer_id", "data.id_column"), ("snapshot_date", "data.time_column")])
def test_target_id_or_time_column_among_the_features_is_refused_by_the_spec(column, role):
    with pytest.raises(SpecError) as caught:
        parse_spec(_raw_spec(features=["tenure_months", column]), origin="churn.yaml")
    assert str(caught.value) == f"churn.yaml: data: features: '{column}' is {role}, not a feature; remove it from data.features"


def test_bins_name_a_sensitive_feature_and_ascend():
    raw = _raw_spec()
    raw["fairness"]["bins"] = {"age": [0, 30, 120]}
    with pytest.raises(SpecError, match="bins.age: 'age' is not in fairness.sensitive_features"):
        parse_spec(raw)
    raw["fairness"].update(sensitive_features=["gender", "age_band", "age"], bins={"age": [0, 50, 30]})
    with pytest.raises(SpecError, match="three ascending edges"):
        parse_spec(raw)
    raw["fairness"]["bins"] = {"age": [0, 30, 50, 120]}
    assert parse_spec(raw).fairness.bins == {"age": [0, 30, 50, 120]}


def test_a_continuous_sensitive_feature_is_refused_with_suggested_bins(churn, customers):
    frame = customers.assign(age=np.random.default_rng(0).integers(18, 90, len(customers)))
    with pytest.raises(DataValidationError) as caught:
        validate_frame(frame, with_fairness(churn, sensitive_features=["gender", "age"]))
    message = str(caught.value)
    assert message.startswith("sensitive feature 'age' looks continuous (") and "band it with fairness.bins, e.g. {age: [18, " in message


def test_bins_turn_a_numeric_sensitive_feature_into_labelled_bands(churn, customers):
    ages = np.array([18, 29.5, 30, 49, 50, 120] * 50, dtype=float)
    frame = customers.assign(age=ages[: len(customers)])
    frame.loc[[0, 1], "age"] = np.nan
    out = validate_frame(frame, with_fairness(churn, sensitive_features=["gender", "age"], bins={"age": [0, 30, 50, 120]}))
    assert band_labels([0, 30, 50, 120]) == ["[0, 30)", "[30, 50)", "[50, 120]"]
    assert out["age"].tolist()[:8] == ["missing", "missing", "[30, 50)", "[30, 50)", "[50, 120]", "[50, 120]", "[0, 30)", "[0, 30)"]
    outside = frame.assign(age=frame["age"].where(frame.index != 5, 130))
    with pytest.raises(DataValidationError, match=r"fairness.bins.age: 1 values fall outside \[0, 120\] \(e.g. 130\)"):
        validate_frame(outside, with_fairness(churn, sensitive_features=["age"], bins={"age": [0, 30, 50, 120]}))
    with pytest.raises(DataValidationError, match="fairness.bins.plan: 'plan' has dtype .*; bins band a numeric column"):
        validate_frame(frame, with_fairness(churn, sensitive_features=["plan"], bins={"plan": [0, 1, 2]}))


def test_missing_values_of_a_numeric_or_text_sensitive_feature_form_a_missing_group(churn, customers):
    frame = customers.assign(senior=(np.arange(len(customers)) % 2).astype(float), gender=customers["gender"].astype(object))
    frame.loc[[0, 3], "senior"] = np.nan
    frame.loc[[1, 4], "gender"] = None
    out = validate_frame(frame, with_fairness(churn, sensitive_features=["gender", "senior"]))
    assert out["senior"].tolist()[:4] == ["missing", "1", "0", "missing"]
    assert out.loc[[1, 4], "gender"].tolist() == ["missing", "missing"]
    assert sorted(out["senior"].unique()) == ["0", "1", "missing"]  # one type: sortable


def test_a_sensitive_feature_with_more_groups_than_the_holdout_supports_is_refused(churn):
    frame = validate_frame(generate_customers(1500, seed=1), churn)
    frame["state"] = [f"S{i % 51:02d}" for i in range(len(frame))]
    with pytest.raises(DataValidationError) as caught:
        training_checks(frame, with_fairness(churn, sensitive_features=["state"]), [])
    message = str(caught.value)
    assert message.startswith("sensitive feature 'state' has 51 groups but the holdout's ")
    assert "each group would get about 5 holdout rows" in message and "merge groups" in message
    frame["state"] = frame["state"].str[-1]  # ten groups of about 25 holdout rows: still too many
    with pytest.raises(DataValidationError, match="has 10 groups"):
        training_checks(frame, with_fairness(churn, sensitive_features=["state"]), [])
    frame["state"] = np.where(frame.index % 2, "A", "B")
    assert training_checks(frame, with_fairness(churn, sensitive_features=["state"]), []) == []


def test_a_holdout_with_too_few_positives_or_negatives_is_refused_with_the_counts(churn):
    frame = validate_frame(generate_customers(1500, seed=1), churn)
    latest = frame["snapshot_date"] == frame["snapshot_date"].max()
    few = frame.assign(churned=np.where(latest, 0, frame["churned"]))
    few.loc[few.index[latest][:3], "churned"] = 1
    with pytest.raises(DataValidationError) as caught:
        training_checks(few, churn, [])
    assert str(caught.value).startswith("the holdout has 3 positives and ")
    assert "judging roc_auc needs at least 10 of each (fairness.min_class_size)" in str(caught.value)
    none_negative = frame.assign(churned=np.where(latest, 1, frame["churned"]))
    none_negative.loc[none_negative.index[latest][:4], "churned"] = 0
    with pytest.raises(DataValidationError, match=r"positives and 4 negatives"):
        training_checks(none_negative, churn, [])
    assert training_checks(frame, churn, []) == []


def test_dates_and_ids_as_text_features_are_warned_about_not_refused(churn, customers):
    frame = customers.assign(
        signup=customers["snapshot_date"].dt.strftime("%Y-%m-%d"),
        seen_at=customers["snapshot_date"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        email=[f"user{i}@example.com" for i in range(len(customers))],
    )
    out = validate_frame(frame, churn)
    warnings = feature_warnings(out, feature_columns(out.columns, churn))
    assert [w.split(":")[0] for w in warnings] == [
        "feature 'signup' holds dates as text (e.g. 2026-01-01)",
        "feature 'seen_at' holds dates as text (e.g. 2026-01-01T00",
        "feature 'email' looks like an id (300 distinct values in 300 rows)",
    ]
    assert "add it to data.exclude" in warnings[-1]
    assert feature_warnings(validate_frame(customers, churn), feature_columns(customers.columns, churn)) == []


def test_an_unquoted_yaml_boolean_positive_class_gets_a_hint_to_quote_it(churn, customers):
    frame = customers.assign(churned=np.where(customers["churned"] == 1, "yes", "no"))
    with pytest.raises(DataValidationError) as caught:
        validate_frame(frame, with_data(churn, positive_class=True))
    message = str(caught.value)
    assert message.startswith("data.positive_class True is not a value of target 'churned'")
    assert "quote the label, e.g. positive_class: 'yes'" in message and "\n" not in message
    assert validate_frame(customers.assign(churned=customers["churned"] == 1), with_data(churn, positive_class=True))["churned"].sum() > 0


def test_a_semicolon_csv_is_read_by_its_sniffed_separator(tmp_path, customers):
    path = tmp_path / "semi.csv"
    customers.to_csv(path, index=False, sep=";")
    assert list(load_table(path).columns) == list(customers.columns)
    tabbed = tmp_path / "tab.csv"
    customers.to_csv(tabbed, index=False, sep="\t")
    assert len(load_table(tabbed).columns) == len(customers.columns)


def test_a_directory_given_as_data_is_called_a_directory(tmp_path):
    folder = tmp_path / "x.csv"
    folder.mkdir()
    with pytest.raises(DataValidationError, match=r"is a directory, not a file"):
        load_table(folder)


def test_a_spreadsheet_csv_with_decimal_commas_reads_numbers_as_numbers(tmp_path, customers):
    path = tmp_path / "eu.csv"
    customers.to_csv(path, index=False, sep=";", decimal=",")
    table = load_table(path)
    assert ptypes.is_float_dtype(table["monthly_spend"]) and table["monthly_spend"].tolist() == pytest.approx(customers["monthly_spend"].tolist())
    unsniffable = tmp_path / "spaces.csv"
    unsniffable.write_text("customer_id;churned\nC1 1 2\nC2 0 1 3\n")
    with pytest.raises(DataValidationError, match="no column separator found"):
        load_table(unsniffable)


def test_rows_to_score_get_the_sensitive_labels_training_gave(churn, customers):
    """Live scoring reads raw rows: a model that learnt a band or a group label must meet
    the same label there (a value outside the bins is taken as missing, not refused)."""
    from govern.data.load_checks import model_inputs

    spec = with_fairness(churn, sensitive_features=["gender", "age", "senior"], bins={"age": [0, 30, 50, 120]})
    frame = customers.assign(age=np.resize([18.0, 30, 64, np.nan], len(customers)), senior=np.resize([0.0, 1.0, np.nan], len(customers)))
    trained = validate_frame(frame, spec)
    scored = model_inputs(frame.drop(columns=["gender"]), spec)
    assert scored["age"].tolist() == trained["age"].tolist() and scored["senior"].tolist() == trained["senior"].tolist()
    assert model_inputs(frame.assign(age=130.0).head(1), spec)["age"].tolist() == ["missing"]
    assert frame["age"].dtype == float  # the input is left as it was
