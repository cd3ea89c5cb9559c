"""``govern server``: the MLflow tracking server for a team, with the governance app.

MLflow on a PostgreSQL backend, artifacts served through the server, basic-auth users
in their own database, one worker and no job runners.  Under a custom app name MLflow
skips basic-auth's start-up steps (admin bootstrap before the workers start, the
secret-key check), so they run here first: a missing secret stops the command with
one line instead of a worker restarting in a loop.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from govern.core.errors import GovernError
from govern.governance.identity import TeamRoles, same_person, user_collision_refusal
from govern.governance.promoter_key import PUBLIC_KEY_ENV, check_public_key

APP_NAME = "govern-auth"
WORKSPACE = "default"
# What the app cannot run without, in the server's environment.
SERVER_SECRETS = ("MLFLOW_FLASK_SERVER_SECRET_KEY", "GOVERN_APPROVAL_KEY", "GOVERN_AUDIT_KEY", "GOVERN_PROMOTER_PUBLIC_KEY", "GOVERN_DATABASE_URL")
# What the bootstrap needs on top: the first admin's, the service user's and the pipeline user's passwords.
BOOTSTRAP_SECRETS = ("MLFLOW_AUTH_ADMIN_PASSWORD", "GOVERN_SERVICE_PASSWORD", "GOVERN_PIPELINE_PASSWORD")
# basic-auth refuses shorter passwords (mlflow.utils.validation._validate_password).
MIN_PASSWORD_LENGTH = 12


def require_server_secrets(*, server_side: bool = False) -> None:
    """One line naming every missing secret."""
    needed = SERVER_SECRETS + (("MLFLOW_AUTH_CONFIG_PATH",) if server_side else BOOTSTRAP_SECRETS)
    missing = [name for name in needed if not os.environ.get(name)]
    if missing:
        raise GovernError(f"the team server needs {', '.join(missing)} set; refusing to start without {'it' if len(missing) == 1 else 'them'}")
    check_public_key(os.environ[PUBLIC_KEY_ENV])


@dataclass(frozen=True)
class TeamServer:
    """Where the team server keeps things."""

    backend_store_uri: str
    auth_database_uri: str
    artifacts_destination: str
    config_dir: Path
    host: str = "127.0.0.1"
    port: int = 5000

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def check(self) -> None:
        for label, uri in (("--backend-store-uri", self.backend_store_uri), ("--auth-database-uri", self.auth_database_uri)):
            if not uri.startswith("postgresql"):
                raise GovernError(f"{label} must be a PostgreSQL URL (postgresql+psycopg://user@host/db), got {uri!r}")

    def auth_config(self) -> Path:
        """basic-auth's configuration: its user database, and EDIT for every signed-in user
        (what a user may do to tags and aliases is the governance app's decision)."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        path = self.config_dir / "govern-auth.ini"
        path.write_text(
            "[mlflow]\n"
            "default_permission = EDIT\n"
            f"database_uri = {self.auth_database_uri}\n"
            "admin_username = admin\n"
            "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
        )
        return path

    def environment(self) -> dict:
        env = dict(os.environ)
        env.update({
            "MLFLOW_AUTH_CONFIG_PATH": str(self.auth_config()),
            "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
            "MLFLOW_DISABLE_TELEMETRY": "true",
        })
        return env

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "mlflow", "server", "--app-name", APP_NAME,
            "--backend-store-uri", self.backend_store_uri,
            "--artifacts-destination", self.artifacts_destination,
            "--host", self.host, "--port", str(self.port), "--workers", "1",
        ]


def _auth_store(server: TeamServer):
    """basic-auth's user store on this server's database (its own instance: the module's
    global store is configured once per process, from whatever config was read first)."""
    import warnings

    with warnings.catch_warnings():  # MLflow's server package imports starlette's deprecated WSGI shim: not the user's concern
        warnings.filterwarnings("ignore", message="starlette.middleware.wsgi is deprecated")
        from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore()
    store.init_db(server.auth_database_uri)
    return store


def _role(store, name: str, description: str):
    from mlflow.exceptions import MlflowException

    try:
        return store.get_role_by_name(WORKSPACE, name)
    except MlflowException:
        return store.create_role(name, WORKSPACE, description)


def _assign(store, username: str, role) -> None:
    user = store.get_user(username)
    if all(r.id != role.id for r in store.list_user_roles(user.id)):
        store.assign_role_to_user(user.id, role.id)


