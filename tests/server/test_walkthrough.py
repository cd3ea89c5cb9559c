"""The team walkthrough of docs/teams.md, command by command through the real CLI on PostgreSQL.

Each role runs with its own environment only: the reviewer and the auditor hold no key,
the pipeline machine holds the pipeline's password and the chain's key, the promoter
the approval and chain keys.  The data comes from ``govern demo-data`` on a project
holding only the bundled churn spec (its tuning budget cut as the suite's projects do).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from tests.team_story import PASSWORDS, SECRETS, team_server

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

GOVERN = Path(sys.executable).with_name("govern")
REPO = Path(__file__).resolve().parents[2]
AUDIT_KEY = SECRETS["GOVERN_AUDIT_KEY"]
# Nothing of the test process's secrets or logins leaks into a role's environment.
_PRIVATE = (*SECRETS, "GOVERN_AUDIT_KEY", "GOVERN_DATABASE_URL", "GOVERN_AUTH_DATABASE_URL", "GOVERN_MLFLOW_DATABASE_URL",
            "MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "GOVERN_REVIEWER_PASSWORD")


def _project(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    raw = yaml.safe_load((REPO / "models" / "churn.yaml").read_text())
    raw["tuning"].update(trials=2, iterations=60, early_stopping_rounds=10)
    raw["gates"]["champion"]["resamples"] = 200
    (root / "models" / "churn.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return root


def _run(root: Path, args: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in _PRIVATE}
    print(f"\n{time.strftime('%H:%M:%S')} govern {' '.join(args)}")
    return subprocess.run([str(GOVERN), *args], cwd=root, env={**base, "GOVERN_HOME": str(root), "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", **env},
                          capture_output=True, text=True, timeout=300)


def _login(user: str) -> dict[str, str]:
    return {"MLFLOW_TRACKING_USERNAME": user, "MLFLOW_TRACKING_PASSWORD": PASSWORDS[user]}


def test_the_team_walkthrough_from_a_fresh_clone(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVERN_AUDIT_KEY", AUDIT_KEY)  # the server's, the pipeline's and the promoter's
    root = _project(tmp_path / "clone")
    began = time.monotonic()
    data = _run(root, ["demo-data"])
    assert data.returncode == 0 and (root / "data" / "demo" / "customers.parquet").exists(), data.stderr
    # 2. other machines reach the server by name: the names it answers to, nothing else
    monkeypatch.setenv("MLFLOW_SERVER_ALLOWED_HOSTS", "mlflow-host,mlflow-host:*,127.0.0.1:*,localhost:*")
    # 1. every database is reached as the platform's login role of the docs' step 1, never the superuser
    with team_server(tmp_path, "govern_walk", platform_role=True) as team:
        auth_db, state_db = team.state_db.replace("_state_", "_auth_"), team.state_db
        assert "postgres@" not in state_db and "_role_" in state_db
        server = {"MLFLOW_TRACKING_URI": team.url}
        port = team.url.rsplit(":", 1)[1]
        for host, status in ((f"mlflow-host:{port}", 200), (f"elsewhere:{port}", 403)):
            answered = requests.get(f"{team.url}/api/2.0/mlflow/users/current", headers={"Host": host}, auth=("bo", PASSWORDS["bo"]), timeout=10)
            assert answered.status_code == status, (host, answered.status_code, answered.text)

        # 3. a reviewer's password shorter than basic-auth allows is one line, exit 2
        short = _run(root, ["server", "add-reviewer", "dee"], GOVERN_AUTH_DATABASE_URL=auth_db, GOVERN_REVIEWER_PASSWORD="...")
        assert short.returncode == 2 and short.stderr.strip().splitlines() == [
            "error: GOVERN_REVIEWER_PASSWORD must be at least 12 characters (MLflow basic-auth's rule); it has 3"], short.stderr
        added = _run(root, ["server", "add-reviewer", "dee"], GOVERN_AUTH_DATABASE_URL=auth_db, GOVERN_REVIEWER_PASSWORD="dee-pass-48211")
        assert added.returncode == 0 and "dee: created and added to the reviewers' role" in added.stdout, added.stderr

        # govern audit without credentials names the 401, not an unknown model
        anonymous = _run(root, ["audit", "churn"], **server)
        assert anonymous.returncode == 2 and "401" in anonymous.stderr and "MLFLOW_TRACKING_USERNAME" in anonymous.stderr, anonymous.stderr
        assert "unknown model" not in anonymous.stderr

        # 4. ana asks, on a machine of the pipeline (its password and the chain's key there)
        pipeline = {**server, **_login("ana"), "GOVERN_PIPELINE_PASSWORD": PASSWORDS["govern-pipeline"], "GOVERN_AUDIT_KEY": AUDIT_KEY,
                    "GOVERN_DATABASE_URL": state_db}
        trained = _run(root, ["train", "churn", "--json"], **pipeline)
        assert trained.returncode == 0, trained.stderr[-3000:]
        result = json.loads(trained.stdout)
        version = str(result["version"])
        assert result["gates"] == "passed", result
        described = team.call("bo", "GET", "/api/2.0/mlflow/model-versions/get", params={"name": "churn", "version": version}).json()["model_version"]
        assert "the server records you as `approval.reviewer`" in described["description"]
        assert "add tag `approval.reviewer`" not in described["description"]

        # 5. bo approves with his login only (the chain's database, no key)
        reviewer = {**server, **_login("bo"), "GOVERN_DATABASE_URL": state_db}
        acknowledged = [arg for gate in result.get("needs_acknowledgement") or [] for arg in ("--acknowledge", gate)]
        approved = _run(root, ["approve", "churn", version, "--reviewer", "bo", *acknowledged], **reviewer)
        assert approved.returncode == 0, approved.stderr

        # ana's slip: promoting as herself is refused at once
        slip = _run(root, ["promote", "churn"], **server, **_login("ana"), GOVERN_DATABASE_URL=state_db)
        assert slip.returncode != 0 and "govern-service" in slip.stderr, slip.stderr

        # 6. the service user promotes with the approval and chain keys
        promoter = {**server, **_login("govern-service"), "GOVERN_APPROVAL_KEY": SECRETS["GOVERN_APPROVAL_KEY"], "GOVERN_AUDIT_KEY": AUDIT_KEY,
                    "GOVERN_DATABASE_URL": state_db, "GOVERN_PROMOTER_KEY": SECRETS["GOVERN_PROMOTER_KEY"]}
        keyless = _run(root, ["promote", "churn"], **{k: v for k, v in promoter.items() if k != "GOVERN_PROMOTER_KEY"})
        assert keyless.returncode != 0 and "GOVERN_PROMOTER_KEY" in keyless.stderr, keyless.stderr
        promoted = _run(root, ["promote", "churn"], **promoter)
        assert promoted.returncode == 0 and f"v{version}" in promoted.stdout, promoted.stderr

        # an admin's reset of the promoter's password is refused and on the server's own chain
        reset = team.call("admin", "PATCH", "/api/2.0/mlflow/users/update-password", json={"username": "govern-service", "password": "taken-over-4821"})
        assert reset.status_code == 403, reset.text
        server_chain = _run(root, ["audit", "--server", "--json"], **server, **_login("bo"), GOVERN_DATABASE_URL=state_db, GOVERN_AUDIT_KEY=AUDIT_KEY)
        chain = json.loads(server_chain.stdout)
        assert server_chain.returncode == 0 and chain["ok"], (chain["problems"], server_chain.stderr)
        assert [e["actor"] for e in chain["events"] if "update-password" in e["details"].get("path", "")] == ["admin"]

        # anyone with a login and the key audits: intact, every event sealed, names are logins
        audited = _run(root, ["audit", "churn", "--json"], **server, **_login("bo"), GOVERN_DATABASE_URL=state_db, GOVERN_AUDIT_KEY=AUDIT_KEY)
        report = json.loads(audited.stdout)
        assert audited.returncode == 0 and report["ok"] and report["champion"] == version, (report["problems"], audited.stderr)
        actors = {e["actor"] for e in report["events"]}
        assert actors <= {"ana", "bo", "govern-pipeline", "govern-service"}, actors
        assert {"bo", "govern-pipeline", "govern-service"} <= actors
    print(f"\nwalkthrough in {time.monotonic() - began:.0f} s")
