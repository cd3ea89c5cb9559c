"""The inventory's review dates, champion age and monitoring verdict, from recorded events."""

from __future__ import annotations

from datetime import date

import yaml

from govern.governance.status import ModelStatus, Review, _refusals_on_record, champion_since, last_monitoring, review, summary_lines
from govern.spec.model import parse_spec
from govern.stores.audit.events import MONITORED, PROMOTED, PROMOTION_REFUSED, AuditEvent
from tests.conftest import REPO


def _spec(every):
    raw = yaml.safe_load((REPO / "models" / "churn.yaml").read_text())
    raw["card"]["review_every_days"] = every
    return parse_spec(raw)


def _event(seq, action, version, at, **details):
    return AuditEvent(model="churn", seq=seq, recorded_at=at, action=action, version=version, actor="t", details=details)


EVENTS = [
    _event(1, PROMOTED, "1", "2026-01-10T09:00:00+00:00"),
    _event(2, PROMOTED, "2", "2026-03-01T09:00:00+00:00"),
    _event(3, MONITORED, "2", "2026-03-20T09:00:00+00:00", status="failed", failures=["drift share 60% > 50%"]),
    _event(4, PROMOTION_REFUSED, "3", "2026-03-21T09:00:00+00:00", reasons=["v3 is not approved (approval.status=pending)"]),
    _event(5, MONITORED, "2", "2026-03-25T09:00:00+00:00", status="passed", failures=[]),
]


def test_review_due_from_the_recorded_promotion():
    since = champion_since(EVENTS, "2")
    assert since.startswith("2026-03-01")
    on_time = review(_spec(30), since, "2", today=date(2026, 3, 31))
    assert (on_time.due, on_time.overdue, on_time.finding("churn", "2")) == (date(2026, 3, 31), False, None)
    late = review(_spec(30), since, "2", today=date(2026, 4, 5))
    assert late.overdue and "5 days late" in late.note
    assert late.finding("churn", "2").startswith("churn: review of champion v2 overdue since 2026-03-31")


def test_review_unknown_is_never_overdue_and_says_why():
    assert "no review cadence" in review(_spec(None), "2026-01-01T00:00:00+00:00", "1", date(2030, 1, 1)).note
    unrecorded = review(_spec(30), champion_since(EVENTS, "7"), "7", date(2030, 1, 1))
    assert unrecorded.due is None and not unrecorded.overdue and "not on record" in unrecorded.note
    assert review(_spec(30), None, None, date(2030, 1, 1)).note == "no champion"


def test_last_monitoring_and_refusals_on_record():
    verdict = last_monitoring(EVENTS)
    assert (verdict.status, verdict.version, verdict.at[:10]) == ("passed", "2", "2026-03-25")
    assert last_monitoring(EVENTS[:3]).failures == ["drift share 60% > 50%"]
    assert last_monitoring([]) is None
    assert _refusals_on_record(EVENTS, "3") == ["promotion refused 2026-03-21: v3 is not approved (approval.status=pending)"]


def test_summary_flags_an_overdue_review():
    overdue = Review(30, date(2026, 3, 31), True, "every 30 days from 2026-03-01; 5 days late")
    s = ModelStatus("churn", True, True, "2", "2026-03-01T09:00:00+00:00", 35, overdue, [], last_monitoring(EVENTS))
    lines = summary_lines(s)
    assert "REVIEW OVERDUE 2026-03-31" in lines[0] and "35 days" in lines[0]
    assert lines[-1].startswith("  last monitoring 2026-03-25 on v2: passed")
    assert s.to_dict()["review"]["due"] == "2026-03-31"