def password_refusal(password: str | None, source: str) -> str | None:
    """basic-auth's own rule, said in one line naming where the password came from."""
    if password is not None and len(password) >= MIN_PASSWORD_LENGTH:
        return None
    return f"{source} must be at least {MIN_PASSWORD_LENGTH} characters (MLflow basic-auth's rule); it has {len(password or '')}"


def _create_user(store, username: str, password: str, *, source: str, **kwargs) -> None:
    """A new user, unless one exists whose name differs only in case, spaces or Unicode form."""
    reason = user_collision_refusal(username, [u.username for u in store.list_users()]) or password_refusal(password, source)
    if reason is not None:
        raise GovernError(reason)
    store.create_user(username, password, **kwargs)


def bootstrap(server: TeamServer, roles: TeamRoles | None = None) -> None:
    """Create the admin, the reviewers and platform roles, the service user (who moves
    champion) and the pipeline user (who writes evidence), idempotently."""
    roles = roles or TeamRoles.from_env()
    store = _auth_store(server)
    admin = os.environ.get("MLFLOW_AUTH_ADMIN_USERNAME") or "admin"
    if not store.has_user(admin):
        _create_user(store, admin, os.environ["MLFLOW_AUTH_ADMIN_PASSWORD"], source="MLFLOW_AUTH_ADMIN_PASSWORD", is_admin=True)
    _role(store, roles.reviewers_role, "may set approval.status (never on their own runs or versions)")
    platform = _role(store, roles.platform_role, "the platform's service user: moves champion")
    # Promotion and rollback move champion and drop challenger on any model: MANAGE on all of them.
    if not any(p.resource_type == "registered_model" and p.resource_pattern == "*" for p in store.list_role_permissions(platform.id)):
        store.add_role_permission(platform.id, "registered_model", "*", "MANAGE")
    if not store.has_user(roles.service_user):
        _create_user(store, roles.service_user, os.environ["GOVERN_SERVICE_PASSWORD"], source="GOVERN_SERVICE_PASSWORD")
    _assign(store, roles.service_user, platform)
    # The pipeline trains and registers (EDIT, every signed-in user's default); the app lets it alone write evidence.
    if not store.has_user(roles.pipeline_user):
        _create_user(store, roles.pipeline_user, os.environ["GOVERN_PIPELINE_PASSWORD"], source="GOVERN_PIPELINE_PASSWORD")


def add_reviewer(server: TeamServer, username: str, password: str | None, roles: TeamRoles | None = None) -> bool:
    """Put ``username`` in the reviewers' role, creating the user when a password is given;
    returns whether the user was created."""
    roles = roles or TeamRoles.from_env()
    if any(same_person(username, u) for u in roles.governance_users):
        raise GovernError(f"'{username}' is one of the platform's governance identities and cannot review")
    store = _auth_store(server)
    created = False
    if not store.has_user(username):
        if not password:
            raise GovernError(f"user '{username}' does not exist: set GOVERN_REVIEWER_PASSWORD to create it")
        _create_user(store, username, password, source="GOVERN_REVIEWER_PASSWORD")
        created = True
    _assign(store, username, _role(store, roles.reviewers_role, "may set approval.status"))
    return created


def open_log(log: Path):
    """The server's log, appended to (never truncated: refusals logged by earlier runs stay),
    with a line marking this start."""
    from datetime import UTC, datetime

    log.parent.mkdir(parents=True, exist_ok=True)
    out = open(log, "ab")
    out.write(f"--- govern server starting at {datetime.now(UTC).isoformat(timespec='seconds')} ---\n".encode())
    out.flush()
    return out


def start(server: TeamServer, *, log: Path | None = None, timeout: float = 180.0) -> subprocess.Popen:
    """Bootstrap, start the server in the background and wait until it answers."""
    from mlflow.exceptions import MlflowException

    server.check()
    require_server_secrets()
    try:
        bootstrap(server)
    except MlflowException as exc:
        raise GovernError(f"team server bootstrap: {exc.message}") from None
    out = open_log(log) if log else None
    process = subprocess.Popen(server.command(), env=server.environment(), stdout=out, stderr=subprocess.STDOUT if out else None)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise GovernError(f"the team server exited with code {process.returncode}" + (f"; see {log}" if log else ""))
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise GovernError(f"the team server did not answer on {server.url} within {timeout:.0f} s")
