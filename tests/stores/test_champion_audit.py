"""What the audit chain says about the champion: findings and history against the alias."""

from __future__ import annotations

import pytest

from govern.stores.audit.champion import champion_findings, champion_history, champion_lineage
from govern.stores.audit.events import ALIAS_MISMATCH, APPROVED, GATES, PROMOTED, PROMOTION_REFUSED, REJECTED, ROLLED_BACK
from govern.stores.audit.log import AuditLog
from tests.audit_story import promote_story


@pytest.fixture
def log(tmp_path):
    with AuditLog(f"sqlite:///{tmp_path / 'govern.db'}") as audit:
        yield audit


def test_consistent_promotion_has_no_findings(log):
    promote_story(log)
    events = log.events("credit")
    assert champion_findings(events, "2") == []
    assert champion_findings(events, 2) == []
    assert champion_findings(events, "v2") == []


def test_no_alias_and_no_promotion_has_no_findings(log):
    log.append("credit", GATES, actor="flow", version=1, details={"status": "failed"})
    log.append("credit", PROMOTION_REFUSED, actor="flow", version=1, details={"reason": "gates failed"})
    assert champion_findings(log.events("credit"), None) == []
    assert champion_findings([], None) == []


def test_alias_moved_to_an_unpromoted_version(log):
    promote_story(log)
    log.append("credit", GATES, actor="flow", version=3, details={"status": "passed"})
    log.append("credit", ALIAS_MISMATCH, actor="flow", version=3)

    assert champion_findings(log.events("credit"), "3") == [
        "champion alias points to v3 but the last recorded promotion is v2: moved outside the gates"
    ]


def test_alias_without_any_promotion(log):
    log.append("credit", GATES, actor="flow", version=2, details={"status": "passed"})
    assert champion_findings(log.events("credit"), "2") == [
        "champion alias points to v2 but no promotion is on record"
    ]


def test_alias_removed_while_a_promotion_is_on_record(log):
    promote_story(log)
    assert champion_findings(log.events("credit"), None) == [
        "champion alias is not set but the last recorded promotion is v2: removed outside the gates"
    ]


def test_promotion_without_approval_or_passed_gates(log):
    log.append("credit", GATES, actor="flow", version=1, details={"status": "failed"})
    log.append("credit", PROMOTED, actor="mallory", version=1)

    assert champion_findings(log.events("credit"), "1") == [
        "event 2 (promote v1) follows a gate evaluation of v1 with status 'failed' "
        "(event 1 (gates v1)), not 'passed'",
        "event 2 (promote v1) has no approval of v1 on record",
    ]


def test_approval_of_another_version_does_not_count(log):
    log.append("credit", GATES, actor="flow", version=2, details={"status": "passed"})
    log.append("credit", APPROVED, actor="alice", version=1)
    log.append("credit", PROMOTED, actor="alice", version=2)

    assert champion_findings(log.events("credit"), "2") == [
        "event 3 (promote v2) has no approval of v2 on record"
    ]


def test_rejection_after_approval_withdraws_it(log):
    log.append("credit", GATES, actor="flow", version=1, details={"status": "passed"})
    log.append("credit", APPROVED, actor="alice", version=1)
    log.append("credit", REJECTED, actor="carol", version=1, details={"reason": "bias"})
    log.append("credit", PROMOTED, actor="alice", version=1)

    assert champion_findings(log.events("credit"), "1") == [
        "event 4 (promote v1) follows a rejection of v1 (event 3 (reject v1)) with no approval after it"
    ]


def test_gates_and_approval_after_the_promotion_do_not_count(log):
    log.append("credit", PROMOTED, actor="mallory", version=1)
    log.append("credit", GATES, actor="flow", version=1, details={"status": "passed"})
    log.append("credit", APPROVED, actor="alice", version=1)

    assert champion_findings(log.events("credit"), "1") == [
        "event 1 (promote v1) has no gate evaluation of v1 before it",
        "event 1 (promote v1) has no approval of v1 on record",
    ]


def test_rollback_to_a_former_champion(log):
    promote_story(log)
    log.append("credit", ROLLED_BACK, actor="oncall", version=1, details={"from": "2", "reason": "drift"})
    events = log.events("credit")

    assert champion_findings(events, "1") == []
    assert champion_findings(events, "2") == [
        "champion alias points to v2 but the last recorded rollback is to v1: moved outside the gates"
    ]


