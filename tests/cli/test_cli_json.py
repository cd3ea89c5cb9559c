"""Every reporting command's --json: stdout is one JSON document and stderr stays empty,
through the real CLI in a subprocess on versions registered in the session's store."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from govern.governance import approval, decisions
from govern.stores.audit.log import AuditLog
from tests.decision_story import register_version, unique_name
from tests.governance.test_decisions import plain_cards  # noqa: F401 -- fixture

pytestmark = pytest.mark.integration  # the real CLI in child processes


def _govern(project, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, GOVERN_HOME=str(project.root), MLFLOW_TRACKING_URI=project.tracking_uri)
    return subprocess.run([sys.executable, "-m", "govern.cli", *args], capture_output=True, text=True, env=env, timeout=300)


def _champion_and_challenger(project, tmp_path, *, approve_second: bool):
    """A model whose v1 is champion and whose v2 passed its gates, optionally approved."""
    name = unique_name("json")
    log = AuditLog(project.database_url)
    first = register_version(log, name, tmp_path)
    approval.approve(log, name, first, reviewer="rev")
    decisions.promote(log, name, first, actor="tester")
    second = register_version(log, name, tmp_path)
    if approve_second:
        approval.approve(log, name, second, reviewer="rev")
    return name, first, second


CASES = {
    "status": (False, lambda n, a, b: ("status", "--json"), lambda d, n, a, b: any(r["name"] == n and r["champion"] == a for r in d)),
    "status-one": (False, lambda n, a, b: ("status", n, "--json"), lambda d, n, a, b: d[0]["waiting"][0]["version"] == b),
    "audit": (False, lambda n, a, b: ("audit", n, "--json"), lambda d, n, a, b: d["ok"] and d["champion"] == a and d["warnings"] == []),
    "approve": (False, lambda n, a, b: ("approve", n, b, "--reviewer", "rev", "--json"), lambda d, n, a, b: d["status"] == "approved"),
    "promote": (True, lambda n, a, b: ("promote", n, "--json"), lambda d, n, a, b: (d["version"], d["previous"]) == (b, a)),
    "rollback": (True, lambda n, a, b: ("rollback", n, "--json"), lambda d, n, a, b: d["action"] == "rollback"),
    # watch promotes models with a spec only, so this one is not among them: an empty list.
    "watch": (True, lambda n, a, b: ("watch", "--once", "--json"), lambda d, n, a, b: isinstance(d, list)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_json_output_parses_and_stderr_is_empty(project, tmp_path, case):
    approve_second, args, check = CASES[case]
    name, first, second = _champion_and_challenger(project, tmp_path, approve_second=approve_second)
    if case == "rollback":
        decisions.promote(AuditLog(project.database_url), name, second, actor="tester")
    out = _govern(project, *args(name, first, second))
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert check(json.loads(out.stdout), name, first, second), out.stdout
