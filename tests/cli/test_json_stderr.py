"""``--json`` leaves stderr empty in every case: on a machine where matplotlib cannot
keep its cache (it says so on stderr at every import), training, the card with its PDF,
status, audit, approval, promotion and monitoring, through the real CLI.  What libraries said is kept in
``mlruns/logs/json-stderr.log``; a refusal still reaches stderr in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_project

pytestmark = pytest.mark.integration  # trains a model, in child processes


def _govern(root: Path, mplconfig: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, GOVERN_HOME=str(root), MPLCONFIGDIR=str(mplconfig))
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run([sys.executable, "-m", "govern.cli", *args], capture_output=True, text=True, env=env, timeout=600)


def test_json_commands_leave_stderr_empty_on_a_fresh_machine(tmp_path):
    root = make_project(tmp_path / "project", rows=1500, specs=("churn",))
    (tmp_path / "file").write_text("")
    fresh = tmp_path / "file" / "mplconfig"  # not a directory matplotlib can write: it warns on stderr

    plain = subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], capture_output=True, text=True,
                           env=dict(os.environ, MPLCONFIGDIR=str(fresh)))
    assert "Matplotlib created a temporary cache directory" in plain.stderr  # what reaches stderr without the redirect

    trained = _govern(root, fresh, "train", "churn", "--json")
    assert trained.stderr == "", trained.stderr
    version = json.loads(trained.stdout)["version"]
    assert trained.returncode == 0, trained.stdout  # the suite's 1500-row project passes its gates

    card = _govern(root, fresh, "card", "churn", version, "--pdf", "--json")
    assert card.returncode == 0 and card.stderr == "", card.stderr
    assert Path(json.loads(card.stdout)["pdf"]).exists()
    for args in (("status", "--json"), ("status", "churn", "--json"), ("audit", "churn", "--json")):
        out = _govern(root, fresh, *args)
        assert out.returncode == 0 and out.stderr == "", (args, out.stderr)
        json.loads(out.stdout)

    reviewed = _govern(root, fresh, "approve", "churn", version, "--reviewer", "json-reviewer", "--json",
                       *(arg for gate in json.loads(trained.stdout).get("needs_acknowledgement", []) for arg in ("--acknowledge", gate)))
    assert reviewed.returncode == 0 and reviewed.stderr == "", reviewed.stdout + reviewed.stderr
    promoted = _govern(root, fresh, "promote", "churn", "--json")
    assert promoted.returncode == 0 and promoted.stderr == "", promoted.stderr
    monitored = _govern(root, fresh, "monitor", "churn", "--current", str(root / "data" / "demo" / "customers_recent.parquet"), "--json")
    assert monitored.stderr == "", monitored.stderr
    assert json.loads(monitored.stdout)["champion"] == version

    refused = _govern(root, fresh, "approve", "churn", "99", "--reviewer", "x", "--json")
    assert refused.returncode == 2 and refused.stdout == "" and refused.stderr.count("\n") == 1 and refused.stderr.startswith("error: ")
    assert (root / "mlruns" / "logs" / "json-stderr.log").exists()
