"""A team server for tests: fresh PostgreSQL databases, the governance app, its users.

``team_server()`` starts ``mlflow server --app-name govern-auth`` exactly as ``govern
server`` does (bootstrap, one worker, job execution off) on three new databases (MLflow,
basic-auth, the platform's audit chain) and creates the people of the story: ``ana``
asks for training, ``bo`` reviews, ``cy`` reviews but also asks for training, ``admin``
is MLflow's admin, ``govern-service`` is the platform's service user (moves champion) and
``govern-pipeline`` the pipeline user (trains, registers and writes the evidence).
"""

from __future__ import annotations

import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.conftest import POSTGRES_SERVER, postgres_admin_or_skip

SERVER = POSTGRES_SERVER
PASSWORDS = {"admin": "admin-pass-4821", "govern-service": "service-pass-4821", "govern-pipeline": "pipeline-pass-4821",
             "ana": "ana-pass-4821", "bo": "bo-pass-4821", "cy": "cy-pass-4821"}
SECRETS = {
    "MLFLOW_FLASK_SERVER_SECRET_KEY": "flask-secret-for-tests",
    "GOVERN_APPROVAL_KEY": "approval-key-for-tests",
    "GOVERN_AUDIT_KEY": "audit-key-for-tests",
    # The promoter's key pair (govern server promoter-key): the test process promotes, the server checks.
    "GOVERN_PROMOTER_KEY": "pTaR7Ty6nSOISmO7dTZNENqoZmsqCKZ_Y0r6WTvypoM",
    "GOVERN_PROMOTER_PUBLIC_KEY": "szZK84XMI2FqvYdtumbLl1Z6GmdDE7PF12UFhLcZpRs",
    "MLFLOW_AUTH_ADMIN_PASSWORD": PASSWORDS["admin"],
    "GOVERN_SERVICE_PASSWORD": PASSWORDS["govern-service"],
    "GOVERN_PIPELINE_PASSWORD": PASSWORDS["govern-pipeline"],
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
}


def postgres_or_skip():
    pytest.importorskip("flask_wtf", reason="the team extra (mlflow[auth]) is not installed: make install")
    return postgres_admin_or_skip()


@dataclass
class Team:
    url: str
    state_db: str
    started_in: float
    process: object
    log: Path
    saved_env: dict = field(default_factory=dict)

    def call(self, user: str, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.url}{path}", auth=(user, PASSWORDS[user]), timeout=30, **kwargs)

    @contextmanager
    def as_user(self, user: str):
        """MLflow's client reads its credentials from the environment on every request."""
        before = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")}
        os.environ.update(MLFLOW_TRACKING_USERNAME=user, MLFLOW_TRACKING_PASSWORD=PASSWORDS[user])
        try:
            yield
        finally:
            for key, value in before.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    @contextmanager
    def pipeline_for(self, user: str, model: str):
        """What ``govern train`` does in team mode: ``user`` asks (a request run under their
        login), then the process trains as the pipeline user; yields the request run's id."""
        from govern.app.team_training import as_pipeline

        with self.as_user(user), as_pipeline(model) as request_run:
            yield request_run

    def register(self, model: str, user: str) -> str:
        """The pipeline trains a tiny model for ``user`` in a run, registers it as passing
        its gates and records the evidence digest, as registration does; returns the version."""
        import mlflow
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        from govern.governance.identity import request_tags
        from govern.stores import registry
        from tests.record_story import minimal_record

        with self.pipeline_for(user, f"{model}-exp"):
            experiment = registry.ensure_experiment(f"{model}-exp", None)
            rng = np.random.default_rng(0)
            x = rng.normal(size=(40, 3))
            fitted = LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))
            with mlflow.start_run(experiment_id=experiment, tags=request_tags()) as run:
                info = mlflow.sklearn.log_model(fitted, name="model", pip_requirements=["scikit-learn"])
                mlflow.log_text("{}", f"{registry.EVIDENCE_DIR}/gates.json")
            if not registry.registered(model):
                registry.client().create_registered_model(model)
            tags = {registry.GATE_STATUS: "passed", registry.APPROVAL_STATUS: registry.PENDING}
            mv = registry.client().create_model_version(model, info.model_uri, run_id=run.info.run_id, tags=tags, model_id=info.model_id)
            record = minimal_record(model=model, version=int(mv.version), spec={"name": model})  # what promotion re-reads
            registry.client().log_text(run.info.run_id, record.model_dump_json(), f"{registry.EVIDENCE_DIR}/record.json")
            digest = registry.recorded_evidence_digest(model, str(mv.version))
            registry.client().set_model_version_tag(model, str(mv.version), registry.EVIDENCE_DIGEST, digest)
            registry.client().set_registered_model_alias(model, registry.CHALLENGER, str(mv.version))
        from govern.stores.audit.events import GATES
        from govern.stores.audit.log import AuditLog

        with AuditLog(self.state_db) as log:
            log.append(model, GATES, actor=user, version=str(mv.version), details={"status": "passed", "digest": digest, "run_id": run.info.run_id})
        return str(mv.version)


