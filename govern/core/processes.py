"""Ending a child process the platform started (a Prefect or MLflow server): ask first,
then insist, and always reap it so no zombie or open port outlives the command."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM, up to ``grace`` seconds to exit cleanly, then SIGKILL; waits either way."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
