"""The champion's card and ``govern status`` carry its latest monitoring verdict; a
failed one stands in the card's header, not only "Gate verdict passed"."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from govern.card.render import render_markdown
from govern.governance.status import ModelStatus, MonitoringVerdict, Review, last_monitoring, summary_lines
from govern.stores.audit.events import MONITORED, AuditEvent
from tests.card_records import binary_record


def _event(seq, version, at, **details):
    return AuditEvent(model="m", seq=seq, recorded_at=at, action=MONITORED, version=version, actor="t", details=details)


FAILED_6_OF_8 = MonitoringVerdict(
    "failed", "2026-03-20T09:00:00+00:00", "2", [f"reason {i}" for i in range(6)], checks=8,
    failed_gates=["data drift", "roc_auc", "brier", "roc_auc drop from champion holdout", "base-rate shift", "equalized_odds_difference by gender"],
)


def _card(verdict: MonitoringVerdict | None) -> str:
    governance = {"monitoring": {**asdict(verdict), "headline": verdict.headline()}} if verdict else {}
    return render_markdown(binary_record(), governance)


def test_a_failed_monitoring_verdict_stands_in_the_cards_header():
    card = _card(FAILED_6_OF_8)
    header = card.split("## Model details")[0]
    assert "> **Monitoring failed on 2026-03-20: 6 of 8 checks failed (data drift, roc_auc," in header.splitlines()[2]
    assert "| Latest monitoring | **failed** on 2026-03-20: 6 of 8 checks failed (data drift" in header
    assert "| Gate verdict | **passed**" in header


def test_a_passed_verdict_is_a_header_row_without_a_banner_and_none_is_nothing():
    passed = MonitoringVerdict("passed", "2026-03-25T09:00:00+00:00", "2", [], checks=8)
    card = _card(passed)
    assert "| Latest monitoring | **passed** on 2026-03-25 |" in card and "> **Monitoring" not in card
    assert "Latest monitoring" not in _card(None)


def test_status_reads_the_champions_latest_verdict_with_its_counts():
    events = [
        _event(1, "1", "2026-03-01T09:00:00+00:00", status="passed", failures=[], checks=8),
        _event(2, "2", "2026-03-20T09:00:00+00:00", status="failed", failures=["drift share 60% > 50%"], checks=8, failed_gates=["data drift"]),
        _event(3, "1", "2026-03-25T09:00:00+00:00", status="passed", failures=[], checks=8),
    ]
    verdict = last_monitoring(events, "2")
    assert (verdict.status, verdict.checks, verdict.failed_gates) == ("failed", 8, ["data drift"])
    assert last_monitoring(events).at.startswith("2026-03-25") and last_monitoring(events, "3") is None
    s = ModelStatus("m", True, True, "2", None, None, Review(None, None, False, "x"), [], verdict)
    assert summary_lines(s)[-1] == "  last monitoring 2026-03-20 on v2: failed, 1 of 8 checks failed (data drift): drift share 60% > 50%"
    unmonitored = ModelStatus("m", True, True, "3", None, None, Review(None, None, False, "x"), [], None)
    assert summary_lines(unmonitored)[-1] == "  last monitoring of champion v3: none on record"


@pytest.mark.integration
def test_monitoring_a_champion_refreshes_its_card_and_status(project, tmp_path, monkeypatch):
    import pandas as pd

    from govern.card import render as cards
    from govern.evidence.drift import not_measured
    from govern.evidence.monitoring import MonitoringOutcome
    from govern.evidence.verdict import FAILED, PASSED, GateResult
    from govern.governance import approval, decisions
    from govern.governance.card_refresh import refresh_card
    from govern.governance.status import model_status
    from govern.monitoring.check import Reference, record
    from govern.spec.model import load_spec
    from govern.stores.audit.log import AuditLog
    from tests.decision_story import register_version, unique_name

    written = []
    monkeypatch.setattr(cards, "write_card", lambda rec, out, governance=None: written.append(governance) or (out, out))
    log = AuditLog(project.database_url)
    name = unique_name("monitored")
    version = register_version(log, name, tmp_path)
    approval.approve(log, name, version, reviewer="rev")
    decisions.promote(log, name, version, actor="tester")

    spec = load_spec("churn", project.models_dir).model_copy(update={"name": name})
    checks = [GateResult("roc_auc", "metric", FAILED, 0.6, ">= 0.7", "roc_auc 0.6 < 0.7"),
              GateResult("brier", "metric", PASSED, 0.1, "<= 0.2", "brier 0.1")]
    outcome = MonitoringOutcome(model=name, champion=version, rows=10, labelled=True, drift=not_measured("test"), drift_gate="not_gated",
                                findings=[], checks=checks, primary_metric="roc_auc")
    out_dir = tmp_path / "monitoring"
    out_dir.mkdir()
    (out_dir / "monitoring.md").write_text("report")
    record(spec, Reference(version=version, run_id="", frame=pd.DataFrame(), model=None), outcome, out_dir, log, actor="monitor")

    refresh_card(log, name, version, cards_root=tmp_path / "cards")
    shown = written[-1]["monitoring"]
    assert shown["status"] == "failed" and shown["headline"] == f"failed on {shown['at'][:10]}: 1 of 2 checks failed (roc_auc)"
    status = model_status(name, log, project.models_dir)
    assert status.monitoring is not None and (status.monitoring.version, status.monitoring.checks) == (version, 2)
    assert "failed, 1 of 2 checks failed (roc_auc): roc_auc 0.6 < 0.7" in summary_lines(status)[-1]
