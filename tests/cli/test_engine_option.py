"""--engine and --scheduler are named plainly when wrong (one line, before anything runs)."""

from __future__ import annotations

import pytest

from govern.cli.live import check_engine
from govern.core.errors import GovernError


def test_engine_names_and_the_scheduler_need_dask():
    assert check_engine("local", None) == "local" and check_engine("dask", "tcp://127.0.0.1:8786") == "dask"
    with pytest.raises(GovernError, match="'spark' is not an engine"):
        check_engine("spark", None)
    with pytest.raises(GovernError, match="--scheduler needs --engine dask"):
        check_engine("local", "tcp://127.0.0.1:8786")
