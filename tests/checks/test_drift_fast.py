"""The drift gate's direct statistics against Evidently's own on the same full frames,
and the report: self-contained (Evidently's script and font inline) and its data compacted."""

import json

import numpy as np
import pandas as pd
import pytest
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

from govern.checks.drift.assess import assess_drift
from govern.checks.drift.html import _inline_assets

NUM = ["tenure", "spend", "tickets", "flat"]
CAT = ["plan", "region"]


def _frame(n, rng, shift=0.0, plan=(0.6, 0.3, 0.1)):
    tenure = rng.gamma(2.0, 12.0, n) + shift
    tenure[rng.random(n) < 0.02] = np.nan
    return pd.DataFrame({
        "tenure": tenure,
        "spend": rng.normal(60.0, 15.0, n) * (1 + shift / 100),
        "tickets": rng.poisson(1.0 + shift / 20, n).clip(0, 4).astype(float),
        "flat": np.full(n, 3.0),
        "plan": rng.choice(["basic", "plus", "pro"], n, p=list(plan)),
        "region": pd.Series(rng.choice(["north", "south", None], n, p=[0.5, 0.45, 0.05]), dtype=object),
    })


def _preset(reference, current):
    definition = DataDefinition(numerical_columns=NUM, categorical_columns=CAT)
    snapshot = Report([DataDriftPreset()]).run(Dataset.from_pandas(current, data_definition=definition),
                                                 Dataset.from_pandas(reference, data_definition=definition))
    found = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config.get("type", "").endswith(":ValueDrift"):
            found[config["column"]] = float(metric["value"])
    return found


@pytest.mark.parametrize("shift", [0.0, 6.0, 15.0])
def test_verdicts_and_scores_match_the_preset_on_full_data(tmp_path, shift, monkeypatch):
    monkeypatch.setenv("GOVERN_HOME", str(tmp_path))
    rng = np.random.default_rng(int(shift))
    reference, current = _frame(30_000, rng), _frame(25_000, rng, shift, plan=(0.5, 0.3, 0.2) if shift else (0.6, 0.3, 0.1))
    summary = assess_drift(reference, current, columns=NUM + CAT, categorical=CAT, out_dir=tmp_path / "out")
    preset = _preset(reference, current)
    for col in NUM + CAT:
        got = summary.columns[col]
        assert got.score == pytest.approx(preset[col], abs=1e-9), col
        assert got.drifted == (preset[col] >= 0.1), col
    assert summary.columns["tickets"].method == "jensenshannon"
    assert summary.columns["tenure"].method == "wasserstein"
    assert summary.report_rows.model_dump() == {"reference": 10_000, "current": 10_000}


def test_overrides_direct_and_by_evidently(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVERN_HOME", str(tmp_path))
    rng = np.random.default_rng(5)
    reference, current = _frame(3000, rng), _frame(3000, rng, 6.0)
    # Jensen-Shannon on a many-valued number takes Evidently's Sturges histogram path.
    js = assess_drift(reference, current, columns=["spend"], out_dir=tmp_path / "js", num_method="jensenshannon", threshold=0.05)
    psi = assess_drift(reference, current, columns=["spend", "plan"], categorical=["plan"], out_dir=tmp_path / "psi",
                       num_method="psi", cat_method="psi")
    definition = DataDefinition(numerical_columns=["spend"], categorical_columns=["plan"])
    from evidently.metrics import ValueDrift

    snapshot = Report([ValueDrift(column="spend", method="jensenshannon", threshold=0.05)]).run(
        Dataset.from_pandas(current[["spend", "plan"]], data_definition=definition),
        Dataset.from_pandas(reference[["spend", "plan"]], data_definition=definition))
    value = float(snapshot.dict()["metrics"][0]["value"])
    assert js.columns["spend"].score == pytest.approx(value, abs=1e-12)
    assert js.columns["spend"].threshold == 0.05
    assert psi.columns["spend"].method == "psi" and psi.columns["plan"].method == "psi"


def _beside_the_assets(html: str) -> int:
    """The page's size without Evidently's inline script and font: its data and layout."""
    script, font = _inline_assets()
    assert html.count(script) == 1 and html.count(font) == 1  # carried inline, once: nothing to fetch
    return len(html.encode()) - len(script.encode()) - len(font.encode())


def test_report_carries_its_script_and_its_data_is_small(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVERN_HOME", str(tmp_path))
    rng = np.random.default_rng(2)
    out = tmp_path / "model_cards" / "churn" / "v3"
    assess_drift(_frame(5000, rng), _frame(5000, rng, 15.0), columns=NUM + CAT, categorical=CAT, out_dir=out)
    html = (out / "drift.html").read_text()
    assert _beside_the_assets(html) < 500_000
    assert "_assets/" not in html and "drawDashboard" in html
    data = json.loads((out / "drift.json").read_text())
    assert data["summary"]["report_agrees"] is True


def test_a_clv_sized_reports_data_is_small(tmp_path, monkeypatch):
    """The CLV demo's shape (13 numeric and 4 categorical columns, 2,142 against 1,117
    rows) wrote 615 KB before its charts shared one Plotly template."""
    monkeypatch.setenv("GOVERN_HOME", str(tmp_path))
    rng = np.random.default_rng(7)

    def wide(n, shift):
        frame = pd.concat([_frame(n, rng, shift)[NUM].add_suffix(f"_{i}") for i in range(2)] + [_frame(n, rng, shift)], axis=1)
        return frame.assign(spend_ratio=rng.lognormal(3.0, 1.0, n), channel=rng.choice(["web", "store", "app"], n),
                            gender=rng.choice(["f", "m"], n))

    reference, current = wide(2142, 0.0), wide(1117, 6.0)
    categorical = CAT + ["channel", "gender"]
    assert (len(reference.columns) - len(categorical), len(categorical)) == (13, 4)
    out = tmp_path / "model_cards" / "clv" / "v1"
    assess_drift(reference, current, columns=list(reference.columns), categorical=categorical, out_dir=out)
    html = (out / "drift.html").read_text()
    assert _beside_the_assets(html) < 500_000 and "_assets/" not in html
    # Every chart refers to one shared copy of the Plotly template.
    assert html.count('"__govern_template__":0') > len(reference.columns) and '"__govern_template__":1' not in html
    assert json.loads((out / "drift.json").read_text())["summary"]["report_agrees"] is True
