"""The live gate: promotion waits for the silent period, matured outcomes and the live
bound, says when each can be met, and is bound to the live evidence the reviewer saw."""

from __future__ import annotations

from datetime import date

import pytest

from govern.core.errors import PromotionRefused
from govern.governance import decisions
from govern.live import gate as live_gate
from govern.live import outcomes
from govern.stores import registry
from govern.stores.audit.events import PROMOTED
from govern.stores.audit.log import AuditLog
from tests import live_story

NAME = "live_gate_model"

pytestmark = pytest.mark.integration


def test_live_gate_holds_then_opens(project):
    from flows.experiment import experiment

    # four daily batches planned, so the sequential test spends its alpha over them; a loose cost guardrail; an offer made to every
    # targeted customer that prevents 90% of their churn, so the lift crosses its boundary on these few hundred customers
    live_story.install_spec(project.root, NAME, planned_days=4, capacity=100_000, guardrails=[{"metric": "cost_per_retained_customer", "max": 1000.0}])
    champion, challenger = live_story.champion_and_challenger(project, NAME)
    from govern.spec.model import load_spec

    spec = load_spec(NAME, project.models_dir)
    log = AuditLog(project.database_url)

    with pytest.raises(PromotionRefused, match="has no live evidence"):
        decisions.promote(log, NAME, challenger, actor="tester")

    campaign, plog, _ = live_story.run_campaign(project, spec, offer_effect=0.9, days=2, rows=800, start=date(2026, 8, 1), seed=8)
    experiment(NAME, today="2026-08-02")
    with pytest.raises(PromotionRefused) as refused:
        decisions.promote(log, NAME, challenger, actor="tester")
    message = str(refused.value)
    assert "scored silently on 2 of 3 days; complete on 2026-08-03" in message
    assert "0 of 100 matured control outcomes; the batches already scored bring enough by 2026-08-31" in message
    assert "not measured yet" in message

    more, plog, _ = live_story.run_campaign(project, spec, offer_effect=0.9, days=2, rows=800, start=date(2026, 8, 3), seed=9)
    # the second run numbers its customers from the same offset, so it re-scores the first run's customers (same arms);
    # only the first run's outcomes are delivered, so each customer's outcome is the one its offer changed
    outcomes.ingest(plog, spec, campaign.labels(date(2026, 9, 20)))
    report = experiment(NAME, today="2026-09-20")
    assert report["live"]["silent_days"] == 4 and report["live"]["matured_outcomes"] >= 100 and report["live_gate"] == []

    digest = live_gate.current_digest(NAME, challenger)
    registry.client().set_model_version_tag(NAME, challenger, live_gate.LIVE_DIGEST, "0" * 64)
    with pytest.raises(PromotionRefused, match="live evidence changed since the report was made"):
        decisions.promote(log, NAME, challenger, actor="tester")
    registry.client().set_model_version_tag(NAME, challenger, live_gate.LIVE_DIGEST, digest)

    promoted = decisions.promote(log, NAME, challenger, actor="tester")
    assert promoted.version == challenger and promoted.previous == champion
    event = log.events(NAME)[-1]
    assert event.action == PROMOTED and event.details["live_digest"] == digest


def test_specs_without_a_live_gate_and_first_versions_are_not_held(project):
    assert live_gate.refusals("churn", "1") == []  # churn declares no gates.live
    live_story.install_spec(project.root, "live_first")
    version = live_story.register(project, 4, 1, name="live_first")
    assert live_gate.refusals("live_first", version) == []  # no champion: nothing to compare with live
    (project.models_dir / "live_first.yaml").write_text("name: live_first\ntask: [broken\n")
    assert live_gate.refusals("live_first", version) == []  # the spec file is not read: its recorded rules are
