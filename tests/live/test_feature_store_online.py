"""Downstream systems read scores from Feast: two batches scored by the flow, then a customer's
online features by id are the later batch's values, control customers are never actionable,
and a backfilled earlier day leaves the online store alone.  Needs the Feast environment
(``make install`` builds ``.venv-feast``)."""

from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest

from govern.stores import feature_store
from tests import live_story

NAME = "live_features"
pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(feature_store.feast_python() is None, reason="no Feast environment (.venv-feast): run make install")]


@pytest.fixture(scope="module")
def scored(project):
    from flows.score import score

    live_story.install_spec(project.root, NAME)
    live_story.champion_and_challenger(project, NAME)
    results = []
    for day, seed in (("2026-09-01", 41), ("2026-09-02", 42)):
        path = project.root / f"features-{day}.parquet"
        live_story.frame_of(800, seed).to_parquet(path, index=False)  # the same customer ids, other values
        results.append(score(NAME, str(path), as_of=day, chunk_rows=1000))
    return project, results


def _champion(project, day: str) -> pd.DataFrame:
    rows = pd.read_parquet(project.mlruns / "scores" / NAME / day / "all.parquet")
    return rows[rows["role"] == "champion"].set_index("customer_id")


def test_online_features_by_id_are_the_latest_batchs_and_control_is_not_actionable(scored):
    project, results = scored
    assert [r["features"]["online"] for r in results] == [True, True] and results[1]["features"]["rows"] == 800
    latest, earlier = _champion(project, "2026-09-02"), _champion(project, "2026-09-01")
    control = list(latest.index[latest["arm"] == "control"][:5])
    treated = list(latest.index[(latest["arm"] != "control") & (latest["decision"] == 1)][:5])
    assert control and treated
    found = feature_store.online_features(feature_store.repo_path(project.mlruns), NAME, control + treated + ["nobody"])
    assert any(row["score"] != pytest.approx(earlier.loc[row["customer_id"], "score"]) for row in found[:-1])
    for row in found[:-1]:
        want = latest.loc[row["customer_id"]]
        assert row["score"] == pytest.approx(want["score"])
        assert (row["decision"], row["reasons"], row["arm"], row["version"], row["policy"], row["batch_id"], row["as_of"]) == (
            want["decision"], want["reasons"], want["arm"], want["version"], want["policy"], "2026-09-02", "2026-09-02")
        assert row["actionable"] is (row["arm"] != "control" and row["decision"] == 1)
    assert [r["actionable"] for r in found[:5]] == [False] * 5 and [r["actionable"] for r in found[5:10]] == [True] * 5
    assert found[-1]["score"] is None and found[-1]["actionable"] is None


def test_a_downstream_system_reads_with_feasts_own_sdk(scored):
    """What a CRM runs: Feast's SDK on the repository's feature_store.yaml, nothing from govern."""
    project, _ = scored
    latest = _champion(project, "2026-09-02")
    customer = str(latest.index[0])
    code = ("import json, sys; from feast import FeatureStore; s = FeatureStore(repo_path=sys.argv[1]);"
            f"print(json.dumps(s.get_online_features(features=['{NAME}_scores:score', '{NAME}_scores:actionable'],"
            f" entity_rows=[{{'customer_id': sys.argv[2]}}]).to_dict()))")
    done = subprocess.run([str(feature_store.feast_python()), "-I", "-c", code, str(feature_store.repo_path(project.mlruns)), customer],
                          capture_output=True, text=True, check=True)
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["score"] == [pytest.approx(latest.loc[customer, "score"])]
    assert got["actionable"] == [bool(latest.loc[customer, "arm"] != "control" and latest.loc[customer, "decision"] == 1)]


def test_a_backfilled_earlier_day_stays_offline(scored):
    project, _ = scored
    from flows.score import score

    path = project.root / "features-2026-08-31.parquet"
    live_story.frame_of(800, 40).to_parquet(path, index=False)
    late = score(NAME, str(path), as_of="2026-08-31", chunk_rows=1000)
    assert late["features"]["online"] is False and "2026-09-02" in late["features"]["reason"]
    customer = str(_champion(project, "2026-09-02").index[0])
    assert feature_store.online_features(feature_store.repo_path(project.mlruns), NAME, [customer])[0]["as_of"] == "2026-09-02"
    assert (feature_store.repo_path(project.mlruns) / "data" / f"{NAME}_scores" / "2026_08_31.parquet").is_file()


def test_govern_features_prints_a_customers_online_features(scored):
    from typer.testing import CliRunner

    from govern.cli import app

    project, _ = scored
    latest = _champion(project, "2026-09-02")
    control = str(latest.index[latest["arm"] == "control"][0])
    result = CliRunner().invoke(app, ["features", NAME, control, "nobody"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(f"{control}: score ") and "actionable False" in lines[0] and "as of 2026-09-02" in lines[0]
    assert lines[1] == f"nobody: no online features for {NAME}"
    refused = CliRunner().invoke(app, ["features", "no_such_model", control])
    assert refused.exit_code == 2 and len(refused.output.strip().splitlines()) == 1
