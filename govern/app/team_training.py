"""Training in team mode: the champion-challenger flow as a Prefect deployment on a
work pool, run by process workers on whatever machines join the pool.

The deployment refers to the flow by module path (``flows.champion_challenger``, which
ships in the package), so a worker needs the package installed, not a copy of the
source.  Each worker runs flows with its own environment: ``MLFLOW_TRACKING_URI``,
the pipeline user's credentials (``MLFLOW_TRACKING_USERNAME=govern-pipeline``: in team
mode only the pipeline writes gate tags, digests and evidence), ``GOVERN_DATABASE_URL``
and ``GOVERN_HOME``.

``govern train`` against the team server stays one command: the login (the data
scientist) first creates a *request run* as themselves, which the server stamps with
their name; then, with the pipeline's password in the environment, the same process
trains and registers as the pipeline, naming the request run, and the server credits
the challenger run to the requester (``govern.created_by``), so a reviewer is still
compared with who asked for the model.  A login holding no pipeline password but a
Prefect server (``PREFECT_API_URL``) submits to the pool instead and waits
(:func:`train_on_pool`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from govern.core.errors import GovernError
from govern.governance import identity

PIPELINE_PASSWORD_ENV = "GOVERN_PIPELINE_PASSWORD"
_LOGIN = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")

DEPLOYMENT = "train"
FLOW_NAME = "champion-challenger"


def ensure_process_pool(pool: str) -> None:
    """Create the work pool (type ``process``) unless it exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        except ObjectAlreadyExists:
            pass


def deploy_training(pool: str) -> str:
    """Register ``champion-challenger/train`` on ``pool``; returns the deployment id."""
    from prefect import deploy
    from prefect.deployments.runner import EntrypointType

    from flows.champion_challenger import champion_challenger

    ensure_process_pool(pool)
    deployment = champion_challenger.to_deployment(name=DEPLOYMENT, entrypoint_type=EntrypointType.MODULE_PATH, work_pool_name=pool)
    ids = deploy(deployment, work_pool_name=pool, build=False, push=False, print_next_steps_message=False, ignore_warnings=True)
    return str(ids[0])


def worker_command(pool: str) -> list[str]:
    """The command a machine runs to join the pool."""
    import sys

    return [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool, "--type", "process"]


def request_training(model: str) -> str:
    """A finished, empty run in the model's experiment created as the login: the server
    records who asked (``govern.created_by``); returns its id."""
    from govern.stores import registry

    experiment = registry.ensure_experiment(model, None)
    client = registry.client()
    run_id = client.create_run(experiment, run_name=f"request-{model}", tags={"govern.kind": identity.REQUEST_KIND}).info.run_id
    client.update_run(run_id, status="FINISHED")  # set_terminated would print the run's URL on stdout (breaking --json)
    return run_id


def submit_training(model: str, *, trials: int | None = None, timeout: float = 3600.0) -> str:
    """Ask the work pool to train ``model`` for the login, who holds no pipeline secret:
    a request run under the login, then ``champion-challenger/train`` with that run named
    in the flow run's environment; waits, and returns the registered version."""
    from prefect.deployments import run_deployment

    from govern.stores import registry

    request_run = request_training(model)
    parameters = {"model": model, **({"trials": trials} if trials else {})}
    run = run_deployment(f"{FLOW_NAME}/{DEPLOYMENT}", parameters=parameters, timeout=timeout,
                         job_variables={"env": {identity.REQUEST_RUN_ENV: request_run}})
    if run.state is None or not run.state.is_completed():
        state = run.state.name if run.state else "not started"
        raise GovernError(f"training {model} on the work pool ended {state} (flow run {run.id}); see the worker's log")
    experiment = registry.ensure_experiment(model, None)
    trained = registry.client().search_runs([experiment], filter_string=f"tags.`{identity.REQUEST_RUN}` = '{request_run}'")
    versions = [v for r in trained for v in registry.client().search_model_versions(f"run_id = '{r.info.run_id}'")]
    if not versions:
        raise GovernError(f"training {model} on the work pool finished but registered no version for request run {request_run}")
    return str(versions[0].version)


def submits_to_pool() -> bool:
    """Whether ``govern train`` here asks the work pool rather than training itself: team
    mode, a login that is not the pipeline's, no pipeline password, a Prefect server."""
    from govern.stores import registry

    login = registry.logged_in_user()
    return (registry.team_mode() and bool(login) and not identity.TeamRoles.from_env().is_pipeline(login)
            and not os.environ.get(PIPELINE_PASSWORD_ENV) and bool(os.environ.get("PREFECT_API_URL")))


def train_on_pool(model: str, *, trials: int | None = None) -> dict:
    """``govern train`` for a data scientist: submit, wait, and answer with the same summary
    as training here, read from the registered version's record."""
    from pathlib import Path

    from govern.card.record import summary
    from govern.stores import registry

    version = submit_training(model, trials=trials)
    record = registry.read_record(model, version)
    if record is None:
        raise GovernError(f"{model} v{version} was registered by the pool but holds no {registry.EVIDENCE_DIR}/record.json")
    run_id = registry.get_version(model, version).run_id
    result = summary(record, version=version, card=Path(registry.EVIDENCE_DIR), run_id=run_id)
    return {**result, "card": f"runs:/{run_id}/{registry.EVIDENCE_DIR}/card.md", "trained_by": "work pool"}


@contextmanager
def as_pipeline(model: str) -> Iterator[str | None]:
    """Train ``model`` as the pipeline on behalf of the login (team mode only): yields the
    request run's id, with the pipeline's credentials and ``GOVERN_REQUEST_RUN`` in the
    environment meanwhile.  Embedded, or already logged in as the pipeline, it changes nothing."""
    from govern.stores import registry

    roles = identity.TeamRoles.from_env()
    login = registry.logged_in_user()
    if not registry.team_mode() or roles.is_pipeline(login):
        yield os.environ.get(identity.REQUEST_RUN_ENV)
        return
    password = os.environ.get(PIPELINE_PASSWORD_ENV)
    if not login or not password:
        missing = " and ".join(n for n, v in (("MLFLOW_TRACKING_USERNAME (who asks)", login), (PIPELINE_PASSWORD_ENV, password)) if not v)
        raise GovernError(f"in team mode versions are trained and registered by the pipeline user '{roles.pipeline_user}'"
                          f" on behalf of the login: set {missing}")
    request_run = request_training(model)
    saved = {k: os.environ.get(k) for k in (*_LOGIN, identity.REQUEST_RUN_ENV)}
    os.environ.update({_LOGIN[0]: roles.pipeline_user, _LOGIN[1]: password, identity.REQUEST_RUN_ENV: request_run})
    try:
        yield request_run
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
