"""``govern server``: the team's MLflow server with the governance app, its reviewers,
and the training deployment on a Prefect work pool; ``govern demo-data``: the demo's
data files, so the team walkthrough trains on a fresh clone."""

from __future__ import annotations

import os

import typer

from govern.cli.common import app, command
from govern.core.errors import GovernError
from govern.core.settings import load_settings

server_app = typer.Typer(help="The team's MLflow server with the governance app (PostgreSQL, basic-auth).")
app.add_typer(server_app, name="server")
_BACKEND = typer.Option(None, "--backend-store-uri", envvar="GOVERN_MLFLOW_DATABASE_URL", help="MLflow's PostgreSQL database")
_AUTH_DB = typer.Option(None, "--auth-database-uri", envvar="GOVERN_AUTH_DATABASE_URL", help="basic-auth's users and roles (its own PostgreSQL database)")


def _team_server(backend: str | None, auth_db: str | None, artifacts: str | None = None, host: str = "127.0.0.1", port: int = 5000):
    from govern.server.serve import TeamServer

    missing = [flag for flag, value in (("--backend-store-uri (GOVERN_MLFLOW_DATABASE_URL)", backend),
                                        ("--auth-database-uri (GOVERN_AUTH_DATABASE_URL)", auth_db)) if not value]
    if missing:
        raise GovernError(f"govern server needs {' and '.join(missing)}")
    settings = load_settings()
    server = TeamServer(backend, auth_db, artifacts or str(settings.mlruns / "server-artifacts"), settings.mlruns, host=host, port=port)
    server.check()
    return server


@server_app.callback(invoke_without_command=True)
@command
def server(
    ctx: typer.Context,
    backend_store_uri: str | None = _BACKEND,
    auth_database_uri: str | None = _AUTH_DB,
    artifacts_destination: str | None = typer.Option(None, help="Where the server keeps artifacts (default mlruns/server-artifacts)"),
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(5000, help="Port"),
):
    """Start MLflow with the governance app: one worker, no job runners, basic-auth users,
    the reviewers and platform roles and the service user created on first start."""
    if ctx.invoked_subcommand is not None:
        return
    import time

    from govern.server.serve import require_server_secrets, start

    require_server_secrets()
    team = _team_server(backend_store_uri, auth_database_uri, artifacts_destination, host, port)
    began = time.monotonic()
    process = start(team, log=load_settings().mlruns / "govern-server.log")
    typer.echo(f"govern server on {team.url} (started in {time.monotonic() - began:.1f} s;"
               f" log: {load_settings().mlruns / 'govern-server.log'}; Ctrl-C to stop)")
    import signal

    # Stopping govern server stops MLflow's too: SIGTERM becomes the same clean stop as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=30)


@server_app.command("add-reviewer")
@command
def add_reviewer(
    username: str = typer.Argument(..., help="The reviewer's MLflow login"),
    auth_database_uri: str | None = _AUTH_DB,
):
    """Put a user in the reviewers' role (creating it with GOVERN_REVIEWER_PASSWORD if new)."""
    from govern.server.serve import TeamServer
    from govern.server.serve import add_reviewer as add

    if not auth_database_uri:
        raise GovernError("govern server add-reviewer needs --auth-database-uri (GOVERN_AUTH_DATABASE_URL)")
    settings = load_settings()
    created = add(TeamServer("postgresql://unused", auth_database_uri, "", settings.mlruns), username, os.environ.get("GOVERN_REVIEWER_PASSWORD"))
    typer.echo(f"{username}: {'created and ' if created else ''}added to the reviewers' role")


@server_app.command("submit")
@command
def submit(
    model: str = typer.Argument(..., help="Spec name under models/ on the workers"),
    trials: int | None = typer.Option(None, min=1, help="Override the spec's trial budget"),
    timeout: float = typer.Option(3600.0, help="Seconds to wait for the work pool"),
):
    """Train MODEL on the team's work pool for the login (MLFLOW_TRACKING_USERNAME), who
    needs no pipeline secret: the workers train and register as the pipeline user and the
    server credits the login as the run's creator; waits for the registered version."""
    from govern.app.team_training import submit_training
    from govern.stores import registry

    if not os.environ.get("PREFECT_API_URL"):
        raise GovernError("govern server submit needs PREFECT_API_URL (the team's Prefect server)")
    if not registry.team_mode() or not registry.logged_in_user():
        raise GovernError("govern server submit needs MLFLOW_TRACKING_URI (the team server) and MLFLOW_TRACKING_USERNAME/PASSWORD (your login)")
    version = submit_training(model, trials=trials, timeout=timeout)
    state = registry.VersionState.read(model, version)
    typer.echo(f"{model} v{version}: gates {state.gate_status}, approval {state.approval_status}, requested by {state.run_creator}")


@app.command("demo-data")
@command
def demo_data(rows: int = typer.Option(4000, min=100, help="Customers in the first period")):
    """Write the demo's data (data/demo under GOVERN_HOME: customers, a drifted recent period,
    transaction logs) that models/*.yaml read, without training anything."""
    from govern.demo.files import write_demo_data

    root = load_settings().root
    for kind, path in write_demo_data(root, n=rows, seed=0).items():
        typer.echo(f"{kind}: {path.relative_to(root) if path.is_relative_to(root) else path}")


@server_app.command("deploy-training")
@command
def deploy_training(pool: str = typer.Option("training", "--pool", help="Prefect work pool (type process), created if absent")):
    """Register the champion-challenger flow as a deployment on a work pool of the Prefect
    server at PREFECT_API_URL; machines join with `prefect worker start --pool POOL`."""
    from govern.app.team_training import DEPLOYMENT, FLOW_NAME
    from govern.app.team_training import deploy_training as deploy

    if not os.environ.get("PREFECT_API_URL"):
        raise GovernError("govern server deploy-training needs PREFECT_API_URL (the team's Prefect server)")
    deploy(pool)
    typer.echo(f"deployment {FLOW_NAME}/{DEPLOYMENT} on pool {pool}; workers: prefect worker start --pool {pool} --type process")
    typer.echo(f"run: prefect deployment run {FLOW_NAME}/{DEPLOYMENT} --param model=churn")


@server_app.command("promoter-key")
@command
def promoter_key():
    """Make the promoter's key pair once: the private key goes to the promoter's machine
    only (GOVERN_PROMOTER_KEY), the public key to the server (GOVERN_PROMOTER_PUBLIC_KEY).
    Keep both: the server lets champion move only with a proof the private key signs."""
    from govern.governance.promoter_key import KEY_ENV, PUBLIC_KEY_ENV, new_key_pair

    private, public = new_key_pair()
    typer.echo(f"# the promoter's machine only (never the server's, a trainer's or a reviewer's)\n{KEY_ENV}={private}")
    typer.echo(f"# the server\n{PUBLIC_KEY_ENV}={public}")
