"""The MLflow UI on the platform's store: where reviewers read cards and approve.

One worker and no job consumers: the defaults start four workers and background
jobs (2.2 GiB, about 19 s), this starts in a fraction of that.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from govern.core.settings import Settings


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def ui_command(settings: Settings, host: str, port: int) -> list[str]:
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", settings.tracking_uri,
        "--host", host, "--port", str(port), "--workers", "1",
    ]
    if settings.embedded:
        command += ["--default-artifact-root", (settings.mlruns / "artifacts").as_uri()]
    return command


def ui_environment() -> dict:
    env = dict(os.environ)
    env.update({"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", "MLFLOW_DISABLE_TELEMETRY": "true"})
    return env


def ui_log(settings: Settings) -> Path:
    """Where the server's own start-up banners and request log go, off the terminal."""
    return settings.mlruns / "ui.log"


def serve_ui(settings: Settings, host: str = "127.0.0.1", port: int = 5000) -> None:
    """Run the UI in the foreground until interrupted; the server's output goes to
    :func:`ui_log` so the terminal shows only the platform's own line."""
    log = ui_log(settings)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        process = subprocess.Popen(ui_command(settings, host, port), env=ui_environment(), cwd=settings.root, stdout=out, stderr=subprocess.STDOUT)
        try:
            code = process.wait()
        except KeyboardInterrupt:
            process.terminate()
            process.wait(timeout=30)
            return
    if code:
        raise RuntimeError(f"MLflow UI exited with code {code}; see {log}")


def start_ui(settings: Settings, host: str = "127.0.0.1", port: int | None = None, timeout: float = 120.0, log: Path | None = None):
    """Start the UI in the background and wait until it answers; returns (process, url)."""
    port = port or free_port(host)
    out = open(log, "wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(ui_command(settings, host, port), env=ui_environment(), cwd=settings.root, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://{host}:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"MLflow UI exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise TimeoutError(f"MLflow UI did not answer on {url} within {timeout:.0f} s")
