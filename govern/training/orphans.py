"""Trials orphaned by a worker that died: failed and tried again, so a rerun loses nothing.

A study in shared storage outlives its workers; only the host a worker ran on can tell
whether it still lives, so each worker cleans up its own host's orphans.
"""

from __future__ import annotations

import os
import socket

import optuna
from mlflow.tracking import MlflowClient


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def retry_orphans(study: optuna.Study, client: MlflowClient) -> list[int]:
    """Fail and re-enqueue trials left RUNNING by a worker of this host that died.

    A killed worker leaves its trial RUNNING forever; the finished trials are kept
    and the orphan's parameters are tried again, so a rerun loses nothing.  Workers
    on other hosts are left alone: only their own host can tell whether they live.
    """
    host = socket.gethostname()
    retried = []
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        worker_host, _, pid = str(trial.user_attrs.get("worker", "")).rpartition(":")
        if worker_host != host or not pid.isdigit() or _alive(int(pid)):
            continue
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
        if trial.user_attrs.get("mlflow_run"):
            client.set_terminated(trial.user_attrs["mlflow_run"], status="FAILED")
        if trial.params:
            study.enqueue_trial(trial.params, user_attrs={"source": f"retry of trial {trial.number}"})
        retried.append(trial.number)
    return retried
