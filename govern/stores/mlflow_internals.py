"""The only place MLflow's internals are touched (written against mlflow 3.17.2).

One adapter for both users, in the lowest package both may import (``govern.runtime``
and ``govern.server`` are independent layers above ``govern.stores``).  MLflow is
imported inside the functions: command start-up time matters.

* A new project's store (``govern.runtime.new_store``) is copied from an empty one and
  two values MLflow wrote about the first project are put right with SQL on MLflow's
  own ``experiments`` table: MLflow has no API to move the default experiment's
  artifact folder or to restamp its times, and building the store again costs seconds.
* The governance server app (``govern.server.app``) runs inside MLflow's Flask server
  as hooks around its handlers, and uses the handlers' private helpers so it sees what
  they see: the request body parsed by MLflow's own parser (``_get_request_message``),
  the server's tracking and registry stores (``_get_tracking_store``,
  ``_get_model_registry_store``), MLflow's route table (``get_endpoints``) and its
  error responses (``catch_mlflow_exception``); from basic-auth, the signed-in user
  (``flask.g.mlflow_authenticated_user``) and the user's roles (``auth.store``).  The
  public REST client would call the server from inside itself, as some other user.

Each function moves one use here unchanged; ``tests/test_library_internals.py`` has a
canary per use.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

# -- the store's experiments table (MLflow's SqlExperiment), for govern.runtime.new_store


def default_experiment_location(db: sqlite3.Connection) -> str:
    """The default experiment's artifact folder, as MLflow recorded it."""
    (location,) = db.execute("select artifact_location from experiments where experiment_id = 0").fetchone()
    return location


def set_default_experiment_location(db: sqlite3.Connection, location: str) -> None:
    db.execute("update experiments set artifact_location = ? where experiment_id = 0", (location,))


def restamp_default_experiment(db: sqlite3.Connection, location: str, now_ms: int) -> None:
    """Point the default experiment at ``location`` and date it ``now_ms`` (epoch milliseconds)."""
    db.execute("update experiments set artifact_location = ?, creation_time = ?, last_update_time = ? where experiment_id = 0",
               (location, now_ms, now_ms))


# -- MLflow's server handlers and basic-auth, for govern.server.app


def tracking_store():
    """The server's tracking store."""
    from mlflow.server import handlers

    return handlers._get_tracking_store()


def registry_store():
    """The server's model registry store."""
    from mlflow.server import handlers

    return handlers._get_model_registry_store()


def request_message(message):
    """``message`` (an empty request proto) filled from the current Flask request by
    MLflow's own parser, as the handler will see it."""
    from mlflow.server import handlers

    return handlers._get_request_message(message)


def endpoints() -> list[tuple[str, Any, list[str]]]:
    """MLflow's route table: (Flask rule, request class, methods) per route."""
    from mlflow.server import handlers

    return handlers.get_endpoints(lambda cls: cls)


def catch_mlflow_exception(func: Callable) -> Callable:
    """``func`` with an ``MlflowException`` it raises turned into MLflow's JSON error response."""
    from mlflow.server import handlers

    return handlers.catch_mlflow_exception(func)


def authenticated_user() -> str | None:
    """The user basic-auth signed in for the current request, if any."""
    from flask import g

    return getattr(g, "mlflow_authenticated_user", None)


def role_names(username: str) -> list[str]:
    """The basic-auth roles of ``username``."""
    from mlflow.server.auth import store

    user = store.get_user(username)
    return [role.name for role in store.list_user_roles(user.id)]


def user_names() -> list[str]:
    """Every basic-auth user name, to refuse a new one that collides after normalising."""
    from mlflow.server.auth import store

    return [user.username for user in store.list_users()]


def fastapi_user(request) -> str | None:
    """The basic-auth user of a request MLflow serves natively in FastAPI (artifact
    uploads), authenticated as basic-auth's own middleware does; None if not signed in."""
    from mlflow.server.auth import _authenticate_fastapi_request

    user = _authenticate_fastapi_request(request)
    return user.username if user is not None else None
