"""An inconclusive gate under ``on_inconclusive: acknowledge`` lets the verdict pass but
not promotion on its own: the approval must name it, and the names are kept with it.

Versions are registered through the real registration path (a tiny CatBoost model, MLflow
on the session's SQLite store; integration tier), with no training flow.
"""

from __future__ import annotations

import pytest

from govern.core.errors import GovernError, PromotionRefused
from govern.evidence.verdict import INCONCLUSIVE, PASSED, GateReport, GateResult
from govern.governance import acknowledgement, approval, decisions
from govern.stores import registry
from govern.stores.audit.events import APPROVAL_REFUSED, APPROVED
from govern.stores.audit.log import AuditLog
from tests.decision_story import approve_by_hand, register_version, unique_name

GATE = "equalized_odds_difference by sex"


@pytest.fixture(autouse=True)
def plain_cards(monkeypatch):
    from govern.card import render as cards

    def write_card(record, out_dir, governance=None):
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "card.md").write_text(f"card {governance}")
        (out_dir / "card.html").write_text("<p>card</p>")
        return out_dir / "card.md", out_dir / "card.html"

    monkeypatch.setattr(cards, "write_card", write_card)


@pytest.fixture
def log(project, tmp_path):
    with AuditLog(f"sqlite:///{tmp_path / 'govern.db'}") as audit:
        yield audit


def _results(policy: str) -> list[GateResult]:
    return [
        GateResult("roc_auc", "metric", PASSED, 0.8, ">= 0.7", "roc_auc = 0.8 (95% interval [0.75, 0.85]); passed", (0.75, 0.85), 0.07, "fail"),
        GateResult(GATE, "fairness", INCONCLUSIVE, 0.05, "<= 0.15", "straddles", (0.01, 0.21), 0.14, policy),
    ]


def _register(log, tmp_path, policy: str = "acknowledge") -> tuple[str, str]:
    """A version whose recorded verdict holds one inconclusive fairness gate under ``policy``."""
    name = unique_name("ack")
    return name, register_version(log, name, tmp_path, verdict=GateReport.judge(_results(policy)).to_dict())


def test_names_are_compared_without_case_spacing_or_unicode_form():
    assert acknowledgement.missing([GATE], ["  Equalized_Odds_Difference   BY sex "]) == []
    assert acknowledgement.missing([GATE], ["equalized_odds_difference by age_band"]) == [GATE]
    assert acknowledgement.missing([], []) == []


@pytest.mark.integration
def test_approval_must_name_the_gate_and_the_names_are_kept_with_it(log, tmp_path):
    name, version = _register(log, tmp_path)
    assert registry.VersionState.read(name, version).gate_status == PASSED  # the verdict passes: acknowledge is no failure
    assert acknowledgement.required(name, version) == [GATE]
    description = registry.get_version(name, version).description  # what a reviewer reads in the MLflow UI
    assert f'`approval.acknowledged` = `["{GATE}"]`' in description and f"[inconclusive] {GATE}: straddles" in description
    with pytest.raises(GovernError, match=f"need the reviewer's acknowledgement: {GATE}"):
        approval.approve(log, name, version, reviewer="rev")
    with pytest.raises(GovernError, match="is not an inconclusive gate"):
        approval.approve(log, name, version, reviewer="rev", acknowledge=[GATE, "roc_auc"])
    assert registry.VersionState.read(name, version).approval_status == registry.PENDING
    assert [e.action for e in log.events(name)].count(APPROVAL_REFUSED) == 2
    decided = approval.approve(log, name, version, reviewer="rev", acknowledge=[GATE.upper()])
    assert decided.acknowledged == (GATE.upper(),)
    assert acknowledgement.recorded(name, version) == [GATE.upper()]
    approved = [e for e in log.events(name) if e.action == APPROVED][-1]
    assert approved.details["acknowledged"] == [GATE.upper()]
    from govern.core.settings import load_settings

    refreshed = (load_settings().cards_dir / name / f"v{version}" / "card.md").read_text()
    assert f"'acknowledged': ['{GATE.upper()}']" in refreshed  # the card's governance block carries them
    assert decisions.promote(log, name, version, actor="tester").version == version


@pytest.mark.integration
def test_an_approval_set_in_the_ui_without_acknowledgement_does_not_promote(log, tmp_path):
    name, version = _register(log, tmp_path)
    approve_by_hand(name, version)
    with pytest.raises(PromotionRefused, match=f"inconclusive gates its approval did not acknowledge .*{GATE}"):
        decisions.promote(log, name, version, actor="tester")
    assert registry.alias_version(name, registry.CHAMPION) is None


@pytest.mark.integration
def test_inconclusive_under_fail_is_not_eligible_and_under_warn_needs_nothing(log, tmp_path):
    name, version = _register(log, tmp_path, policy="fail")
    assert registry.VersionState.read(name, version).gate_status == "failed"
    with pytest.raises(GovernError, match="failed its gates"):
        approval.approve(log, name, version, reviewer="rev")
    name, version = _register(log, tmp_path, policy="warn")
    approval.approve(log, name, version, reviewer="rev")
    assert decisions.promote(log, name, version, actor="tester").version == version


@pytest.mark.integration  # the real CLI in child processes
def test_govern_approve_acknowledge_on_the_command_line(project, tmp_path):
    import os
    import subprocess
    import sys

    def govern(*args: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, GOVERN_HOME=str(project.root), MLFLOW_TRACKING_URI=project.tracking_uri)
        return subprocess.run([sys.executable, "-m", "govern.cli", *args], capture_output=True, text=True, env=env, timeout=300)

    with AuditLog(project.database_url) as log:
        name, version = _register(log, tmp_path)
    refused = govern("approve", name, version, "--reviewer", "rev")
    assert refused.returncode == 2 and refused.stderr.strip().count("\n") == 0, refused.stdout + refused.stderr
    assert f'approve with --acknowledge "{GATE}"' in refused.stderr
    approved = govern("approve", name, version, "--reviewer", "rev", "--acknowledge", GATE)
    assert approved.returncode == 0, approved.stderr
    assert f"{name} v{version}: approved by rev (acknowledged: {GATE})" in approved.stdout
    promoted = govern("promote", name, version)
    assert promoted.returncode == 0, promoted.stderr
