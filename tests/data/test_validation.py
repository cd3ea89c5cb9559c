
import numpy as np
import pandas as pd
import pytest
from pandas.api import types as ptypes

from govern.core.errors import DataValidationError
from govern.data.validation import categorical_columns, feature_columns, load_table, validate_frame
from govern.spec.model import load_spec
from tests.conftest import clv_on_customer_table
from tests.data.conftest import MODELS, with_data


@pytest.fixture(scope="module")
def clv():
    return clv_on_customer_table(load_spec("clv", MODELS), min_rows=10)


def test_feature_columns_default_and_explicit(churn, customers):
    features = feature_columns(customers.columns, churn)
    assert features == [
        "tenure_months", "plan", "monthly_spend", "sessions_per_week", "support_tickets",
        "payment_failures", "channel", "region", "age_band", "gender",
    ]
    explicit = with_data(churn, features=["tenure_months", "plan"])
    assert feature_columns(customers.columns, explicit) == ["tenure_months", "plan"]
    excluded = with_data(churn, exclude=["clv_12m", "gender"])
    assert "gender" not in feature_columns(customers.columns, excluded)


def test_categorical_columns(churn, customers):
    frame = customers.assign(flag=customers["churned"] == 1, tier=customers["plan"].astype("category"))
    features = feature_columns(frame.columns, churn)
    assert categorical_columns(frame, features) == ["plan", "channel", "region", "age_band", "gender", "flag", "tier"]


def test_valid_frame_is_cleaned(churn, customers):
    frame = customers.copy()
    frame["snapshot_date"] = frame["snapshot_date"].dt.strftime("%Y-%m-%d")
    frame["churned"] = frame["churned"].astype(bool)
    frame.loc[[0, 5], "channel"] = None
    out = validate_frame(frame, churn)
    assert ptypes.is_datetime64_any_dtype(out["snapshot_date"])
    assert out["snapshot_date"].equals(customers["snapshot_date"])
    assert ptypes.is_integer_dtype(out["churned"]) and set(out["churned"]) == {0, 1}
    assert out.loc[[0, 5], "channel"].tolist() == ["missing", "missing"]
    assert out["channel"].notna().all()
    assert frame.loc[0, "channel"] is None or pd.isna(frame.loc[0, "channel"])
    assert list(out.columns) == list(frame.columns)


@pytest.mark.parametrize(
    ("labels", "declared", "positive"),
    [
        ((0, 1), None, 1),
        ((0.0, 1.0), None, 1),
        ((False, True), None, True),
        ((0, 1), 0, 0),
        (("no", "yes"), "yes", "yes"),
        (("Stayed", "Churned"), "Churned", "Churned"),
        (("good", "bad"), "good", "good"),
        ((1, 2), 2, 2),
        ((-1, 1), 1, 1),
    ],
)
def test_binary_targets_map_the_declared_positive_class_to_one(churn, customers, labels, declared, positive):
    values = np.where(customers["churned"] == 1, labels[1], labels[0])
    frame = customers.assign(churned=pd.Series(values.tolist(), index=customers.index))
    spec = churn.model_copy(update={"data": churn.data.model_copy(update={"positive_class": declared})})
    out = validate_frame(frame, spec)
    assert out["churned"].tolist() == [int(v == positive) for v in frame["churned"]]
    assert out.attrs["labels"]["positive"] == positive
    assert out.attrs["labels"]["declared"] is (declared is not None)


@pytest.mark.parametrize("labels", [("no", "yes"), ("good", "bad"), ("Churned", "Stayed"), (1, 2), (-1, 1), ("0", "1")])
def test_labels_other_than_zero_one_need_a_declared_positive_class(churn, customers, labels):
    values = np.where(customers["churned"] == 1, labels[1], labels[0])
    frame = customers.assign(churned=pd.Series(values.tolist(), index=customers.index))
    with pytest.raises(DataValidationError, match="set data.positive_class"):
        validate_frame(frame, churn)


def test_a_positive_class_that_is_not_a_label_is_named(churn, customers):
    frame = customers.assign(churned=np.where(customers["churned"] == 1, "Churned", "Stayed"))
    spec = churn.model_copy(update={"data": churn.data.model_copy(update={"positive_class": "churned"})})
    with pytest.raises(DataValidationError, match="positive_class 'churned' is not a value"):
        validate_frame(frame, spec)


def test_regression_target_passes(clv, customers):
    out = validate_frame(customers, clv)
    assert ptypes.is_float_dtype(out["clv_12m"])


def test_unlabeled_frame_passes_without_target(churn, customers):
    unlabeled = customers.drop(columns=["churned", "clv_12m"])
    out = validate_frame(unlabeled, churn, require_target=False)
    assert "churned" not in out.columns
    pending = customers.assign(churned=np.nan)
    assert validate_frame(pending, churn, require_target=False)["churned"].isna().all()
    with pytest.raises(DataValidationError, match="column 'churned' named in data.target"):
        validate_frame(unlabeled, churn)


def test_unlabeled_frame_still_validates_a_present_target(churn, customers):
    frame = customers.astype({"churned": float})
    frame.loc[:2, "churned"] = np.nan
    with pytest.raises(DataValidationError, match="3 missing values"):
        validate_frame(frame, churn, require_target=False)


def _drop(column):
    return lambda df: df.drop(columns=[column])


def _set(column, values):
    def change(df):
        df = df.copy()
        df[column] = values(df) if callable(values) else values
        return df

    return change


