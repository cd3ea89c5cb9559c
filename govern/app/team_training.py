"""Training in team mode: the champion-challenger flow as a Prefect deployment on a
work pool, run by process workers on whatever machines join the pool.

The deployment refers to the flow by module path (``flows.champion_challenger``, which
ships in the package), so a worker needs the package installed, not a copy of the
source.  Each worker runs flows with its own environment: ``MLFLOW_TRACKING_URI`` and
the trainer's ``MLFLOW_TRACKING_USERNAME`` (the governance server records them as the
run's creator), ``GOVERN_DATABASE_URL`` and ``GOVERN_HOME``.
"""

from __future__ import annotations

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
