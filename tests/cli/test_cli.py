"""The command line as a user meets it: real subprocesses, one-line errors, exit codes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import make_project


def govern(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, GOVERN_HOME=str(root))
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run([sys.executable, "-m", "govern.cli", *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def cli_project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("cli"), rows=800, specs=("churn",))


def _registered(root: Path) -> list:
    db = root / "mlruns" / "mlflow.db"
    if not db.exists():
        return []
    with sqlite3.connect(db) as con:
        return con.execute("select name, version from model_versions").fetchall()


def test_every_command_argument_and_option_is_explained():
    import typer

    from govern.cli import app

    group = typer.main.get_command(app)
    expected = {"demo", "train", "approve", "promote", "rollback", "monitor", "audit", "card", "ui", "watch", "status"}
    assert expected <= set(group.commands)
    unexplained = []
    for name, command in group.commands.items():
        assert (command.help or "").strip(), f"{name} has no description"
        for param in command.params:
            text = getattr(param, "help", None)
            if param.name != "help" and not (text or "").strip():
                unexplained.append(f"{name} {param.name}")
    assert unexplained == []
    from typer.testing import CliRunner

    listing = CliRunner().invoke(app, ["--help"], terminal_width=200).output
    for name in expected:
        assert f" {name} " in listing, listing


@pytest.mark.integration
def test_help_runs_for_every_command(cli_project):
    from typer.main import get_command

    from govern.cli import app

    for name, command in get_command(app).commands.items():
        out = govern(cli_project, name, "--help")
        assert out.returncode == 0 and out.stderr == "", name
        page = " ".join(out.stdout.split())  # Rich wraps lines at the terminal width
        assert " ".join(command.help.split()[:4]) in page, f"{name} --help does not show its description"
        for param in command.params:
            if param.name != "help" and getattr(param, "opts", None):
                assert any(opt in page for opt in param.opts) or param.name.upper() in page, f"{name} --help does not list {param.name}"


@pytest.mark.integration
def test_unknown_model_is_one_line_and_registers_nothing(cli_project):
    out = govern(cli_project, "train", "does-not-exist")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert "unknown model 'does-not-exist'" in out.stderr
    assert _registered(cli_project) == []


@pytest.mark.integration
def test_spec_naming_a_missing_column_is_one_line(cli_project):
    spec = yaml.safe_load((cli_project / "models" / "churn.yaml").read_text())
    spec["name"] = "broken"
    spec["data"]["exclude"] = ["clv_12m", "loyalty_points"]
    (cli_project / "models" / "broken.yaml").write_text(yaml.safe_dump(spec))
    out = govern(cli_project, "train", "broken")
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert "loyalty_points" in out.stderr
    assert _registered(cli_project) == []


@pytest.mark.integration
@pytest.mark.parametrize(
    "frame_change, fragment",
    [
        (lambda d: d.iloc[:0], "empty"),
        (lambda d: d.assign(churned=0), "one-class"),
        (lambda d: d.assign(monthly_spend=d["monthly_spend"].astype(str)), "monthly_spend"),
    ],
)
def test_bad_data_is_one_line(cli_project, tmp_path, frame_change, fragment):
    import pandas as pd

    frame = frame_change(pd.read_parquet(cli_project / "data/demo/customers.parquet"))
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path)
    out = govern(cli_project, "train", "churn", "--data", str(path))
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().count("\n") == 0
    assert fragment in out.stderr
    assert _registered(cli_project) == []


@pytest.mark.integration
def test_decisions_on_unknown_model_fail_cleanly(cli_project):
    for args in (("promote", "ghost"), ("rollback", "ghost"), ("audit", "ghost"), ("approve", "ghost", "1", "--reviewer", "r")):
        out = govern(cli_project, *args)
        assert out.returncode == 2, args
        assert "ghost" in out.stderr and out.stderr.strip().count("\n") == 0
