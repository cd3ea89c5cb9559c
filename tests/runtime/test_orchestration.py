"""A live command's flow runs under Prefect only when a Prefect server is there."""

from __future__ import annotations

import os

import pytest
from prefect import flow, task

from flows.steps import step
from govern.runtime import orchestration


@task
def _double(x: int) -> int:
    return 2 * x


@flow
def _doubled(x: int) -> int:
    return step(_double)(x) + 1


@pytest.fixture
def no_server(monkeypatch, tmp_path):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    monkeypatch.delenv("GOVERN_FLOW_RUNS", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    monkeypatch.setenv("PREFECT_PROFILES_PATH", str(tmp_path / "profiles.toml"))
    return tmp_path


def test_without_a_server_the_flow_body_runs_here_with_plain_steps(no_server):
    assert orchestration.server_url() is None
    assert orchestration.run(_doubled, 4) == 9  # a task called outside a flow run would start Prefect's server
    assert "PREFECT_API_URL" not in os.environ
    assert step(_double) is _double  # outside the plain run, the step is the Prefect task again


def test_a_server_named_by_the_environment_or_the_active_profile_is_used(no_server, monkeypatch):
    (no_server / "profiles.toml").write_text('active = "team"\n[profiles.team]\nPREFECT_API_URL = "http://prefect-host:4200/api"\n')
    assert orchestration.server_url() == "http://prefect-host:4200/api"
    monkeypatch.setenv("PREFECT_PROFILE", "other")
    assert orchestration.server_url() is None
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert orchestration.server_url() == "http://127.0.0.1:4200/api"

