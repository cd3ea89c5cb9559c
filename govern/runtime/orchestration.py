"""Whether a command's flow runs under Prefect: only when a Prefect server is there.

A server is there when ``PREFECT_API_URL`` names one: exported by the user or the team,
set by the active profile in ``PREFECT_HOME/profiles.toml``, or the project's own
``govern watch`` server (``configure_environment`` sets the variable for it).  Without
one, Prefect would start its temporary server at the flow call (10-15 s here) to record
runs nobody reads after the command, so the flow's body runs in this process
(:func:`flows.steps.without_server`) and nothing of Prefect is started.
``GOVERN_FLOW_RUNS=always`` keeps the temporary server and its flow runs.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path


def _profile_url() -> str | None:
    """``PREFECT_API_URL`` of the active Prefect profile, read without importing Prefect."""
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml")
    try:
        profiles = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    url = profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL")
    return str(url) if url else None


def server_url() -> str | None:
    """The Prefect API a flow run would report to, or None (Prefect would start its own)."""
    return os.environ.get("PREFECT_API_URL") or _profile_url()


def run(flow, *args, **kwargs):
    """``flow(*args, **kwargs)`` as a Prefect flow run when a server is there, else its body."""
    if server_url() or os.environ.get("GOVERN_FLOW_RUNS") == "always":
        return flow(*args, **kwargs)
    from flows.steps import without_server

    return without_server(flow, *args, **kwargs)
