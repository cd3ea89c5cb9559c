"""The feature view's rows and the feature repository's settings, without Feast: the champion's
rows only, control never actionable, as-of as the event time, no password written to disk."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from govern.core.errors import GovernError
from govern.live import serving
from govern.live.scoring import _SCHEMA, ScoringResult
from govern.stores import feature_store


def _scored(rows: int = 6) -> pa.Table:
    arms = ["control", "treatment", "control", "treatment", "uplift", "treatment"][:rows]
    frame = pd.DataFrame({
        "customer_id": [f"C{i}" for i in range(rows)], "score": [0.9, 0.8, 0.1, 0.2, 0.7, 0.6][:rows], "decision": [1, 1, 0, 0, 1, 0][:rows],
        "reasons": "tenure_months=3 (+0.40)", "role": "champion", "version": "4", "batch_id": "2026-08-03", "as_of": date(2026, 8, 3),
        "scored_at": "2026-08-03T06:00:00+00:00", "arm": arms, "policy": "risk:churn v4",
    })
    challenger = frame.assign(role="challenger", version="5", score=0.5, reasons=None)
    return pa.Table.from_pandas(pd.concat([frame, challenger]), schema=_SCHEMA, preserve_index=False)


def test_feature_rows_are_the_champions_and_control_is_never_actionable(tmp_path):
    pq.write_table(_scored(), tmp_path / "all.parquet", row_group_size=4)
    counts = serving.write_source(tmp_path / "all.parquet", tmp_path / "b.parquet", batch_rows=3)
    rows = pd.read_parquet(tmp_path / "b.parquet")
    assert counts == {"rows": 6, "actionable": 2, "control": 2} and len(rows) == 6
    assert set(rows["version"]) == {"4"} and rows["reasons"].notna().all()
    assert rows["actionable"].tolist() == [False, True, False, False, True, False]
    assert not rows.loc[rows["arm"] == "control", "actionable"].any()
    assert (rows["event_timestamp"] == pd.Timestamp("2026-08-03", tz="UTC")).all() and (rows["as_of"] == "2026-08-03").all()
    assert (rows["scored_at"] == pd.Timestamp("2026-08-03T06:00:00", tz="UTC")).all()
    assert not list(tmp_path.glob(".*partial"))


def test_without_a_feast_environment_the_batch_is_not_published_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVERN_FEAST_PYTHON", str(tmp_path / "absent" / "python"))
    result = ScoringResult("churn", "2026-08-03", "2026-08-03", 6, "4", None, 3, 2, 12, str(tmp_path), {}, 0.1)
    out = serving.publish(result, tmp_path / "mlruns")
    assert out["published"] is False and "make install" in out["reason"]
    with pytest.raises(GovernError, match="make install"):
        feature_store.run_side("read", tmp_path, "churn")


def test_online_store_settings_for_sqlite_postgres_and_redis_keep_the_password_off_disk(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVERN_FEAST_ONLINE_STORE", raising=False)
    monkeypatch.delenv("GOVERN_FEAST_REGISTRY", raising=False)
    assert feature_store.write_config(tmp_path) is None
    written = yaml.safe_load((tmp_path / "feature_store.yaml").read_text())
    assert written["online_store"] == {"type": "sqlite", "path": str(tmp_path / "online.db")} and written["registry"] == str(tmp_path / "registry.db")
    monkeypatch.setenv("GOVERN_FEAST_ONLINE_STORE", "postgresql://feast:s3cret%21@db.internal:5433/scores?sslmode=disable")
    monkeypatch.setenv("GOVERN_FEAST_REGISTRY", "postgresql+psycopg://feast@db.internal/registry")
    assert feature_store.write_config(tmp_path) == "s3cret!"
    text = (tmp_path / "feature_store.yaml").read_text()
    online = yaml.safe_load(text)["online_store"]
    assert "s3cret" not in text and online["password"] == "${GOVERN_FEAST_ONLINE_PASSWORD}"
    assert (online["type"], online["host"], online["port"], online["database"], online["user"], online["sslmode"]) == (
        "postgres", "db.internal", 5433, "scores", "feast", "disable")
    assert yaml.safe_load(text)["registry"]["registry_type"] == "sql"
    monkeypatch.setenv("GOVERN_FEAST_ONLINE_STORE", "redis://cache:6380")
    feature_store.write_config(tmp_path)
    assert yaml.safe_load((tmp_path / "feature_store.yaml").read_text())["online_store"] == {"type": "redis", "connection_string": "cache:6380"}
    monkeypatch.setenv("GOVERN_FEAST_ONLINE_STORE", "mysql://x")
    with pytest.raises(GovernError, match="not an online store"):
        feature_store.write_config(tmp_path)


def test_view_and_file_names_are_letters_every_store_accepts():
    assert feature_store.view_name("churn-uplift") == "churn_uplift_scores"
    assert feature_store.slug("2026-08-03") == "2026_08_03"
