"""``govern demo``, the first command every user runs, end to end on tiny sizes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO

pytestmark = pytest.mark.integration


def test_the_demo_tells_the_whole_story_on_tiny_data(tmp_path):
    (tmp_path / "models").mkdir()
    for spec in sorted((REPO / "models").glob("*.yaml")):
        raw = yaml.safe_load(spec.read_text())
        raw["tuning"].update(iterations=60, early_stopping_rounds=10)
        if (raw.get("gates") or {}).get("champion"):
            raw["gates"]["champion"]["resamples"] = 200
        (tmp_path / "models" / spec.name).write_text(yaml.safe_dump(raw, sort_keys=False))
    env = dict(os.environ, GOVERN_HOME=str(tmp_path))
    env.pop("MLFLOW_TRACKING_URI", None)
    run = subprocess.run([sys.executable, "-m", "govern.cli", "demo", "--rows", "2000", "--trials", "2"],
                         capture_output=True, text=True, env=env, timeout=1200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    for model in ("churn", "clv", "retention"):
        assert f"{model} v1: gates passed" in run.stdout, run.stdout
        assert (tmp_path / "model_cards" / model / "v1" / "card.html").exists()
    assert "approved by" in run.stdout and "promoted: champion v1" in run.stdout
    assert "done in" in run.stdout