def _set_rows(column, rows, value):
    def change(df):
        df = df.astype({column: object}) if value is None or isinstance(value, str) else df.copy()
        df.loc[rows, column] = value
        return df

    return change


CASES = [
    ("churn", {}, _drop("churned"), ["churned", "data.target"]),
    ("churn", {}, _drop("customer_id"), ["customer_id", "data.id_column"]),
    ("churn", {}, _drop("snapshot_date"), ["snapshot_date", "data.time_column"]),
    ("churn", {"features": ["tenure_months", "loyalty"]}, lambda df: df, ["loyalty", "data.features"]),
    ("churn", {}, _drop("clv_12m"), ["clv_12m", "data.exclude"]),
    ("churn", {}, _drop("gender"), ["gender", "fairness.sensitive_features"]),
    ("churn", {}, lambda df: df.iloc[:0], ["empty"]),
    ("churn", {"min_rows": 500}, lambda df: df, ["too few rows", "300", "500"]),
    ("churn", {}, _set_rows("customer_id", [3, 7], None), ["customer_id", "2 missing ids"]),
    ("churn", {}, _set_rows("customer_id", [1, 2, 3], "C000000"), ["customer_id", "1 duplicate ids in 4 rows"]),
    ("churn", {}, _set_rows("snapshot_date", [4], "not a date"), ["snapshot_date", "1 values are not dates"]),
    ("churn", {}, _set("monthly_spend", lambda df: df["monthly_spend"].astype(str)), ["monthly_spend", "wrong type", "str"]),
    ("churn", {}, _set("tenure_months", lambda df: df["tenure_months"].astype(object)), ["tenure_months", "wrong type", "object"]),
    ("churn", {}, _set_rows("sessions_per_week", [0], "lots"), ["sessions_per_week", "wrong type", "mixed"]),
    ("churn", {}, _set("login_at", pd.Timestamp("2026-01-01")), ["login_at", "wrong type", "datetime64"]),
    ("churn", {}, _set_rows("churned", [5, 6, 9], None), ["churned", "3 missing values"]),
    ("churn", {}, _set("churned", 0), ["one-class target", "churned"]),
    ("churn", {}, _set("churned", lambda df: np.arange(len(df)) % 3), ["churned", "3 classes"]),
    ("clv", {}, _set("clv_12m", 12.5), ["constant target", "clv_12m"]),
    ("clv", {}, _set("clv_12m", lambda df: df["clv_12m"].astype(str)), ["clv_12m", "must be numeric"]),
    ("clv", {}, _set_rows("clv_12m", [0], np.inf), ["clv_12m", "infinite"]),
    ("churn", {}, _set("region", None), ["region", "entirely null"]),
    ("churn", {}, _set("payment_failures", np.nan), ["payment_failures", "entirely null"]),
]


@pytest.mark.parametrize(("model", "data_changes", "change", "expected"), CASES, ids=[c[-1][0] + "-" + str(i) for i, c in enumerate(CASES)])
def test_each_problem_raises_one_line_naming_it(churn, clv, customers, model, data_changes, change, expected):
    spec = with_data(churn if model == "churn" else clv, **data_changes)
    with pytest.raises(DataValidationError) as caught:
        validate_frame(change(customers), spec)
    message = str(caught.value)
    assert "\n" not in message
    for part in expected:
        assert part in message, (part, message)


def test_genuine_categories_and_sparse_numbers_are_fine(churn, customers):
    frame = customers.copy()
    frame["plan"] = frame["plan"].astype(object)
    frame["promo"] = np.where(np.arange(len(frame)) % 2, "A1", "B2")
    frame["rating"] = np.where(np.arange(len(frame)) % 2, 4.5, np.nan)
    out = validate_frame(frame, churn)
    assert out["promo"].tolist() == frame["promo"].tolist()


def test_load_table_roundtrip_and_errors(tmp_path, customers):
    parquet = tmp_path / "c.parquet"
    customers.to_parquet(parquet, index=False)
    csv = tmp_path / "c.csv"
    customers.to_csv(csv, index=False)
    assert load_table(parquet).equals(customers)
    assert len(load_table(csv)) == len(customers)
    broken = tmp_path / "broken.parquet"
    broken.write_text("not parquet\nat all")
    excel = tmp_path / "c.xlsx"
    excel.write_text("x")
    for path, words in [
        (tmp_path / "absent.parquet", "not found"),
        (excel, "unsupported data file type '.xlsx'"),
        (broken, "cannot read"),
    ]:
        with pytest.raises(DataValidationError) as caught:
            load_table(path)
        assert words in str(caught.value) and "\n" not in str(caught.value)


def test_the_share_of_numbers_stored_as_text_counts_rows_not_distinct_values():
    """Parsed once per distinct value, weighted by how often each occurs: the same share as
    parsing every row."""
    import numpy as np
    import pandas as pd

    from govern.data.validation import _numeric_text_share

    rng = np.random.default_rng(0)
    for values in (pd.Series(rng.choice(["a", " 1", "2.5", "x", "3 ", "1e3", "nan", "inf"], 1000)),
                   pd.Series([str(i) for i in range(500)] + ["z"] * 10), pd.Series(["7"] * 9 + ["b"])):
        rows = pd.to_numeric(values.astype(str).str.strip(), errors="coerce").notna().mean()
        assert _numeric_text_share(values) == pytest.approx(rows, abs=1e-12)