def _databases(engine, prefix: str) -> dict[str, str]:
    import sqlalchemy

    suffix = uuid.uuid4().hex[:8]
    names = {kind: f"{prefix}_{kind}_{suffix}" for kind in ("mlflow", "auth", "state")}
    with engine.connect() as con:
        for name in names.values():
            con.execute(sqlalchemy.text(f'create database "{name}"'))
    return names


def platform_role_statements(role: str, password: str, databases: list[str]) -> tuple[list[str], list[str]]:
    """Step 1 of docs/teams.md as SQL: (on the server) a login role that is not the
    superuser with all on the three databases; (in each database) all on its schema."""
    return ([f"create role {role} login password '{password}'", f"grant all on database {', '.join(databases)} to {role}"],
            [f"grant all on schema public to {role}"])


def _platform_role(engine, names: dict[str, str], role: str) -> str:
    """Run step 1's grants for ``role`` on the test's databases; returns its URL prefix."""
    import sqlalchemy

    password = "platform-db-pass-4821"
    on_server, in_each = platform_role_statements(role, password, [f'"{n}"' for n in names.values()])
    with engine.connect() as con:
        for sql in on_server:
            con.execute(sqlalchemy.text(sql))
    for name in names.values():
        each = sqlalchemy.create_engine(f"{SERVER}/{name}", isolation_level="AUTOCOMMIT")
        with each.connect() as con:
            for sql in in_each:
                con.execute(sqlalchemy.text(sql))
        each.dispose()
    return f"postgresql+psycopg://{role}:{password}@127.0.0.1:5432"


def _drop(engine, names: dict[str, str], role: str | None = None) -> None:
    import sqlalchemy

    with engine.connect() as con:
        for name in names.values():
            con.execute(sqlalchemy.text(f'drop database if exists "{name}" with (force)'))
        if role:
            con.execute(sqlalchemy.text(f"drop role if exists {role}"))


@contextmanager
def team_server(tmp: Path, prefix: str, *, platform_role: bool = False):
    """The running server with its users; the test process's MLflow points at it meanwhile.
    With ``platform_role`` every database is reached as a login role made by the docs'
    step 1 (not the superuser), as the walkthrough says."""
    import mlflow

    from govern.runtime.ui import free_port
    from govern.server.serve import TeamServer, add_reviewer, start

    engine = postgres_or_skip()
    names = _databases(engine, prefix)
    role = f"{prefix}_role_{uuid.uuid4().hex[:6]}" if platform_role else None
    url = _platform_role(engine, names, role) if role else SERVER
    saved = {k: os.environ.get(k) for k in (*SECRETS, "GOVERN_DATABASE_URL", "MLFLOW_TRACKING_URI", "MLFLOW_AUTH_CONFIG_PATH")}
    saved_uris = (mlflow.get_tracking_uri(), mlflow.get_registry_uri())
    os.environ.update(SECRETS, GOVERN_DATABASE_URL=f"{url}/{names['state']}")
    server = TeamServer(f"{url}/{names['mlflow']}", f"{url}/{names['auth']}", str(tmp / "artifacts"), tmp / "config", port=free_port())
    log = tmp / "govern-server.log"
    began = time.monotonic()
    process = start(server, log=log)
    team = Team(url=server.url, state_db=os.environ["GOVERN_DATABASE_URL"], started_in=time.monotonic() - began, process=process, log=log)
    try:
        for user in ("ana", "bo", "cy"):
            assert team.call("admin", "POST", "/api/2.0/mlflow/users/create", json={"username": user, "password": PASSWORDS[user]}).status_code == 200
        add_reviewer(server, "bo", None)
        add_reviewer(server, "cy", None)
        os.environ["MLFLOW_TRACKING_URI"] = server.url
        mlflow.set_tracking_uri(server.url)
        mlflow.set_registry_uri(server.url)
        yield team
    finally:
        process.terminate()
        process.wait(timeout=30)
        mlflow.set_tracking_uri(saved_uris[0])
        mlflow.set_registry_uri(saved_uris[1])
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _drop(engine, names, role)
