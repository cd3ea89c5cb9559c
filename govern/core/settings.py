"""Where the platform keeps its state, and the environment it runs the libraries in.

Embedded defaults need no server: MLflow on SQLite with artifacts under ``mlruns/``,
Optuna studies and the audit log in one SQLite file beside it, Prefect's home inside
the project.  Teams switch to shared engines with two variables:

* ``MLFLOW_TRACKING_URI`` -- an MLflow tracking server (on PostgreSQL, say);
* ``GOVERN_DATABASE_URL`` -- a SQLAlchemy URL for Optuna studies and the audit log,
  e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/govern``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Telemetry and banners off before any of the libraries is imported: the main job
# must touch nothing but loopback.
QUIET_ENVIRONMENT = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "GIT_PYTHON_REFRESH": "quiet",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    "TQDM_DISABLE": "1",
    "MLFLOW_LOGGING_LEVEL": "WARNING",
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",  # against a tracking server MLflow prints each run's URL on stdout
}


def project_root() -> Path:
    """The project folder: ``GOVERN_HOME`` if set, else the current directory."""
    return Path(os.environ.get("GOVERN_HOME") or Path.cwd()).resolve()


@dataclass(frozen=True)
class Settings:
    root: Path
    tracking_uri: str
    database_url: str

    @property
    def mlruns(self) -> Path:
        return self.root / "mlruns"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def cards_dir(self) -> Path:
        return self.root / "model_cards"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def embedded(self) -> bool:
        return self.tracking_uri.startswith("sqlite:")

    @property
    def artifact_root(self) -> Path | None:
        """Where a new experiment keeps its artifacts: under ``mlruns/`` unless a tracking
        server chooses (then None, and the server's own artifact store is used)."""
        remote = self.tracking_uri.startswith(("http:", "https:", "databricks"))
        return None if remote else self.mlruns / "artifacts"


def load_settings() -> Settings:
    root = project_root()
    mlruns = root / "mlruns"
    tracking = os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{mlruns / 'mlflow.db'}"
    database = os.environ.get("GOVERN_DATABASE_URL") or f"sqlite:///{mlruns / 'govern.db'}"
    return Settings(root=root, tracking_uri=tracking, database_url=database)


SERVER_FILE = "govern-server.url"


def _answers(url: str, timeout: float = 0.3) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def running_prefect_server(home: Path) -> str | None:
    """The API URL of the project's own Prefect server (``govern watch`` records it in
    ``PREFECT_HOME``) when it answers on loopback, so a flow need not start Prefect's
    temporary server (8-19 s) beside it."""
    try:
        url = (home / SERVER_FILE).read_text().strip()
    except OSError:
        return None
    return url if url.startswith("http://127.0.0.1:") and _answers(url) else None


def _reuse_prefect_server() -> None:
    reused = os.environ.get("GOVERN_REUSED_PREFECT_API_URL")
    if reused and os.environ.get("PREFECT_API_URL") == reused and not _answers(reused):
        os.environ.pop("PREFECT_API_URL")
    if os.environ.get("PREFECT_API_URL"):
        return
    url = running_prefect_server(Path(os.environ["PREFECT_HOME"]))
    if url:
        os.environ["PREFECT_API_URL"] = os.environ["GOVERN_REUSED_PREFECT_API_URL"] = url


def configure_environment(settings: Settings | None = None) -> Settings:
    """Set the variables the libraries read at import time and point them at our stores.

    Called once per process, before MLflow or Prefect is imported.  Values a user
    exported already win, so a team can point at its own Prefect or MLflow server.
    """
    settings = settings or load_settings()
    for key, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    settings.mlruns.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.root / ".prefect"))
    _reuse_prefect_server()
    os.environ["MLFLOW_TRACKING_URI"] = settings.tracking_uri
    os.environ["MLFLOW_REGISTRY_URI"] = settings.tracking_uri
    import logging
    import sys

    for noisy in ("mlflow", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # MLflow reads both URIs from the environment when first used; importing it here
    # would cost every command, a mistyped one included, about 3 s.  A process that
    # imported it already may hold other URIs in memory, so those are replaced.
    if "mlflow" in sys.modules:
        mlflow = sys.modules["mlflow"]
        mlflow.set_tracking_uri(settings.tracking_uri)
        mlflow.set_registry_uri(settings.tracking_uri)
    return settings
