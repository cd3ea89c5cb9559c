"""The champion-challenger flow as a Prefect deployment, run by a process worker from a
work pool against a real Prefect server, training through the governance server: the
worker logs in as the pipeline user, and the run is credited to the requester, whose
request run (created under her login when she runs ``govern train`` with only her login
and the Prefect server's address, as ``govern server submit`` does) the flow run names in
its job environment.  The
server and the worker hold ``GOVERN_AUDIT_KEY``, as docs/teams.md says, so
the gate evaluation on the chain is sealed and names the worker's login."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_project
from tests.team_story import PASSWORDS, SECRETS, team_server

GOVERN = Path(sys.executable).with_name("govern")

pytestmark = [pytest.mark.postgres, pytest.mark.integration]


def test_a_pool_worker_trains_and_the_server_records_its_login(tmp_path, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from govern.app.team_training import deploy_training, worker_command
    from govern.core.errors import GovernError
    from govern.runtime.scheduler import prefect_api
    from govern.stores import registry
    from govern.stores.audit.events import AUDIT_KEY_ENV, GATES
    from govern.stores.audit.log import AuditLog

    monkeypatch.setenv(AUDIT_KEY_ENV, "audit-key-for-tests")  # the server's and the worker's, never a trainer's
    root = make_project(tmp_path / "project", rows=1200, specs=("churn",))
    with team_server(tmp_path, "govern_pool") as team, prefect_api(log=tmp_path / "prefect.log") as api, temporary_settings(updates={PREFECT_API_URL: api}):
        deploy_training("training")
        env = dict(os.environ, PREFECT_API_URL=api, GOVERN_HOME=str(root), MLFLOW_TRACKING_URI=team.url, MLFLOW_TRACKING_USERNAME="govern-pipeline",
                   MLFLOW_TRACKING_PASSWORD=PASSWORDS["govern-pipeline"])
        with open(tmp_path / "worker.log", "wb") as log:
            worker = subprocess.Popen(worker_command("training"), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
        try:
            # govern train as ana, who holds only her login and the Prefect server's address: one command
            private = (*SECRETS, "GOVERN_DATABASE_URL", AUDIT_KEY_ENV, "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")
            ana = {**{k: v for k, v in os.environ.items() if k not in private}, "PREFECT_API_URL": api, "MLFLOW_TRACKING_URI": team.url,
                   "MLFLOW_TRACKING_USERNAME": "ana", "MLFLOW_TRACKING_PASSWORD": PASSWORDS["ana"], "GOVERN_HOME": str(tmp_path / "ana")}
            (tmp_path / "ana").mkdir()
            trained = subprocess.run([str(GOVERN), "train", "churn", "--trials", "2", "--json"], env=ana, capture_output=True, text=True, timeout=900)
            if not trained.stdout.strip().startswith("{"):
                pytest.fail(f"{trained.stderr[-3000:]}\n{(tmp_path / 'worker.log').read_text()[-3000:]}")
            result = json.loads(trained.stdout)
            assert result["trained_by"] == "work pool" and result["gates"] in ("passed", "failed"), result
            assert trained.returncode == (0 if result["gates"] == "passed" else 3), trained.stderr
            version = str(result["version"])
        except GovernError as exc:
            pytest.fail(f"{exc}\n{(tmp_path / 'worker.log').read_text()[-3000:]}")
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        with team.as_user("admin"):
            state = registry.VersionState.read("churn", version)
        with AuditLog(team.state_db) as log:
            evaluations = [e for e in log.events("churn") if e.action == GATES]
            problems = log.verify("churn")
        assert not problems, problems  # every event, the server's too, sealed with the key
        assert len(evaluations) == 1, [e.label for e in log.events("churn")]
        judged = evaluations[0]
        # Judged either way on 1,200 rows; what matters is who wrote what.
        expected = {"passed": "pending", "failed": "not_eligible"}
        assert (state.run_creator, state.registrant) == ("ana", "govern-pipeline")
        assert state.gate_status in expected and state.approval_status == expected[state.gate_status], (state, judged.details)
        assert judged.details["status"] == state.gate_status and judged.details["digest"] == state.digest
        assert judged.actor == "govern-pipeline"  # the login, not the worker's OS user
        assert judged.sealed_by(b"audit-key-for-tests"), "the worker holds GOVERN_AUDIT_KEY: its gate evaluation is sealed"
