"""Rule changes are shown against the previous version as well as the champion: a gate
loosened between a failed v1 and a passing v2 is visible before any champion exists, in
``govern approve``'s lines, the audit event and the card logged at registration."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from govern.card.render import render_markdown
from govern.gates.changes import RuleChanges
from govern.governance import approval
from govern.governance.rule_history import RuleHistory, changes_since_champion
from govern.stores.audit.events import APPROVED
from govern.stores.audit.log import AuditLog
from tests.card_records import binary_record
from tests.decision_story import gates, register_version, unique_name

LOOSENED = "metric gate roc_auc min 0.9 -> 0.7 (loosens)"


@pytest.fixture
def cards_written(monkeypatch):
    """The governance each card was written with (the test versions' records are too thin
    for the full template, which is rendered below with a complete record)."""
    from govern.card import render as cards

    written = []

    def write_card(record, out_dir, governance=None):
        written.append((record.model_copy(), governance))
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "card.md").write_text("card")
        (out_dir / "card.html").write_text("<p>card</p>")
        return out_dir / "card.md", out_dir / "card.html"

    monkeypatch.setattr(cards, "write_card", write_card)
    return written


def test_previous_version_lines_follow_the_champions():
    history = RuleHistory("2", None, [], previous=RuleChanges("2", "1", [LOOSENED]), previous_status="failed")
    assert history.summary() == ["rules: no champion to compare with", "rules changed since the previous version v1 (gates failed):", f"  {LOOSENED}"]
    assert history.as_details() == {"rule_changes": [], "rules_compared_with": None, "rule_changes_since_previous": [LOOSENED],
                                    "rules_previous": "1", "rules_previous_status": "failed"}
    assert history.for_card() == {"against": "1", "status": "failed", "lines": [LOOSENED], "note": ""}
    same = RuleHistory("2", None, [], previous=RuleChanges("2", "1", []), previous_status="passed")
    assert same.summary()[-1] == "rules: same gates as the previous version v1 (gates passed)"
    assert RuleHistory("1", None, []).summary() == ["rules: no champion to compare with"]
    assert RuleHistory("1", None, []).for_card() is None


@pytest.mark.integration
def test_a_gate_loosened_after_a_failed_version_is_visible_before_any_champion(project, tmp_path, cards_written):
    log = AuditLog(project.database_url)
    name = unique_name("loosened")
    strict = gates(metrics=[{"metric": "roc_auc", "min": 0.9}])
    first = register_version(log, name, tmp_path, gate_rules=strict, status="failed")
    second = register_version(log, name, tmp_path, gate_rules=gates())

    rules = changes_since_champion(name, second)
    assert rules.against is None and rules.previous is not None
    assert (rules.previous.against, rules.previous.lines, rules.previous_status) == (first, [LOOSENED], "failed")

    written = {str(record.version): governance for record, governance in cards_written}
    assert written[first]["previous_rules"] is None
    card = render_markdown(binary_record(), written[second])
    assert f"**Rules against the previous version's (v{first}, gates failed).** Changed since v{first} was judged:" in card
    assert f"- {LOOSENED}" in card
    assert "Rules against the previous" not in render_markdown(binary_record(), written[first])

    env = dict(os.environ, GOVERN_HOME=str(project.root), MLFLOW_TRACKING_URI=project.tracking_uri)
    out = subprocess.run([sys.executable, "-m", "govern.cli", "approve", name, second, "--reviewer", "rev"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert f"rules changed since the previous version v{first} (gates failed):" in out.stdout and LOOSENED in out.stdout
    event = [e for e in log.events(name) if e.action == APPROVED][-1]
    assert event.details["rule_changes_since_previous"] == [LOOSENED] and event.details["rules_previous"] == first


@pytest.mark.integration
def test_the_previous_version_that_is_the_champion_is_not_repeated(project, tmp_path, cards_written):
    log = AuditLog(project.database_url)
    name = unique_name("prevchamp")
    first = register_version(log, name, tmp_path)
    approval.approve(log, name, first, reviewer="rev")
    from govern.governance import decisions

    decisions.promote(log, name, first, actor="tester")
    second = register_version(log, name, tmp_path, gate_rules=gates(fairness=[]))
    rules = changes_since_champion(name, second)
    assert rules.against == first and rules.previous is None
    assert not any("previous version" in line for line in rules.summary())
