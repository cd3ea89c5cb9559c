"""card.frameworks through a real training: the version's record.json keeps the crosswalk
with its mapping version, and its card ends with the crosswalk section."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from govern.card import frameworks as fw
from tests.conftest import make_project

pytestmark = pytest.mark.integration


def test_a_spec_with_frameworks_trains_a_card_with_the_crosswalk(tmp_path):
    root = make_project(tmp_path / "project", rows=1200, specs=("churn",))
    spec_path = root / "models" / "churn.yaml"
    raw = yaml.safe_load(spec_path.read_text())
    raw["card"]["frameworks"] = ["eu_ai_act", "us_interagency_2026"]
    spec_path.write_text(yaml.safe_dump(raw, sort_keys=False))
    env = dict(os.environ, GOVERN_HOME=str(root))
    env.pop("MLFLOW_TRACKING_URI", None)
    done = subprocess.run([sys.executable, "-m", "govern.cli", "train", "churn", "--trials", "1", "--json"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode in (0, 3), done.stderr[-2000:]
    version = json.loads(done.stdout)["version"]
    folder = root / "model_cards" / "churn" / f"v{version}"
    record = json.loads((folder / "record.json").read_text())
    assert record["spec"]["card"]["frameworks"] == ["eu_ai_act", "us_interagency_2026"]
    assert record["crosswalk"]["version"] == fw.MAPPING_VERSION
    assert [row["section"] for row in record["crosswalk"]["sections"]] == list(fw.CARD_SECTIONS)
    card = (folder / "card.md").read_text()
    assert "## Regulatory crosswalk" in card and f"mapping version {fw.MAPPING_VERSION}" in card
    assert "| Governance record | Art. 11 and Annex IV technical documentation; Art. 12 record-keeping" in card
