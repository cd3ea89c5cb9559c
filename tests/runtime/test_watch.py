"""`govern watch`: a reviewer who only sets tags in the UI gets the promotion on schedule.

Runs the real thing: `prefect server start` on a free localhost port with the project's
Prefect home, the `promote-approved` deployment served on a short interval.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import make_project

pytestmark = pytest.mark.integration


def test_watch_promotes_an_approval_set_by_tags(tmp_path):
    root = make_project(tmp_path, rows=1500, specs=("clv",))
    env = dict(os.environ, GOVERN_HOME=str(root), PREFECT_HOME=str(root / ".prefect"), PYTHONUNBUFFERED="1")
    env.pop("MLFLOW_TRACKING_URI", None)
    env.pop("PREFECT_API_URL", None)
    govern = [sys.executable, "-m", "govern.cli"]
    trained = subprocess.run([*govern, "train", "clv"], capture_output=True, text=True, env=env, timeout=600)
    assert trained.returncode == 0, trained.stdout + trained.stderr

    # The reviewer's act in the UI is a tag write on the version; do exactly that.
    from mlflow import MlflowClient

    store = f"sqlite:///{root / 'mlruns' / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=store, registry_uri=store)  # not the session's registry
    client.set_model_version_tag("clv", "1", "approval.status", "approved")
    client.set_model_version_tag("clv", "1", "approval.reviewer", "tag-reviewer")

    watcher = subprocess.Popen([*govern, "watch", "--interval", "5"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Wait for the scheduled run that promoted to finish, not only for the alias it
        # sets mid-run: stopping the watcher between the two would crash that run.
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and watcher.poll() is None:
            if client.get_registered_model("clv").aliases.get("champion") is not None and _completed_scheduled_runs(root):
                break
            time.sleep(2)
        assert str(client.get_registered_model("clv").aliases.get("champion")) == "1", "watch did not promote in time"
    finally:
        watcher.terminate()
        try:
            output = watcher.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            watcher.kill()  # never leave a watcher (and its server) behind
            output = watcher.communicate()[0]
            raise AssertionError(f"govern watch ignored SIGTERM for 60 s:\n{output}") from None
    # The runner used the server it was given, not a temporary one that schedules nothing.
    assert "ephemeral server" not in output, output
    # The promotion came from a scheduled run of the served deployment, on the real server.
    with sqlite3.connect(root / ".prefect" / "prefect.db") as con:
        deployments = [r[0] for r in con.execute("select name from deployment")]
    assert deployments == ["govern-watch"], output
    assert _completed_scheduled_runs(root) >= 1, output
    audited = subprocess.run([*govern, "audit", "clv"], capture_output=True, text=True, env=env, timeout=120)
    assert audited.returncode == 0, audited.stderr
    assert "govern watch" in audited.stdout
    assert "tag-reviewer" in audited.stdout


def _completed_scheduled_runs(root) -> int:
    """Runs of the served deployment that reached COMPLETED, read from Prefect's own database."""
    database = root / ".prefect" / "prefect.db"
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=5) as con:
            query = "select count(*) from flow_run where deployment_id is not null and state_type = 'COMPLETED'"
            return con.execute(query).fetchone()[0]
    except sqlite3.OperationalError:  # tables not created yet, or the server holds a write lock
        return 0
