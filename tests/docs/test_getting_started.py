"""Every shell block of docs/getting-started.md, run in a temporary project, in order.

``make demo`` is what its Makefile target runs after the install (``govern demo``), with tiny
sizes (``--rows``, ``--trials``) and the suite's small study budgets; ``make test`` is this
suite itself and is not run again.  Every other line runs as written, with ``.venv/bin/govern``
as this interpreter's ``govern``.  Each must end with a documented exit code, a refusal in
one line and no traceback; the files the page says to look at must be there afterwards."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_project

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "getting-started.md"
DOCUMENTED_EXITS = {0, 2, 3, 4, 5}
TINY = ["--rows", "1500", "--trials", "1"]


def shell_lines() -> list[str]:
    lines = []
    for body in re.findall(r"```bash\n(.*?)```", PAGE.read_text(), re.S):
        for line in body.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def as_run(line: str) -> list[str] | None:
    """The command a line of the page runs here; None for ``make test``."""
    if line == "make test":
        return None
    if line == "make demo":
        return [sys.executable, "-m", "govern.cli", "demo", *TINY]
    words = shlex.split(line)
    assert words[0] == ".venv/bin/govern", f"getting started shows a command this test cannot run: {line}"
    return [sys.executable, "-m", "govern.cli", *words[1:]]


def test_the_page_shows_the_two_commands_and_make_demo_runs_govern_demo():
    lines = shell_lines()
    assert lines[:2] == ["make demo", "make test"]
    demo = re.search(r"^demo:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert demo and "$(VENV)/bin/govern demo" in demo.group(1)


def test_every_shell_block_runs_in_a_temporary_project(tmp_path):
    root = make_project(tmp_path / "project", rows=1500, specs=("churn", "clv", "retention"))
    env = dict(os.environ, GOVERN_HOME=str(root), USER=os.environ.get("USER", "tester"))
    env.pop("MLFLOW_TRACKING_URI", None)
    ran = []
    for line in shell_lines():
        command = as_run(line)
        if command is None:
            continue
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=1200)
        ran.append(line)
        assert done.returncode in DOCUMENTED_EXITS, f"{line}: exit {done.returncode}\n{done.stderr[-2000:]}"
        assert "Traceback" not in done.stderr, f"{line}:\n{done.stderr[-2000:]}"
        if done.returncode == 2:
            errors = [x for x in done.stderr.splitlines() if x.startswith("error:")]
            assert len(errors) == 1, f"{line}: a refusal is one line:\n{done.stderr}"
    assert "make demo" in ran and any("govern audit" in line for line in ran)
    cards = root / "model_cards"
    for model in ("churn", "clv"):
        for name in ("card.html", "card.md", "record.json", "gates.json", "fairness.json", "drift.html"):
            assert (cards / model / "v1" / name).exists(), f"{model}/v1/{name}"
    assert list(cards.glob("churn/v*/monitoring/*/monitoring.html"))
    assert list(cards.glob("retention/v*/experiment/experiment.html"))