def test_rollback_to_a_never_promoted_version(log):
    promote_story(log)
    log.append("credit", ROLLED_BACK, actor="oncall", version=5)

    assert champion_findings(log.events("credit"), "5") == [
        "event 7 (rollback to v5) goes to a version that was never promoted: "
        "rollbacks may only restore a former champion"
    ]


def test_champion_history(log):
    promote_story(log)
    log.append("credit", ROLLED_BACK, actor="oncall", version=1)
    events = log.events("credit")

    history = champion_history(events)
    assert [(h["version"], h["from"], h["by"], h["action"]) for h in history] == [
        ("1", None, "alice", PROMOTED),
        ("2", "1", "bob", PROMOTED),
        ("1", "2", "oncall", ROLLED_BACK),
    ]
    assert [h["at"] for h in history] == [events[2].recorded_at, events[5].recorded_at, events[6].recorded_at]
    assert champion_history([]) == []


def _promote_third(log):
    log.append("credit", GATES, actor="flow", version=3, details={"status": "passed"})
    log.append("credit", APPROVED, actor="carol", version=3)
    log.append("credit", PROMOTED, actor="carol", version=3, details={"from": "2"})


def test_lineage_walks_back_along_rollbacks(log):
    promote_story(log)
    _promote_third(log)
    assert champion_lineage(log.events("credit")) == ["1", "2", "3"]
    log.append("credit", ROLLED_BACK, actor="oncall", version=2, details={"from": "3"})
    assert champion_lineage(log.events("credit")) == ["1", "2"]
    log.append("credit", ROLLED_BACK, actor="oncall", version=1, details={"from": "2"})
    assert champion_lineage(log.events("credit")) == ["1"]
    assert champion_findings(log.events("credit"), "1") == []
    assert champion_lineage([]) == []


def test_rollback_back_to_the_version_just_left_is_a_finding(log):
    promote_story(log)
    log.append("credit", ROLLED_BACK, actor="oncall", version=1, details={"from": "2"})
    log.append("credit", ROLLED_BACK, actor="oncall", version=2, details={"from": "1"})

    assert champion_findings(log.events("credit"), "2") == [
        "event 8 (rollback to v2) does not go back along the recorded history: v1 had no champion before it"
    ]


def test_rollback_that_skips_the_history_is_a_finding(log):
    promote_story(log)
    _promote_third(log)
    log.append("credit", ROLLED_BACK, actor="oncall", version=1, details={"from": "3"})

    assert champion_findings(log.events("credit"), "1") == [
        "event 10 (rollback to v1) skips the recorded history: the champion before v3 was v2"
    ]


def test_promotion_that_replaced_another_champion_than_the_log_says(log):
    promote_story(log)
    # Two promotions that raced: both checked against v2 and both say they replaced it.
    log.append("credit", GATES, actor="flow", version=3, details={"status": "passed"})
    log.append("credit", APPROVED, actor="carol", version=3)
    log.append("credit", PROMOTED, actor="carol", version=3, details={"from": "2"})
    log.append("credit", GATES, actor="flow", version=4, details={"status": "passed"})
    log.append("credit", APPROVED, actor="dave", version=4)
    log.append("credit", PROMOTED, actor="dave", version=4, details={"from": "2"})

    assert champion_findings(log.events("credit"), "4") == [
        "event 12 (promote v4) replaced v2 but the champion on record was v3: "
        "the alias moved outside the gates, or two decisions raced"
    ]


# -- PostgreSQL -----------------------------------------------------------------------


def test_a_promotion_of_other_evidence_than_was_judged_is_named(log):
    """The gate evaluation recorded one digest, the promotion another: the evidence was swapped."""
    log.append("credit", GATES, actor="pipeline", version=1, details={"status": "passed", "digest": "a" * 64})
    log.append("credit", APPROVED, actor="bo", version=1)
    log.append("credit", PROMOTED, actor="govern-service", version=1, details={"digest": "b" * 64})
    assert champion_findings(log.events("credit"), "1") == [
        f"event 3 (promote v1) moved v1 with evidence digest {'b' * 12} but its gate evaluation (event 1 (gates v1)) "
        f"recorded {'a' * 12}: the evidence changed after it was judged"
    ]
