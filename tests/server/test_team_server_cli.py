"""``govern server`` refuses to start without its secrets or with a non-PostgreSQL store,
in one line and exit 2, before anything is created."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from govern.governance.promoter_key import new_key_pair
from govern.server.serve import BOOTSTRAP_SECRETS, SERVER_SECRETS

pytestmark = pytest.mark.integration  # the real CLI in child processes

GOVERN = Path(sys.executable).with_name("govern")


def _server(tmp_path, **env):
    base = {k: v for k, v in os.environ.items()
            if k not in (*SERVER_SECRETS, *BOOTSTRAP_SECRETS, "GOVERN_MLFLOW_DATABASE_URL", "GOVERN_AUTH_DATABASE_URL", "MLFLOW_TRACKING_URI")}
    return subprocess.run([str(GOVERN), "server", "--port", "1"], env={**base, "GOVERN_HOME": str(tmp_path), **env}, capture_output=True, text=True,
                          timeout=120)


def test_missing_secrets_are_named_in_one_line(tmp_path):
    result = _server(tmp_path, MLFLOW_FLASK_SERVER_SECRET_KEY="x", GOVERN_SERVICE_PASSWORD="y")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the team server needs ")
    for name in ("GOVERN_APPROVAL_KEY", "GOVERN_AUDIT_KEY", "GOVERN_PROMOTER_PUBLIC_KEY", "GOVERN_DATABASE_URL", "MLFLOW_AUTH_ADMIN_PASSWORD"):
        assert name in lines[0]
    assert "MLFLOW_FLASK_SERVER_SECRET_KEY" not in lines[0] and "GOVERN_SERVICE_PASSWORD" not in lines[0]
    assert not (tmp_path / "mlruns" / "govern-auth.ini").exists()


@pytest.mark.parametrize("missing, flag", [("GOVERN_MLFLOW_DATABASE_URL", "--backend-store-uri"), ("GOVERN_AUTH_DATABASE_URL", "--auth-database-uri")])
def test_stores_must_be_given_and_be_postgresql(tmp_path, missing, flag):
    secrets = {name: "secret-value-long-enough" for name in (*SERVER_SECRETS, *BOOTSTRAP_SECRETS)}
    secrets["GOVERN_PROMOTER_PUBLIC_KEY"] = new_key_pair()[1]
    stores = {"GOVERN_MLFLOW_DATABASE_URL": "postgresql+psycopg://u@h/m", "GOVERN_AUTH_DATABASE_URL": "postgresql+psycopg://u@h/a"}
    result = _server(tmp_path, **secrets, **{k: v for k, v in stores.items() if k != missing})
    assert result.returncode == 2 and flag in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = _server(tmp_path, **secrets, **{**stores, missing: "sqlite:///x.db"})
    assert result.returncode == 2 and "must be a PostgreSQL URL" in result.stderr


def test_a_promoter_public_key_that_cannot_verify_is_refused_at_start(tmp_path):
    secrets = {name: "secret-value-long-enough" for name in (*SERVER_SECRETS, *BOOTSTRAP_SECRETS)}
    result = _server(tmp_path, **secrets, GOVERN_MLFLOW_DATABASE_URL="postgresql+psycopg://u@h/m", GOVERN_AUTH_DATABASE_URL="postgresql+psycopg://u@h/a")
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        "error: GOVERN_PROMOTER_PUBLIC_KEY is not a promoter key made by `govern server promoter-key` (32 bytes, base64)"], result.stderr
