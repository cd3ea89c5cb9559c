"""The ``govern`` Typer app and what every command shares: the quiet, offline
environment, errors as one line with an exit code, and the audit log."""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import os
import sys
from collections.abc import Iterator

import typer

from govern.core.errors import GovernError
from govern.core.settings import configure_environment, load_settings

# Registered before any library's exit handler, so it runs last: Python's final garbage
# collection walks every object the libraries made (about 2 s after a training) only to
# free memory the operating system takes back anyway.  Stores are committed and files
# closed by then.
atexit.register(gc.freeze)

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Govern customer-analytics models: train challengers, gate, approve, promote, monitor, audit.")


JSON_STDERR_LOG = "json-stderr.log"


@contextlib.contextmanager
def _stderr_aside(enabled: bool) -> Iterator[None]:
    """With ``--json``, whatever a library or a child process writes to stderr (a
    matplotlib font-cache notice, a warning, a server's log line) goes to
    ``mlruns/logs/json-stderr.log`` instead, so a program reading the JSON sees an empty
    stderr; the descriptor itself is redirected, so child processes are covered too."""
    if not enabled:
        yield
        return
    path = load_settings().mlruns / "logs" / JSON_STDERR_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with path.open("ab") as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def command(fn):
    """Run a command in the configured environment; turn errors into one line and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        configure_environment()
        try:
            with _stderr_aside(bool(kwargs.get("as_json"))):
                return fn(*args, **kwargs)
        except GovernError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except typer.Exit:
            raise
        except Exception as exc:
            if os.environ.get("GOVERN_DEBUG"):
                raise
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            typer.echo(f"error: {exc.__class__.__name__}: {message} (set GOVERN_DEBUG=1 for the traceback)", err=True)
            raise typer.Exit(1) from None

    return wrapper


def audit_log():
    from govern.stores.audit.log import AuditLog

    return AuditLog(load_settings().database_url)


