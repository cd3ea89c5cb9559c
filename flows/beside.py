"""Steps that run beside the flow's main line, on Prefect's task runner.

Evidence that does not need the tuned model (drift of the features, the baseline, the
groups' representation) is gathered while the trials run, and the checks of the tuned
model run beside each other: CatBoost trains and explains without Python's lock, so a
second thread finds room on the cores.  Each step's own duration is recorded (from its
submission to its completed state), and no step is left running when the block ends,
however it ends, so none writes into a staging folder that is being removed.
"""

from __future__ import annotations

import time
from typing import Any

from prefect.futures import PrefectFuture, wait


class Beside:
    def __init__(self, timings: dict[str, float]) -> None:
        self._timings = timings
        self._started: dict[str, tuple[PrefectFuture, float]] = {}

    def start(self, step: str, task, *args, **kwargs) -> None:
        """Submit ``task`` under the name ``step``, unless a step of that name was started."""
        if step not in self._started:
            self._started[step] = (task.submit(*args, **kwargs), time.time())

    def result(self, step: str) -> Any:
        """The step's return value once it has finished; its exception if it failed."""
        future, submitted = self._started[step]
        value = future.result()
        self._timings[step] = round(max(future.state.timestamp.timestamp() - submitted, 0.0), 2)
        return value

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, *exc) -> None:
        wait([future for future, _ in self._started.values()])
