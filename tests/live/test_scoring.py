"""Live scoring: reasons from CatBoost's SHAP values, the hashed control group, the
Prefect flow with the prediction log, chunked streaming and re-runs."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from catboost import Pool

from govern.live import assignment, reasons
from tests import live_story

NAME = "live_scoring"


@pytest.fixture(scope="module")
def live(project):
    live_story.install_spec(project.root, NAME)
    live_story.champion_and_challenger(project, NAME)
    from govern.spec.model import load_spec

    return project, load_spec(NAME, project.models_dir)


@pytest.mark.integration
def test_reasons_are_catboosts_shap_values():
    model = live_story._fit(4, 1)
    frame = live_story.frame_of(50, 9)
    values = reasons.shap_values(model, frame)
    full = model.get_feature_importance(Pool(frame[model.feature_names_], cat_features=list(model.get_cat_feature_indices())), type="ShapValues")
    raw = model.predict(frame[model.feature_names_], prediction_type="RawFormulaVal")
    assert np.allclose(values.sum(axis=1) + full[:, -1], raw)  # SHAP's additivity, against CatBoost's own raw score
    rows = reasons.top_reasons(model, frame, k=3)
    text = reasons.top_reasons_text(model, frame, k=3)
    assert all(len(r) == 3 for r in rows) and list(text) == ["; ".join(r) for r in rows]
    first = np.argsort(-np.abs(values[0]))[0]
    assert rows[0][0].startswith(f"{model.feature_names_[first]}=") and rows[0][0].endswith(f"({values[0, first]:+.2f})")


def test_assignment_is_deterministic_salted_and_near_its_share():
    ids = [f"C{i:06d}" for i in range(20000)]
    arms = assignment.assign(ids, "salt-a", 0.2)
    assert (assignment.assign(ids[::-1], "salt-a", 0.2)[::-1] == arms).all()  # order and batch do not matter
    assert abs((arms == assignment.CONTROL).mean() - 0.2) < 0.01
    assert (assignment.assign(ids, "salt-b", 0.2) != arms).mean() > 0.2  # another salt, another split
    frame = live_story.frame_of(5000, 1)
    balance = assignment.balance(frame, assignment.assign(frame.index.astype(str), "s", 0.3), ["monthly_spend", "plan"], 0.3)
    assert balance.treatment + balance.control == 5000
    assert all(abs(f.difference) < 0.1 for f in balance.features)


@pytest.mark.integration
def test_score_flow_logs_once_and_keeps_control_out_of_the_audience(live):
    settings, spec = live
    from flows.score import score
    from govern.stores.predictions import PredictionLog

    frame = live_story.frame_of(3000, 21)
    path = settings.root / "today.parquet"
    frame.to_parquet(path, index=False)
    first = score(NAME, str(path), as_of="2026-08-03", chunk_rows=1000)
    again = score(NAME, str(path), as_of="2026-08-03", chunk_rows=1000)
    assert first["rows"] == 3000 and first["logged"] == 6000 and again["logged"] == 0  # champion and challenger, once
    log = PredictionLog(settings.database_url)
    logged = log.predictions(NAME)
    assert len(logged) == 6000 and set(logged["role"]) == {"champion", "challenger"}
    folder = settings.mlruns / "scores" / NAME / "2026-08-03"
    audience = pd.read_parquet(folder / "audience.parquet")
    everything = pd.read_parquet(folder / "all.parquet")
    control = set(everything.loc[everything["arm"] == "control", "customer_id"])
    assert control and not control & set(audience["customer_id"])
    assert (audience["role"] == "champion").all() and (audience["decision"] == 1).all()
    expected = assignment.assign(frame["customer_id"].astype(str), spec.experiment.salt, spec.experiment.control_share)
    champion = everything[everything["role"] == "champion"].set_index("customer_id").loc[frame["customer_id"]]
    assert (champion["arm"].to_numpy() == expected).all()
    assert champion["reasons"].str.count(";").eq(2).all()
    assert abs(first["balance"]["control_share"] - spec.experiment.control_share) < 0.03


def test_chunked_scoring_matches_one_chunk(live, tmp_path):
    settings, spec = live
    from govern.live import scoring

    models = scoring.load_models(NAME)
    frame = live_story.frame_of(700, 22)
    small = scoring.score_chunk(spec, models, frame.iloc[:300], batch_id="b", as_of=date(2026, 8, 4), scored_at="t")
    whole = scoring.score_chunk(spec, models, frame, batch_id="b", as_of=date(2026, 8, 4), scored_at="t")
    merged = whole.merge(small, on=["customer_id", "role"])
    assert len(merged) == 600 and np.allclose(merged["score_x"], merged["score_y"]) and (merged["reasons_x"].fillna("") == merged["reasons_y"].fillna("")).all()


def test_bad_scoring_input_is_one_line_and_writes_nothing(live, tmp_path):
    settings, spec = live
    from typer.testing import CliRunner

    from govern.cli import app

    frame = live_story.frame_of(200, 23)
    broken = tmp_path / "broken.parquet"
    frame.drop(columns=["tenure_months"]).to_parquet(broken, index=False)
    twice = tmp_path / "twice.parquet"
    pd.concat([frame, frame.head(3)]).to_parquet(twice, index=False)
    anonymous = tmp_path / "anonymous.parquet"  # refused before any model is loaded
    frame.drop(columns=[spec.data.id_column]).to_parquet(anonymous, index=False)
    cases = ((broken, "tenure_months"), (twice, "duplicate ids"), (tmp_path / "absent.parquet", "not found"), (anonymous, "lacks the id column"))
    for path, words in cases:
        result = CliRunner().invoke(app, ["score", NAME, "--data", str(path), "--as-of", "2026-08-09"])
        assert result.exit_code == 2, result.output
        assert words in result.output and len(result.output.strip().splitlines()) == 1
    assert not (settings.mlruns / "scores" / NAME / "2026-08-09").exists()
    result = CliRunner().invoke(app, ["score", NAME, "--data", str(broken), "--as-of", "yesterday"])
    assert result.exit_code == 2


@pytest.mark.integration
def test_daily_flow_scores_today_and_ingests_outcomes(live):
    settings, spec = live
    from flows.score import daily

    frame = live_story.frame_of(400, 31)
    data = settings.root / "daily.parquet"
    frame.to_parquet(data, index=False)
    labels = settings.root / "daily_labels.parquet"
    pd.DataFrame({"customer_id": ["NOBODY"], "churned": [1], "outcome_date": ["2026-01-01"]}).to_parquet(labels, index=False)
    result = daily(NAME, str(data), str(labels))
    assert result["scoring"]["rows"] == 400 and result["outcomes"]["ingest"]["unknown_ids"] == 1
    assert "report" not in result["outcomes"]  # nothing new stored: no new report


def test_daily_deployment_runs_every_day_with_its_parameters(tmp_path):
    from flows.score import daily

    deployment = daily.to_deployment(name="daily-score-x", interval=86_400, parameters={"model": "x", "data": "/d.parquet", "labels": None})
    assert deployment.parameters["model"] == "x" and deployment.schedules[0].schedule.interval.total_seconds() == 86_400
