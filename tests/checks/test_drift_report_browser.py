"""The drift report is one self-contained file: it draws offline from any folder in a real
browser, and inside MLflow's artifact viewer (a sandboxed iframe from a ``blob:`` URL,
where no file beside the report can be reached)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.checks.drift.assess import assess_drift
from tests.conftest import needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]
COLUMNS = [f"x{i}" for i in range(13)] + [f"c{i}" for i in range(4)]
PLOTS = "document.querySelectorAll('.js-plotly-plot').length >= 17"


def _report(out: Path) -> Path:
    rng = np.random.default_rng(3)

    def frame(n, shift):
        return pd.DataFrame({f"x{i}": rng.gamma(2.0, 10.0 + shift, n) for i in range(13)}
                            | {f"c{i}": rng.choice(["a", "b", "c"], n) for i in range(4)})

    assess_drift(frame(2142, 0.0), frame(1117, 3.0), columns=COLUMNS, categorical=[f"c{i}" for i in range(4)], out_dir=out)
    return out / "drift.html"


def test_the_report_draws_every_column_from_any_folder_offline(tmp_path, monkeypatch, browser):
    monkeypatch.setenv("GOVERN_HOME", str(tmp_path / "project"))
    report = _report(tmp_path / "project" / "model_cards" / "clv" / "v1")
    alone = tmp_path / "elsewhere" / "drift.html"  # nothing beside it: no shared assets to find
    alone.parent.mkdir()
    shutil.copyfile(report, alone)
    page = browser.new_page()
    errors, outside = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.route(re.compile(r"^(?!file:|data:|blob:)"), lambda route: (outside.append(route.request.url), route.abort()))
    page.goto(alone.as_uri())
    page.wait_for_function(PLOTS, timeout=30_000)
    assert page.evaluate("document.fonts.load(\"24px 'Material Icons'\").then(f => f.length)") == 1
    assert "Drift in column 'x0'" in page.inner_text("body")
    assert errors == [] and outside == []
    page.close()


@pytest.mark.integration
def test_the_report_draws_inside_mlflows_artifact_viewer(project, tmp_path, browser):
    from playwright.sync_api import expect

    from govern.core import processes
    from govern.runtime.ui import start_ui
    from govern.stores import registry

    report = _report(tmp_path / "drift")
    experiment = registry.ensure_experiment("drift-viewer", project.mlruns / "artifacts")
    run_id = registry.client().create_run(experiment).info.run_id
    registry.client().log_artifact(run_id, str(report), registry.EVIDENCE_DIR)
    registry.client().set_terminated(run_id, "FINISHED")
    process, url = start_ui(project, log=tmp_path / "mlflow-ui.log")
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(60_000)
        context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]|data:|blob:)"), lambda route: route.abort())
        page = context.new_page()
        page.goto(f"{url}/#/experiments/{experiment}/runs/{run_id}")
        page.get_by_role("tab", name="Artifacts").click()
        page.locator(f'[data-testid="artifact-tree-node"][artifact-name="{registry.EVIDENCE_DIR}"]').click()
        page.locator('[data-testid="artifact-tree-node"][artifact-name="drift.html"]').click()
        expect(page.frame_locator("iframe").first.locator(".js-plotly-plot").nth(16)).to_be_visible(timeout=60_000)
        viewer = next(f for f in page.frames if f.url.startswith("blob:"))
        assert viewer.evaluate("document.querySelectorAll('.js-plotly-plot').length") >= 17
        assert "Drift in column 'x0'" in viewer.inner_text("body")
        page.screenshot(path=str(tmp_path / "drift-in-mlflow.png"))
        context.close()
    finally:
        processes.stop(process, grace=30)
