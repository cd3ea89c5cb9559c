"""Steps beside the flow's main line: their errors reach the flow, their durations are
their own, and none is still running when the block is left, even when it fails."""

import time

import pytest
from prefect import flow, task

from flows.beside import Beside
from govern.core.errors import GovernError


@task
def _slow(events: list, seconds: float) -> int:
    time.sleep(seconds)
    events.append("slow finished")
    return 7


@task
def _broken() -> None:
    raise GovernError("column 'tenure' is missing")


@flow
def _side_by_side() -> tuple[list, dict, int]:
    events: list[str] = []
    timings: dict[str, float] = {}
    try:
        with Beside(timings) as beside:
            beside.start("slow", _slow, events, 0.5)
            raise RuntimeError("the main line failed")
    except RuntimeError:
        events.append("block left")
    with Beside(timings) as beside:
        beside.start("broken", _broken)
        try:
            beside.result("broken")
        except GovernError as exc:
            events.append(str(exc))
    with Beside(timings) as beside:
        beside.start("slow", _slow, events, 0.3)
        time.sleep(2.5)
        value = beside.result("slow")
    return events, timings, value


@pytest.mark.integration
def test_steps_beside_the_main_line():
    events, timings, value = _side_by_side()
    assert events == ["slow finished", "block left", "column 'tenure' is missing", "slow finished"]
    # Its own duration (0.3 s and Prefect's bookkeeping), not the main line's 2.5 s before asking.
    assert value == 7 and 0.3 <= timings["slow"] < 2.0
    assert "broken" not in timings
