"""Two `govern promote` processes at once, with the audit log on this machine's PostgreSQL."""

from __future__ import annotations

import multiprocessing

import pytest

from govern.governance import approval, decisions
from govern.stores import registry
from govern.stores.audit.events import PROMOTED
from govern.stores.audit.log import AuditLog
from tests.decision_story import promote_in_process, register_version
from tests.governance.test_decisions import plain_cards  # noqa: F401 -- fixture
from tests.stores.test_audit_postgres import POSTGRES_URL, postgres_model  # noqa: F401 -- fixture

pytestmark = pytest.mark.postgres


def test_two_promotion_processes_end_with_one_consistent_champion(project, tmp_path, postgres_model):  # noqa: F811
    name = postgres_model
    with AuditLog(POSTGRES_URL) as log:
        first = register_version(log, name, tmp_path)
        approval.approve(log, name, first, reviewer="rev")
        decisions.promote(log, name, first, actor="tester")
        contenders = [register_version(log, name, tmp_path) for _ in range(2)]
        for version in contenders:
            approval.approve(log, name, version, reviewer="rev")

        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(len(contenders))
        processes = [context.Process(target=promote_in_process, args=(POSTGRES_URL, name, v, barrier)) for v in contenders]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=180)
            assert process.exitcode == 0

        promotions = [e for e in log.events(name) if e.action == PROMOTED]
        assert [p.version for p in promotions[:1]] == [first] and {p.version for p in promotions[1:]} == set(contenders)
        assert promotions[2].details["from"] == promotions[1].version
        assert registry.alias_version(name, registry.CHAMPION) == promotions[-1].version
        assert log.verify(name) == []
        report = decisions.audit_model(log, name)
        assert report.ok, report.problems
