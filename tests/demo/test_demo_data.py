import numpy as np
import pandas as pd
import pytest
from pandas.api import types as ptypes

from govern.demo.customers import COLUMNS, DRIFTED_COLUMNS, generate_customers
from govern.demo.files import write_demo_data

N = 1500


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return generate_customers(N, seed=3)


def test_same_seed_same_data_and_other_seed_differs(base):
    pd.testing.assert_frame_equal(base, generate_customers(N, seed=3))
    assert not base.equals(generate_customers(N, seed=4))


def test_columns_and_dtypes(base):
    assert list(base.columns) == list(COLUMNS)
    assert ptypes.is_datetime64_any_dtype(base["snapshot_date"])
    for column in ("tenure_months", "support_tickets", "payment_failures", "churned"):
        assert ptypes.is_integer_dtype(base[column]), column
    for column in ("monthly_spend", "sessions_per_week", "clv_12m"):
        assert ptypes.is_float_dtype(base[column]), column
    for column in ("customer_id", "plan", "channel", "region", "age_band", "gender"):
        assert ptypes.is_string_dtype(base[column]), column
    assert set(base["plan"]) == {"basic", "standard", "premium"}
    assert set(base["channel"]) == {"web", "app", "store", "partner"}
    assert set(base["region"]) == {"north", "south", "east", "west"}
    assert set(base["age_band"]) == {"18-29", "30-44", "45-59", "60+"}
    assert set(base["gender"]) == {"female", "male"}
    assert set(base["churned"]) == {0, 1}
    assert (base["clv_12m"] >= 0).all()
    assert not base.isna().any().any()


def test_ids_dates_and_base_rate(base):
    assert base["customer_id"].is_unique
    assert base["customer_id"].iloc[0] == "C000000"
    shifted = generate_customers(10, seed=3, id_offset=500, start="2026-07-01", months=3)
    assert shifted["customer_id"].iloc[0] == "C000500"
    assert sorted(shifted["snapshot_date"].dt.strftime("%Y-%m-%d").unique()) == ["2026-07-01", "2026-08-01", "2026-09-01"]
    dates = base["snapshot_date"].value_counts()
    assert len(dates) == 6 and dates.max() - dates.min() <= 1
    assert 0.2 <= base["churned"].mean() <= 0.32


def test_churn_follows_the_documented_drivers(base):
    short = base["tenure_months"] <= base["tenure_months"].median()
    assert base.loc[short, "churned"].mean() > base.loc[~short, "churned"].mean()
    failing = base["payment_failures"] > 0
    assert base.loc[failing, "churned"].mean() > base.loc[~failing, "churned"].mean()
    by_plan = base.groupby("plan")["churned"].mean()
    assert by_plan["premium"] < by_plan["basic"]
    assert np.corrcoef(base["monthly_spend"], base["clv_12m"])[0, 1] > 0.5


def test_drift_moves_only_the_documented_columns(base):
    drifted = generate_customers(N, seed=3, drift=0.6)
    assert drifted["tenure_months"].mean() < 0.8 * base["tenure_months"].mean()
    assert drifted["monthly_spend"].mean() > 1.15 * base["monthly_spend"].mean()
    assert drifted["sessions_per_week"].mean() < 0.85 * base["sessions_per_week"].mean()
    assert (drifted["channel"] == "app").mean() > (base["channel"] == "app").mean() + 0.15
    untouched = [c for c in COLUMNS if c not in DRIFTED_COLUMNS and c not in ("churned", "clv_12m")]
    pd.testing.assert_frame_equal(drifted[untouched], base[untouched])


def test_drift_zero_changes_nothing_and_another_seed_keeps_distributions(base):
    pd.testing.assert_frame_equal(generate_customers(N, seed=3, drift=0.0), base)
    other = generate_customers(N, seed=9)
    assert abs(other["tenure_months"].mean() - base["tenure_months"].mean()) < 0.1 * base["tenure_months"].mean()
    assert abs(other["monthly_spend"].mean() - base["monthly_spend"].mean()) < 0.1 * base["monthly_spend"].mean()


def _gap(frame: pd.DataFrame) -> float:
    group = (frame["gender"] == "female") & (frame["age_band"] == "60+")
    return frame.loc[group, "churned"].mean() - frame.loc[~group, "churned"].mean()


def test_bias_widens_the_churn_gap_and_touches_only_outcomes(base):
    gaps = [_gap(generate_customers(N, seed=3, bias=b)) for b in (0.0, 0.5, 1.0)]
    assert abs(gaps[0]) < 0.1
    assert gaps[0] + 0.15 < gaps[1] < gaps[2]
    biased = generate_customers(N, seed=3, bias=1.0)
    features = [c for c in COLUMNS if c not in ("churned", "clv_12m")]
    pd.testing.assert_frame_equal(biased[features], base[features])
    female = biased["gender"] == "female"
    assert biased.loc[female, "churned"].mean() > biased.loc[~female, "churned"].mean() + 0.03


def test_gender_has_no_effect_without_bias():
    frame = generate_customers(4000, seed=1)
    rates = frame.groupby("gender")["churned"].mean()
    assert abs(rates["female"] - rates["male"]) < 0.05
    spend = frame.groupby("gender")["monthly_spend"].mean()
    assert abs(spend["female"] - spend["male"]) < 0.06 * spend.mean()


@pytest.mark.parametrize("kwargs", [{"n": 0}, {"months": 0}, {"drift": 1.5}, {"bias": -0.1}])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        generate_customers(**kwargs)


def test_write_demo_data(tmp_path):
    paths = write_demo_data(tmp_path, n=600, seed=5)
    assert paths == {
        "train": tmp_path / "data" / "demo" / "customers.parquet",
        "recent": tmp_path / "data" / "demo" / "customers_recent.parquet",
        "transactions": tmp_path / "data" / "demo" / "transactions.parquet",
        "transactions_later": tmp_path / "data" / "demo" / "transactions_to_2027.parquet",
        "attributes": tmp_path / "data" / "demo" / "customer_attributes.parquet",
    }
    train = pd.read_parquet(paths["train"])
    recent = pd.read_parquet(paths["recent"])
    assert list(train.columns) == list(COLUMNS) == list(recent.columns)
    assert len(train) == 600
    assert train["snapshot_date"].min() == pd.Timestamp("2026-01-01")
    assert train["snapshot_date"].max() == pd.Timestamp("2026-06-01")
    assert recent["snapshot_date"].min() == pd.Timestamp("2026-07-01")
    assert recent["snapshot_date"].max() == pd.Timestamp("2026-09-01")
    assert not set(train["customer_id"]) & set(recent["customer_id"])
    assert recent["tenure_months"].mean() < 0.8 * train["tenure_months"].mean()
    again = write_demo_data(tmp_path / "again", n=600, seed=5)
    pd.testing.assert_frame_equal(pd.read_parquet(again["recent"]), recent)
    pd.testing.assert_frame_equal(pd.read_parquet(again["train"]), train)
