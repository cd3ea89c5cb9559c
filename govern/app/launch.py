"""Launching the platform's flows from the application layer (the CLI, the demo).

Spec and data are checked before Prefect starts, so bad input costs one line and no
flow run; Prefect's run loggers are quietened so a failure reaches the terminal once.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from govern.core.errors import GovernError
from govern.core.settings import load_settings


def quiet_prefect() -> None:
    """Prefect logs a flow's failure with a traceback; the CLI states it in one line instead.

    Prefect reconfigures its loggers when a run starts, so the levels are set through its
    environment overrides as well as on the loggers themselves.
    """
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        os.environ.setdefault(f"PREFECT_LOGGING_LOGGERS_{name.replace('.', '_').upper()}_LEVEL", "CRITICAL")
        logging.getLogger(name).setLevel(logging.CRITICAL)


def precheck(model: str, data: Path | None) -> list[str]:
    """Validate spec and data, and what the split would hold, before Prefect starts, so bad
    input costs no flow run; return the warnings the data deserves."""
    from govern.data import load_checks, validation
    from govern.data.transactions import customer_table
    from govern.spec.model import load_spec

    settings = load_settings()
    spec = load_spec(model, settings.models_dir)
    frame = validation.validate_frame(customer_table(spec, settings.root, source=data)[0], spec)
    return load_checks.training_checks(frame, spec, validation.feature_columns(frame.columns, spec))


def _open_mlflow_stores() -> None:
    """Open the tracking and registry stores, as the flow's first MLflow calls would
    (MLflow keeps one of each per URI), while Prefect's server may still be booting."""
    from govern.stores import registry

    client = registry.client()
    client.search_experiments(max_results=1)
    client.search_registered_models(max_results=1)


def train_model(
    model: str, data: Path | None = None, recent: Path | None = None, trials: int | None = None, provenance: str | None = None,
) -> dict:
    """Run the champion-challenger flow after the cheap checks; ``provenance`` says how
    ``data`` was put together, for the record and card.  Prefect's temporary server, when
    one is needed, boots while the flow module imports (``govern.runtime.prefect_server``)."""
    from govern.app import team_training
    from govern.runtime import new_store, prefect_server

    if team_training.submits_to_pool():
        if data is not None or recent is not None:
            raise GovernError("--data and --recent are read where training runs; the work pool trains on the spec's data source (GOVERN_HOME on the worker)")
        return team_training.train_on_pool(model, trials=trials)
    data_warnings = precheck(model, data)
    if recent is not None:
        from govern.data import validation

        validation.load_table(recent)
    prefect_server.start_early()  # after the checks: messy input starts no server
    store = new_store.create_in_background(load_settings())
    quiet_prefect()
    from flows.champion_challenger import champion_challenger

    new_store.wait(store)
    _open_mlflow_stores()
    with prefect_server.ready(), team_training.as_pipeline(model):
        result = champion_challenger(
            model, data=str(data) if data else None, recent=str(recent) if recent else None, trials=trials, provenance=provenance,
        )
    return {**result, "warnings": [*data_warnings, *result.get("warnings", [])]}


