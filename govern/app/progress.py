"""A live progress line on stderr for the long commands (train, demo, monitor, score).

Only on a terminal: when stderr is a pipe or a file (tests, CI, ``2>log``) nothing is
drawn, so captured output stays exactly what the command reports.  Rich draws it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def enabled(stream=None) -> bool:
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


@contextmanager
def activity(label: str) -> Iterator[Callable[[str], None]]:
    """A spinner with the elapsed time while the block runs; yields ``step(text)`` that
    names the current step.  A no-op off a terminal."""
    if not enabled():
        yield lambda text: None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=Console(stderr=True), transient=True,
        redirect_stdout=sys.stdout.isatty(), redirect_stderr=False,
    )
    with progress:
        task = progress.add_task(label, total=None)
        yield lambda text: progress.update(task, description=f"{label}: {text}")


@contextmanager
def echo_steps(label: str, echo: Callable[[str], None]) -> Iterator[Callable[[str], None]]:
    """Like :func:`activity`, for code that reports through ``echo``: every echoed line
    also becomes the spinner's current step."""
    with activity(label) as step:
        def both(line: str) -> None:
            echo(line)
            if line.strip():
                step(line.strip()[:70])

        yield both
