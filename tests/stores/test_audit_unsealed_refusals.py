"""The wrong user's refusal is recorded by their own process, which holds no audit key:
the keyed audit accepts it unsealed (a refusal grants nothing), and still names an
unsealed gate evaluation or a refusal whose seal is wrong."""

from __future__ import annotations

import pytest

from govern.stores.audit.events import AUDIT_KEY_ENV, GATES, PROMOTION_REFUSED, ROLLBACK_REFUSED
from govern.stores.audit.log import AuditLog

KEY = b"audit-key-for-tests"


@pytest.fixture
def url(tmp_path, monkeypatch):
    monkeypatch.delenv(AUDIT_KEY_ENV, raising=False)
    return f"sqlite:///{tmp_path / 'govern.db'}"


def test_an_unsealed_refusal_is_not_a_finding_but_an_unsealed_evaluation_is(url):
    with AuditLog(url, key=KEY) as keyed, AuditLog(url) as author, AuditLog(url, key=b"another key") as wrong:
        keyed.append("credit", GATES, actor="govern-pipeline", version=1, details={"status": "passed"})
        author.append("credit", PROMOTION_REFUSED, actor="ana", version=1, details={"reasons": ["logged in as 'ana'"]})
        author.append("credit", ROLLBACK_REFUSED, actor="ana", details={"reasons": ["logged in as 'ana'"]})
        assert keyed.verify("credit") == []
        author.append("credit", GATES, actor="ana", version=2, details={"status": "passed"})
        wrong.append("credit", PROMOTION_REFUSED, actor="ana", version=2, details={"reasons": ["logged in as 'ana'"]})
        assert keyed.verify("credit") == [
            "event 4 (gates v2) is not sealed with the audit key: written by someone who does not hold it",
            "event 5 (refused promotion of v2) does not carry its audit key seal: rewritten after it was written",
        ]
