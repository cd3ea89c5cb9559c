"""A new project's MLflow store, created by a child process while the command imports its flow.

MLflow builds a new SQLite store's schema (its migrations, one by one) at the store's
first use: 2.7 s more than opening an existing one on a quiet machine, 6-9 s on a
loaded one, inside the flow's first step.  The child runs the same MLflow call with the
command's own environment and folder, so the store is exactly the one the flow would
have made; the command waits for it before the flow starts, and at exit.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from pathlib import Path

from govern.settings import Settings

_CREATE = "import mlflow; mlflow.MlflowClient().search_experiments(max_results=1)"


def create_in_background(settings: Settings) -> subprocess.Popen | None:
    """Start creating the embedded store when it does not exist yet; None otherwise."""
    database = settings.mlruns / "mlflow.db"
    if not settings.embedded or settings.tracking_uri != f"sqlite:///{database}" or database.exists():
        return None
    # Its own session, and waited for at exit: an interrupted command never leaves a
    # half-migrated store (MLflow refuses one).
    process = subprocess.Popen([sys.executable, "-c", _CREATE], env=dict(os.environ), cwd=Path.cwd(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    atexit.register(process.wait)
    return process


def wait(process: subprocess.Popen | None) -> None:
    """Wait for the child; if it failed, the flow's first MLflow call creates the store as before."""
    if process is not None:
        process.wait()
