"""Scale-out mode on the real PostgreSQL of this machine.

Several tuning workers share one Optuna study in PostgreSQL and one MLflow backend in
PostgreSQL; the whole flow and the audit chain run with both stores there.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_SERVER, make_project, postgres_admin_or_skip

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

SERVER = POSTGRES_SERVER


@pytest.fixture(scope="module")
def databases():
    """Two fresh databases (MLflow backend, platform state), dropped afterwards."""
    import sqlalchemy

    engine = postgres_admin_or_skip()
    suffix = uuid.uuid4().hex[:8]
    names = {"mlflow": f"govern_mlflow_{suffix}", "state": f"govern_state_{suffix}"}
    with engine.connect() as con:
        for name in names.values():
            con.execute(sqlalchemy.text(f'create database "{name}"'))
    yield {k: f"{SERVER}/{v}" for k, v in names.items()}
    with engine.connect() as con:
        for name in names.values():
            con.execute(sqlalchemy.text(f'drop database if exists "{name}" with (force)'))


def _worker(root: str, tracking: str, storage: str, study: str, experiment_id: str, parent: str, trials: int, ready) -> None:
    os.environ["GOVERN_HOME"] = root
    os.environ["MLFLOW_TRACKING_URI"] = tracking
    from govern.core.settings import configure_environment

    configure_environment()
    import pandas as pd

    from govern.data import splits, validation
    from govern.spec.model import load_spec
    from govern.training import tuning

    spec = load_spec("churn", Path(root) / "models")
    spec = spec.model_copy(update={"tuning": spec.tuning.model_copy(update={"trials": trials, "pruner": "none"})})
    frame = validation.validate_frame(pd.read_parquet(Path(root) / "data/demo/customers.parquet"), spec)
    features = validation.feature_columns(frame.columns, spec)
    split = splits.split_data(frame, spec)
    # Both workers start tuning together: a worker whose imports finished first would
    # otherwise spend the whole budget before the other joined.
    ready.wait(timeout=240)
    tuning.tune(
        spec, split.train, split.valid, features, validation.categorical_columns(frame, features),
        storage=storage, study_name=study, experiment_id=experiment_id, parent_run_id=parent,
    )


@pytest.fixture
def own_tracking_uri():
    """Points MLflow at the test's PostgreSQL store and back again afterwards, so later
    tests in this process keep the session's store."""
    import mlflow

    before = mlflow.get_tracking_uri()
    yield mlflow.set_tracking_uri
    mlflow.set_tracking_uri(before)


def test_workers_share_one_study_and_one_budget(tmp_path, databases, own_tracking_uri):
    import mlflow
    import optuna

    root = make_project(tmp_path, rows=800, specs=("churn",))
    own_tracking_uri(databases["mlflow"])
    client = mlflow.MlflowClient(databases["mlflow"])
    experiment_id = client.create_experiment("churn-workers", artifact_location=(tmp_path / "artifacts").as_uri())
    parent = client.create_run(experiment_id, run_name="challenger").info.run_id
    study = f"churn-shared-{uuid.uuid4().hex[:6]}"
    trials = 6
    # The study is created once (as a coordinator or the first `govern train` would);
    # workers join it. Creating the schema from two processes at once races in any RDB.
    optuna.create_study(study_name=study, storage=databases["state"], direction="maximize")
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(2)
    workers = [
        context.Process(target=_worker, args=(str(root), databases["mlflow"], databases["state"], study, experiment_id, parent, trials, ready))
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
        assert w.exitcode == 0
    loaded = optuna.load_study(study_name=study, storage=databases["state"])
    finished = [t for t in loaded.trials if t.state == optuna.trial.TrialState.COMPLETE]
    # MaxTrialsCallback stops both workers at the shared budget (each may finish the trial it holds).
    assert trials <= len(finished) <= trials + 1
    assert len({t.user_attrs["worker"] for t in finished}) == 2
    nested = client.search_runs([experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent}'")
    assert len(nested) == len(loaded.trials)


def test_flow_and_audit_run_with_both_stores_on_postgresql(tmp_path, databases):
    root = make_project(tmp_path, rows=1500, specs=("churn",))
    env = dict(os.environ, GOVERN_HOME=str(root), MLFLOW_TRACKING_URI=databases["mlflow"], GOVERN_DATABASE_URL=databases["state"])
    run = lambda *args: subprocess.run([sys.executable, "-m", "govern.cli", *args], capture_output=True, text=True, env=env, timeout=600)  # noqa: E731
    trained = run("train", "churn", "--json")
    assert trained.returncode == 0, trained.stdout + trained.stderr
    approved = run("approve", "churn", "1", "--reviewer", "pg-reviewer")
    assert approved.returncode == 0, approved.stderr
    promoted = run("promote", "churn")
    assert promoted.returncode == 0, promoted.stderr
    audited = run("audit", "churn")
    assert audited.returncode == 0, audited.stderr
    assert "champion v1 on record" in audited.stdout
    import sqlalchemy

    with sqlalchemy.create_engine(databases["state"]).connect() as con:
        actions = [r[0] for r in con.execute(sqlalchemy.text("select action from govern_audit where model = 'churn' order by seq"))]
        studies = con.execute(sqlalchemy.text("select count(*) from studies where study_name like 'churn-%' and study_name not like 'churn-shared-%'")).scalar()
    assert actions == ["gates.evaluated", "approval.approved", "promotion"]
    assert studies == 1
