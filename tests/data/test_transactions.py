"""The customer table built from a transaction log, its demo log, and the BG/NBD baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from govern.core.errors import DataValidationError, SpecError
from govern.data import splits, validation
from govern.data.entities import customer_ids
from govern.data.transactions import _clean_log, build_customer_table, customer_table, cutoff_dates
from govern.demo.transactions import generate_transactions
from govern.spec.model import parse_spec
from govern.training.clv_baseline import compare_with_baseline, history_summary
from tests.conftest import REPO


def _spec(**tx):
    raw = yaml.safe_load((REPO / "models" / "clv.yaml").read_text())
    raw["data"]["transactions"].update(tx)
    return parse_spec(raw)


def _tiny_log():
    rows = [
        ("A", "2025-01-01", 10.0), ("A", "2025-01-01", 5.0), ("A", "2025-03-01", 20.0), ("A", "2025-06-10", 7.0),
        ("B", "2025-05-20", 100.0), ("C", "2025-06-05", 1.0), ("C", "2025-07-05", 3.0),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])


def test_features_and_target_by_hand():
    spec = _spec(cutoff="2025-06-01", horizon_days=30, snapshots=1, windows_days=[30], attributes=None)
    table, note = build_customer_table(_tiny_log(), spec)
    a = table.set_index("customer_id").loc["A"]
    assert (a.purchases, a.frequency, a.recency_days, a.tenure_days, a.days_since_last) == (3, 1, 59, 151, 92)
    assert (a.monetary_total, a.monetary_mean, a.purchases_30d, a.spend_30d) == (35.0, 11.67, 0, 0.0)  # rounded to cents
    assert a.clv_180d == 7.0  # spend from the cutoff on, within 30 days
    b = table.set_index("customer_id").loc["B"]
    assert (b.purchases_30d, b.spend_30d, b.clv_180d) == (1, 100.0, 0.0)
    assert "C" not in set(table.customer_id)  # no purchase before the cutoff: cannot be scored
    assert note.log_last == "2025-07-05"
    assert note.rows == 2 and note.customers == 2 and note.cutoffs == ["2025-06-01"]
    assert set(note.features) >= {"frequency", "recency_days", "tenure_days", "days_since_last", "monetary_mean", "monetary_total", "spend_30d"}


def test_snapshots_are_horizon_apart_and_the_holdout_is_the_latest(tmp_path):
    spec = _spec()
    cutoffs = cutoff_dates(spec.data.transactions)
    assert len(cutoffs) == 4 and all((b - a).days == 180 for a, b in zip(cutoffs, cutoffs[1:]))
    log, attributes = generate_transactions(1200, seed=3)
    attributes.to_parquet(tmp_path / "attributes.parquet")
    table, note = build_customer_table(log[log.order_date < "2026-07-01"], spec, attributes=tmp_path / "attributes.parquet")
    assert list(note.rows_per_cutoff) == [f"{c:%Y-%m-%d}" for c in cutoffs]
    assert table.customer_id.is_unique and table.customer_id.str.contains("@").all()
    assert {"gender", "age_band", "region", "channel"} <= set(table.columns)
    valid = validation.validate_frame(table, spec)
    split = splits.split_data(valid, spec)
    assert split.strategy == "time"
    assert set(split.holdout.cutoff_date) == {cutoffs[-1]}
    assert split.train.cutoff_date.max() + pd.Timedelta(days=180) <= cutoffs[-1]
    held = set(customer_ids(split.holdout.customer_id))
    assert not held & set(customer_ids(pd.concat([split.train, split.valid]).customer_id))  # no customer on both sides


def test_customer_ids_undo_the_snapshot_suffix():
    ids = pd.Series(["C1@2026-01-01", "C1@2025-07-05", "a@b", "x@2026-01-01@2026-01-01", "plain"])
    assert customer_ids(ids).tolist() == ["C1", "C1", "a@b", "x@2026-01-01", "plain"]


def test_features_agree_with_lifetimes():
    log, _ = generate_transactions(600, seed=5)
    spec = _spec(snapshots=1, attributes=None)
    table, _ = build_customer_table(log, spec)
    ours = table.set_index("customer_id")
    clean = _clean_log(log, "customer_id", spec.data.transactions, "log")
    theirs = history_summary(clean, pd.Timestamp("2026-01-01")).loc[ours.index]
    assert (ours.frequency == theirs.frequency).all()
    assert (ours.recency_days == theirs.recency).all()
    assert (ours.tenure_days == theirs["T"] + 1).all()  # lifetimes counts T to the day before the cutoff


@pytest.mark.parametrize(
    "change, fragment",
    [
        (lambda d: d.drop(columns="amount"), "no column 'amount'"),
        (lambda d: d.assign(order_date="soon"), "not a date"),
        (lambda d: d.assign(amount=d.amount.astype(object).where(d.index > 0, "x")), "non-numeric"),
        (lambda d: d[d.order_date < "2025-06-15"], "cut short"),
        (lambda d: d.iloc[:0], "empty"),
    ],
)
def test_bad_logs_are_refused_in_one_line(change, fragment):
    spec = _spec(cutoff="2025-06-01", horizon_days=30, snapshots=1, attributes=None)
    with pytest.raises(DataValidationError, match=fragment) as err:
        build_customer_table(change(_tiny_log()), spec)
    assert "\n" not in str(err.value)


def test_spec_rules():
    with pytest.raises(SpecError, match="built feature"):
        build_customer_table(_tiny_log(), _spec(cutoff="2025-06-01", horizon_days=30, snapshots=1, attributes=None).model_copy(
            update={"data": _spec().data.model_copy(update={"target": "spend_30d"})}))
    raw = yaml.safe_load((REPO / "models" / "clv.yaml").read_text())
    raw["data"].pop("time_column")
    with pytest.raises(SpecError, match="time_column"):
        parse_spec(raw)
    raw = yaml.safe_load((REPO / "models" / "clv.yaml").read_text())
    raw["data"]["transactions"]["windows_days"] = [30, 30]
    with pytest.raises(SpecError, match="windows_days"):
        parse_spec(raw)


def test_demo_log_is_seeded_and_drift_only_moves_later_purchases():
    a, attrs_a = generate_transactions(800, seed=1)
    b, attrs_b = generate_transactions(800, seed=1)
    pd.testing.assert_frame_equal(a, b)
    drifted, _ = generate_transactions(800, seed=1, drift=1.0, drift_from="2026-07-01")
    early = lambda d: d[d.order_date < "2026-07-01"].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(early(a), early(drifted))
    late = lambda d: d[d.order_date >= "2026-07-01"]  # noqa: E731
    assert len(late(drifted)) < 0.75 * len(late(a))
    assert late(drifted).amount.mean() > 1.2 * late(a).amount.mean()
    pd.testing.assert_frame_equal(attrs_a, attrs_b)


def test_customer_table_passes_a_built_table_through(tmp_path):
    spec = _spec(cutoff="2025-06-01", horizon_days=30, snapshots=1, attributes=None)
    _tiny_log().to_parquet(tmp_path / "log.parquet")
    built, note = customer_table(spec, tmp_path, source=tmp_path / "log.parquet")
    assert note is not None and len(built) == 2
    built.to_parquet(tmp_path / "built.parquet")
    again, none = customer_table(spec, tmp_path, source=tmp_path / "built.parquet")
    assert none is None and list(again.columns) == list(built.columns)


def test_baseline_beside_a_model_on_the_same_customers(tmp_path):
    log, _ = generate_transactions(1500, seed=2)
    log.to_parquet(tmp_path / "log.parquet")
    spec = _spec(snapshots=1, attributes=None)
    table, _ = customer_table(spec, tmp_path, source=tmp_path / "log.parquet")
    naive = table.spend_180d.to_numpy()  # last 180 days' spend as the forecast
    result = compare_with_baseline(spec, tmp_path, table, naive, source=tmp_path / "log.parquet", resamples=200)
    assert result.measured and result.customers == len(table)
    c = result.comparison
    assert c.rows == len(table) and c.lower <= c.delta <= c.upper
    assert result.metrics["rmse"] == pytest.approx(c.champion)
    assert c.delta < 0  # the probabilistic model beats a naive carry-forward on data it describes
    assert set(result.parameters["2026-01-01"]["bg_nbd"]) == {"r", "alpha", "a", "b"}
    bad = compare_with_baseline(spec, tmp_path, table.assign(customer_id="ghost"), naive, source=tmp_path / "log.parquet", resamples=200)
    assert not bad.measured and "no purchase history" in bad.reason
    assert np.isfinite(result.metrics["r2"])
