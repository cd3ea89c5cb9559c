"""A flow's steps as Prefect tasks under a flow run, or as plain calls without a server.

With no Prefect server to record it (no ``PREFECT_API_URL``, no ``govern watch`` server
of the project), a flow run would first start Prefect's temporary server: 10-15 s on
this kind of machine, more than the daily scoring of a small batch, for run records
that end with the process.  :func:`without_server` runs the flow's own body instead,
its tasks called as the functions they wrap, so the steps and their order are the
flow's in both cases.  Task retries are Prefect's and apply under a flow run only.
"""

from __future__ import annotations

from contextvars import ContextVar

_PLAIN: ContextVar[bool] = ContextVar("govern_plain_steps", default=False)


def step(task):
    """``task``, or the function it wraps when the flow's body runs without Prefect."""
    return task.fn if _PLAIN.get() else task


def without_server(flow, *args, **kwargs):
    """``flow``'s body in this process, each step a plain call."""
    token = _PLAIN.set(True)
    try:
        return flow.fn(*args, **kwargs)
    finally:
        _PLAIN.reset(token)
