"""When a Prefect task may retry: only on errors that a second attempt could fix.

A ``GovernError`` states a problem with the input or the registry (no champion, a
missing column); retrying it only delays the one-line message by the retry delays.
"""

from __future__ import annotations

from govern.core.errors import GovernError


def transient(task, task_run, state) -> bool:
    """Prefect ``retry_condition_fn``: retry anything but a ``GovernError``."""
    return not isinstance(state.data, GovernError)
