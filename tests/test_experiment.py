"""The experiment report: the lift interval finds the injected effect and no effect,
its interval agrees with a bootstrap, power and threshold advice behave, and the
report lands beside the card and in MLflow."""

from __future__ import annotations

import json
from datetime import date

import mlflow
import numpy as np
import pytest

from govern.live import experiment as ex
from govern.live import outcomes
from govern.live import report as experiment_report
from govern.spec.model import ExperimentSpec
from tests import live_story


def test_wald_interval_agrees_with_a_bootstrap():
    rng = np.random.default_rng(0)
    t, c = (rng.random(3000) < 0.3).astype(float), (rng.random(800) < 0.4).astype(float)
    result = ex.lift(t, c, 0.95)
    draws = [rng.choice(t, len(t)).mean() - rng.choice(c, len(c)).mean() for _ in range(4000)]
    lo, hi = np.quantile(draws, [0.025, 0.975])
    assert abs(result.lower - lo) < 0.006 and abs(result.upper - hi) < 0.006
    assert result.lower < result.difference < result.upper and result.relative < 0


def test_power_needs_more_outcomes_for_smaller_effects():
    spec = dict(salt="s", value_per_saved_customer=100.0, control_share=0.2)
    lift = ex.lift(np.r_[np.ones(30), np.zeros(70)], np.r_[np.ones(12), np.zeros(18)], 0.95)
    big = ex.power_needed(lift, ExperimentSpec(min_effect=0.10, **spec))
    small = ex.power_needed(lift, ExperimentSpec(min_effect=0.05, **spec))
    assert small.needed > 3.5 * big.needed and small.further == small.needed - 130
    unmeasured = ex.power_needed(ex.lift([], [], 0.95), ExperimentSpec(min_effect=0.05, **spec))
    assert unmeasured.base_rate == 0.5 and "stands in" in unmeasured.note


def _campaign(project, name: str, effect: float, seed: int):
    live_story.install_spec(project.root, name)
    live_story.champion_and_challenger(project, name)
    from govern.spec.model import load_spec

    spec = load_spec(name, project.models_dir)
    campaign, log, folders = live_story.run_campaign(project, spec, offer_effect=effect, days=8, rows=700, start=date(2026, 8, 1), seed=seed)
    outcomes.ingest(log, spec, campaign.labels(date(2026, 9, 20)))
    return spec, campaign, log, folders


@pytest.mark.parametrize("effect", [0.4, 0.0])
def test_lift_interval_contains_the_injected_effect(project, effect):
    spec, campaign, log, folders = _campaign(project, f"live_lift_{int(effect * 10)}", effect, seed=5)
    report, evidence, matured = experiment_report.build(spec, log.live_frame(spec.name), date(2026, 9, 20))
    truth = campaign.truth(date(2026, 9, 20))
    lift = report.lift
    assert lift["lower"] <= truth.absolute_effect <= lift["upper"], (lift, truth)
    if effect == 0.0:
        assert lift["lower"] <= 0.0 <= lift["upper"]
    else:
        assert lift["upper"] < 0.0 and report.value["value"] > 0
    for folder in folders:  # control customers never in an audience file
        import pandas as pd

        everything = pd.read_parquet(folder / "all.parquet")
        audience = pd.read_parquet(folder / "audience.parquet")
        assert not set(audience["customer_id"]) & set(everything.loc[everything["arm"] == "control", "customer_id"])


@pytest.mark.integration
def test_report_beside_the_card_and_in_mlflow(project):
    from flows.experiment import experiment

    spec, campaign, log, _ = _campaign(project, "live_report", 0.4, seed=6)
    result = experiment(spec.name, today="2026-09-20")
    folder = project.cards_dir / spec.name / f"v{result['champion_version']}" / "experiment"
    for name in ("experiment.json", "experiment.md", "experiment.html", "lift_by_decile.png", "cumulative_lift.png", "calibration.png", "arms.png"):
        assert (folder / name).exists(), name
    html = (folder / "experiment.html").read_text()
    assert html.count("data:image/png;base64,") == 4 and "http" not in html.replace("http-equiv", "")
    assert json.loads((folder / "experiment.json").read_text())["lift"] == result["lift"]
    run = mlflow.get_run(result["run_id"])
    assert run.data.tags["govern.kind"] == "experiment"
    logged = {a.path for a in mlflow.MlflowClient().list_artifacts(run.info.run_id, "experiment")}
    assert "experiment/live.json" in logged and "experiment/experiment.html" in logged
    assert "PROVISIONAL" in (folder / "experiment.md").read_text()
    advice = result["threshold"]
    assert advice["recommended"] is not None and advice["recommended_value"] >= advice["current_value"] - 1e-9
    allowed = [r for r in advice["table"] if r["targeted_per_batch"] <= spec.experiment.capacity]
    assert advice["recommended_value"] == max(r["expected_value_per_batch"] for r in allowed)
