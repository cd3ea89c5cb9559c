"""A Prefect server for schedules: the temporary one runs none.

``govern watch`` uses the team's server when ``PREFECT_API_URL`` is set, otherwise
starts ``prefect server start`` on a free localhost port with the project's Prefect
home, records its URL there for other commands of the project to reuse, and stops it
on exit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from govern.core import processes
from govern.core.settings import SERVER_FILE
from govern.runtime import prefect_internals
from govern.runtime.ui import free_port


@contextmanager
def prefect_api(log: Path | None = None, timeout: float = 120.0):
    """Yield the URL of a Prefect API: the configured one, or a local server started here."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    port = free_port()
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    out = open(log, "wb") if log else subprocess.DEVNULL
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=out, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api"
    # Recorded for other govern processes of this project (see settings.running_prefect_server).
    marker = Path(os.environ.get("PREFECT_HOME") or ".prefect") / SERVER_FILE
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited with code {server.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"prefect server did not answer on {url}") from None
                time.sleep(0.5)
        os.environ["PREFECT_API_URL"] = url
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(url)
        yield url
    finally:
        marker.unlink(missing_ok=True)
        os.environ.pop("PREFECT_API_URL", None)
        processes.stop(server, grace=20)



def serve_until_stopped(flow, *, name: str, interval: int, log: Path | None = None, echo=print) -> None:
    """Serve ``flow`` as a deployment on a Prefect server until SIGTERM or Ctrl-C, then
    end the process.

    Prefect reads its API URL when first imported, so the runner is pointed at the
    server explicitly (otherwise it starts a temporary server that schedules nothing).
    Its own SIGTERM handler can hang in Prefect 3.8, so the runner serves from a worker
    thread and the signal stays ours.  Logs and events are drained while the server
    still answers; after that a run cut short by the stop keeps Prefect's machinery
    retrying an API that is gone, so the process ends explicitly: nothing is left to save.
    """
    import contextvars
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with prefect_api(log=log) as url, prefect_internals.api_url(url):
        echo(f"serving deployment {flow.name}/{name} every {interval} s on {url} (Ctrl-C to stop)")
        context = contextvars.copy_context()  # carries the Prefect settings into the thread
        worker = threading.Thread(target=context.run, args=(flow.serve,), kwargs={"name": name, "interval": interval}, daemon=True)
        worker.start()
        try:
            while worker.is_alive() and not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        prefect_internals.drain_logs_and_events(timeout=10)
    _stop_children()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid``, read from ``/proc`` (empty where there is none)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


def _stop_children(grace: float = 5.0) -> None:
    """End the flow runs the runner started: one cut short by the stop would otherwise
    outlive ``govern watch``, retrying a server that is gone and holding its output open."""
    import signal

    pending, seen = [os.getpid()], []
    while pending:
        kids = _children(pending.pop())
        seen += kids
        pending += kids
    for pid in seen:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in seen):
        time.sleep(0.1)
    for pid in seen:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True
