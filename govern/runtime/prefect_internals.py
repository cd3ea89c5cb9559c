"""The only place Prefect's internals are touched (written against prefect 3.8.8).

Used because Prefect's public API lacks what they give:

* Prefect's temporary server is started before the first flow call, the way Prefect
  starts it itself (``SubprocessASGIServer._run_uvicorn_command``): uvicorn with the
  ``prefect.server.api.server:create_app`` factory and the private
  ``PREFECT__SERVER_EPHEMERAL`` / ``PREFECT__SERVER_FINAL`` flags, which Prefect offers
  no public way to set;
* ``temporary_settings`` (a test helper of ``prefect.settings``) names a server to a
  Prefect already imported, which reads ``PREFECT_API_URL`` once at import, and turns
  flow-run heartbeats off (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` set to None);
* ``APILogWorker.drain_all`` and ``EventsWorker.drain_all`` send the logs and events
  still queued while the server answers: Prefect drains them only at interpreter exit,
  and ``govern watch`` ends with ``os._exit``.

Each function moves one use here unchanged; ``tests/test_library_internals.py`` has a
canary per use.  Prefect is imported inside the functions: importing it costs seconds.
"""

from __future__ import annotations

import sys

# Environment of the temporary server: no UI, and Prefect's own flags for its temporary server.
EPHEMERAL_SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}


def ephemeral_server_args(port: int) -> list[str]:
    """The command that runs Prefect's temporary API server on localhost ``port``."""
    return [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"]


def api_url(url: str, *, heartbeats: bool = True):
    """A context in which the imported Prefect talks to ``url``; without flow-run
    heartbeats when ``heartbeats`` is False."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    updates: dict = {PREFECT_API_URL: url}
    if not heartbeats:
        updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
    return temporary_settings(updates=updates)


def drain_logs_and_events(timeout: float) -> None:
    """Send the logs, then the events, Prefect still has queued (each within ``timeout`` s)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=timeout)
    EventsWorker.drain_all(timeout=timeout)
