"""`govern approve`, `promote`, `rollback` and `audit` as a user meets them: what changed in
the rules is printed and recorded, refusals are one line with exit 2 and are audited."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from govern.governance import approval, decisions
from govern.stores.audit.events import APPROVAL_REFUSED, ROLLBACK_REFUSED
from govern.stores.audit.log import AuditLog
from tests.decision_story import AUTHOR, gates, register_version, unique_name
from tests.governance.test_decisions import plain_cards  # noqa: F401 -- fixture

pytestmark = pytest.mark.integration  # the real CLI in child processes

LOOSENED = "fairness gate equalized_odds_difference by sex removed (was max 0.15) (loosens)"


def _govern(project, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, GOVERN_HOME=str(project.root), MLFLOW_TRACKING_URI=project.tracking_uri)
    return subprocess.run([sys.executable, "-m", "govern.cli", *args], capture_output=True, text=True, env=env, timeout=300)


def _one_line_refusal(out: subprocess.CompletedProcess, fragment: str) -> None:
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.strip().count("\n") == 0 and fragment in out.stderr, out.stderr


def test_decisions_print_rule_changes_and_refusals_are_one_line(project, tmp_path):
    name = unique_name("cli")
    log = AuditLog(project.database_url)
    first = register_version(log, name, tmp_path)
    approval.approve(log, name, first, reviewer="rev")
    decisions.promote(log, name, first, actor="tester")
    second = register_version(log, name, tmp_path, gate_rules=gates(fairness=[]))

    _one_line_refusal(_govern(project, "approve", name, second, "--reviewer", AUTHOR), "author of its run")
    assert [e.version for e in log.events(name) if e.action == APPROVAL_REFUSED] == [second]

    approved = _govern(project, "approve", name, second, "--reviewer", "rev")
    assert approved.returncode == 0, approved.stderr
    assert f"rules changed since champion v{first}:" in approved.stdout and LOOSENED in approved.stdout

    promoted = _govern(project, "promote", name)
    assert promoted.returncode == 0, promoted.stderr
    assert f"champion v{first} -> v{second}" in promoted.stdout and LOOSENED in promoted.stdout

    back = _govern(project, "rollback", name, "--json")
    assert back.returncode == 0, back.stderr
    assert f'"version": "{first}"' in back.stdout
    _one_line_refusal(_govern(project, "rollback", name), "no earlier champion")
    assert len([e for e in log.events(name) if e.action == ROLLBACK_REFUSED]) == 1

    audited = _govern(project, "audit", name)
    assert audited.returncode == 0, audited.stderr
    assert f"rule changed since v{first}: {LOOSENED}" in audited.stdout
    assert "reason: " in audited.stdout and "audit chain intact" in audited.stdout
