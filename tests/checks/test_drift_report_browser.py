"""A compacted drift report draws offline in a real browser from the project's shared assets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from govern.checks.drift.assess import assess_drift
from tests.conftest import needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


def test_the_report_draws_every_column_from_the_shared_script_and_font(tmp_path, monkeypatch, browser):
    monkeypatch.setenv("GOVERN_HOME", str(tmp_path))
    rng = np.random.default_rng(3)

    def frame(n, shift):
        return pd.DataFrame({f"x{i}": rng.gamma(2.0, 10.0 + shift, n) for i in range(13)}
                            | {f"c{i}": rng.choice(["a", "b", "c"], n) for i in range(4)})

    out = tmp_path / "model_cards" / "clv" / "v1"
    assess_drift(frame(2142, 0.0), frame(1117, 3.0), columns=[f"x{i}" for i in range(13)] + [f"c{i}" for i in range(4)],
                 categorical=[f"c{i}" for i in range(4)], out_dir=out)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((out / "drift.html").as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 17", timeout=30_000)
    assert page.evaluate("document.fonts.load(\"24px 'Material Icons'\").then(f => f.length)") == 1
    assert "Drift in column 'x0'" in page.inner_text("body")
    assert errors == []
    page.close()
