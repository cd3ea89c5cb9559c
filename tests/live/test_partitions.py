"""Scoring over row groups on a 2-worker Dask LocalCluster gives the single process's results."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests import live_story

pytestmark = pytest.mark.integration
NAME = "live_partitions"


@pytest.fixture(scope="module")
def live(project):
    live_story.install_spec(project.root, NAME)
    live_story.champion_and_challenger(project, NAME)
    from govern.spec.model import load_spec

    return project, load_spec(NAME, project.models_dir)


def test_dask_scoring_is_the_single_process_scoring(live, tmp_path):
    settings, spec = live
    from govern.live import partitions, scoring
    from govern.stores.prediction_files import ParquetPredictionLog

    frame = live_story.frame_of(4000, 31)
    path = tmp_path / "today.parquet"
    frame.to_parquet(path, index=False, row_group_size=450)
    models = scoring.load_models(NAME)
    day = date(2026, 8, 6)
    logs = {k: ParquetPredictionLog(tmp_path / f"log-{k}") for k in ("one", "dask")}
    one = scoring.score_file(spec, models, path, batch_id="b", as_of=day, out_root=tmp_path / "one", log=logs["one"], chunk_rows=1000)
    with partitions.cluster(workers=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        spread = partitions.score_file(client, spec, models, path, batch_id="b", as_of=day, out_root=tmp_path / "dask", log=logs["dask"],
                                       chunk_rows=1000)
        again = partitions.score_file(client, spec, models, path, batch_id="b", as_of=day, out_root=tmp_path / "dask", log=logs["dask"],
                                      chunk_rows=1000)
    assert (spread.rows, spread.audience, spread.control, spread.logged) == (one.rows, one.audience, one.control, one.logged)
    assert one.logged == 8000
    assert again.logged == 0  # re-running the batch logs nothing twice
    for got, want in zip(spread.balance["features"], one.balance["features"], strict=True):
        assert got["feature"] == want["feature"] and got["difference"] == pytest.approx(want["difference"], abs=1e-12)
    key = ["customer_id", "role"]
    for name in ("all.parquet", "audience.parquet"):
        a, b = (pd.read_parquet(tmp_path / k / NAME / "b" / name).drop(columns="scored_at").sort_values(key).reset_index(drop=True)
                for k in ("dask", "one"))
        pd.testing.assert_frame_equal(a, b)
    a, b = (logs[k].predictions(NAME).drop(columns="scored_at").sort_values(key).reset_index(drop=True) for k in ("dask", "one"))
    pd.testing.assert_frame_equal(a, b)
    assert not a.duplicated(key).any()


def test_the_score_flow_runs_on_dask(live, tmp_path):
    settings, spec = live
    from flows.score import score

    frame = live_story.frame_of(1500, 32)
    path = tmp_path / "flow.parquet"
    frame.to_parquet(path, index=False, row_group_size=400)
    result = score(NAME, str(path), as_of="2026-08-07", chunk_rows=1000, engine="dask")
    assert result["rows"] == 1500 and result["logged"] == 3000
    assert len(pd.read_parquet(settings.mlruns / "scores" / NAME / "2026-08-07" / "all.parquet")) == 3000
