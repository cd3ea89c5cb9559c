"""A new project's MLflow store: copied from an empty one, or created by a child process
while the command imports its flow.

MLflow builds a new SQLite store's schema (its migrations, one by one) at the store's
first use: 2.7 s more than opening an existing one on a quiet machine, 6-9 s on a
loaded one, inside the flow's first step.  The machine's first new project has a child
run that same MLflow call with the command's own environment and folder, so the store
is exactly the one the flow would have made; the command waits for it before the flow
starts, and keeps an empty copy (``govern.runtime.empty_stores``).  Later new projects start
from that copy, with the two things MLflow wrote about the first project put right:
the default experiment's artifact folder (under the working folder) and its times.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from govern.core.settings import Settings
from govern.runtime import empty_stores
from govern.stores import mlflow_internals

_CREATE = "import mlflow; mlflow.MlflowClient().search_experiments(max_results=1)"
_HERE = "{working folder}"


def _database(settings: Settings) -> Path | None:
    """The embedded store's file when this command would create it; None otherwise."""
    database = settings.mlruns / "mlflow.db"
    if not settings.embedded or settings.tracking_uri != f"sqlite:///{database}" or database.exists():
        return None
    return database


@dataclass(frozen=True)
class Creation:
    process: subprocess.Popen
    database: Path


def create_in_background(settings: Settings) -> Creation | None:
    """Copy or start creating the embedded store when it does not exist yet; None when
    there is nothing to wait for."""
    database = _database(settings)
    if database is None or empty_stores.copy("mlflow", database, _settle):
        return None
    # Its own session, and waited for at exit: an interrupted command never leaves a
    # half-migrated store (MLflow refuses one).
    process = subprocess.Popen([sys.executable, "-c", _CREATE], env=dict(os.environ), cwd=Path.cwd(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    atexit.register(process.wait)
    return Creation(process, database)


def wait(creation: Creation | None) -> None:
    """Wait for the child and keep an empty copy of what it made; if it failed, the
    flow's first MLflow call creates the store as before."""
    if creation is not None and creation.process.wait() == 0:
        empty_stores.keep(creation.database, "mlflow", _generalise)


def _generalise(db: sqlite3.Connection) -> None:
    """The default experiment's folder, relative to no project; refused (nothing kept)
    when MLflow put it anywhere but under the working folder."""
    location, here = mlflow_internals.default_experiment_location(db), str(Path.cwd())
    if not location.startswith(here + os.sep):
        raise ValueError(f"default experiment outside the working folder: {location}")
    mlflow_internals.set_default_experiment_location(db, _HERE + location[len(here):])


def _settle(db: sqlite3.Connection) -> None:
    now, location = int(time.time() * 1000), mlflow_internals.default_experiment_location(db)
    mlflow_internals.restamp_default_experiment(db, location.replace(_HERE, str(Path.cwd()), 1), now)
