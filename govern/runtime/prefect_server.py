"""Prefect's temporary server, started when a command starts rather than at its first flow call.

With no ``PREFECT_API_URL``, Prefect starts a temporary API server (uvicorn in a child
process) at a process's first flow call and waits for it: 8-10 s on an existing
database, 13-19 s on a new one (114 migrations, then block registration), all before
the flow's first step.  Started here instead, with Prefect's own command, the server
boots on the other core while the command imports the flow and checks its input.  A
new project's database is copied from an empty migrated one (``govern.runtime.empty_stores``),
so it migrates nothing; the project's Prefect home stays inside the project.  The server is the
command's child and ends with it (``atexit``, and the kernel's parent-death signal on
Linux): nothing outlives the command.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from govern.core import processes
from govern.runtime import empty_stores, prefect_internals


class _Server:
    process: subprocess.Popen | None = None
    url: str | None = None
    seeded = False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database(home: Path) -> Path | None:
    """The project's Prefect database file, unless a database URL points elsewhere."""
    return None if os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL") else home / "prefect.db"


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _spawn(home: Path) -> None:
    port = _free_port()
    env = dict(os.environ, **prefect_internals.EPHEMERAL_SERVER_ENV)
    env.pop("PREFECT_API_URL", None)
    if _Server.seeded:
        # The copied database is at Prefect's head revision and holds its blocks already.
        env.update(PREFECT_API_DATABASE_MIGRATE_ON_START="false", PREFECT_API_BLOCKS_REGISTER_ON_START="false")
    args = prefect_internals.ephemeral_server_args(port)
    preexec = _die_with_parent if sys.platform == "linux" else None
    _Server.process = subprocess.Popen(args, env=env, cwd=home, preexec_fn=preexec)  # noqa: PLW1509
    _Server.url = os.environ["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    threading.Thread(target=_warm_up, args=(_Server.process, _Server.url), daemon=True).start()


def _warm_up(process: subprocess.Popen, url: str) -> None:
    """Make the server's first API answer (a quarter of a second of its own start-up, paid
    by the first flow call otherwise) as soon as it is up, while the command imports."""
    while process.poll() is None and not _healthy(url):
        time.sleep(0.1)
    try:
        with urllib.request.urlopen(f"{url}/admin/version", timeout=5):
            pass
    except OSError:
        pass


def start_early() -> None:
    """Start the project's temporary Prefect server in the background when this process
    will need one: no API URL is set (a user's, a team's, or a running ``govern watch``
    server's) and Prefect is not imported yet (it reads the URL once, at import)."""
    if _Server.process is not None or os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules:
        return
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    home.mkdir(parents=True, exist_ok=True)
    database = _database(home)
    if database is not None:
        _Server.seeded = empty_stores.copy("prefect", database)
    _spawn(home)
    atexit.register(stop)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def ready(timeout: float | None = None):
    """Wait until the server ``start_early`` started answers, for the flow calls in the block;
    a no-op when none was started.

    Prefect reads the URL at import: a server restarted on another port since then is
    named to it for the block.  Flow-run heartbeats are turned off for the block: they let
    a lasting server mark a run whose process died as crashed, but this server ends with
    the process, and stopping the heartbeat thread costs up to a second per flow run."""
    if _Server.process is None:
        yield
        return
    _wait(timeout)
    if "prefect" not in sys.modules:  # it will read the URL from the environment
        yield
        return
    with prefect_internals.api_url(_Server.url, heartbeats=False):
        yield


def _wait(timeout: float | None) -> None:
    if _Server.process is None:
        return
    limit = timeout or float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or 90)
    deadline = time.monotonic() + limit
    while not _healthy(_Server.url):
        code = _Server.process.poll()
        if code == 3:  # uvicorn could not bind: the port was taken since it was chosen
            _spawn(Path(os.environ["PREFECT_HOME"]))
            continue
        if code is not None or time.monotonic() > deadline:
            stop()
            raise RuntimeError(f"Prefect's temporary server did not start within {limit:.0f} s (exit code {code})")
        time.sleep(0.1)
    _keep_template(Path(os.environ["PREFECT_HOME"]))


def _keep_template(home: Path) -> None:
    """Copy a database no flow has used yet to the cache, for the next new project (a
    project's database that another server filled first is never the template)."""
    database = _database(home)
    if not _Server.seeded and database is not None and _unused(database):
        empty_stores.keep(database, "prefect")


def _unused(database: Path) -> bool:
    """No flow, flow run or deployment recorded: the database is as migrations left it."""
    import sqlite3
    from contextlib import closing

    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as con:
            return all(con.execute(f"select count(*) from {table}").fetchone()[0] == 0 for table in ("flow", "flow_run", "deployment"))
    except sqlite3.Error:
        return False


def stop() -> None:
    process, _Server.process = _Server.process, None
    if process is None:
        return
    if os.environ.get("PREFECT_API_URL") == _Server.url:
        os.environ.pop("PREFECT_API_URL")
    processes.stop(process, grace=5)
