"""Promotion re-checks the record, not the tags: the bypasses an author could walk
through by editing a version's tags, on the embedded stores (MLflow on SQLite).

Each bypass is set up as the author did it (tags, a hand registration, a swapped
evidence file with a recomputed digest), approved by a reviewer, and must be refused
before any write, with one line naming why.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from govern.core.errors import PromotionRefused
from govern.governance import approval, decisions, promotion
from govern.governance.promoter_key import new_key_pair
from govern.stores import registry
from govern.stores.audit.events import GATES, PROMOTED, PROMOTION_REFUSED, AuditEvent
from govern.stores.audit.log import AuditLog
from tests.decision_story import approve_by_hand, evidence_folder, register_version, unique_name
from tests.governance.test_decisions import plain_cards  # noqa: F401 -- fixture

pytestmark = pytest.mark.integration  # each version is a tiny CatBoost model, fitted once per session


@pytest.fixture
def log(project, tmp_path):
    with AuditLog(f"sqlite:///{tmp_path / 'govern.db'}") as audit:
        yield audit


def _retag_as_passed(name: str, version: str) -> None:
    """What the author did: every gate tag flipped to passed, the description rewritten."""
    client = registry.client()
    for key in [k for k in registry.get_version(name, version).tags if k.startswith("gate.")]:
        client.set_model_version_tag(name, version, key, "passed")
    client.set_model_version_tag(name, version, registry.APPROVAL_STATUS, registry.PENDING)
    client.delete_model_version_tag(name, version, "approval.reason")
    client.update_model_version(name, version, description="Gates passed.")


def _refused_before_any_write(log: AuditLog, name: str, version: str, words: str) -> str:
    """Promotion is refused in one line naming ``words``; only the refusal is recorded."""
    before = [e.action for e in log.events(name)]
    tags = registry.get_version(name, version).tags
    with pytest.raises(PromotionRefused, match=words) as refused:
        decisions.promote(log, name, version, actor="promoter")
    message = str(refused.value)
    assert "\n" not in message
    assert registry.alias_version(name, registry.CHAMPION) is None
    assert registry.get_version(name, version).tags == tags
    assert [e.action for e in log.events(name)] == [*before, PROMOTION_REFUSED]
    return message


def test_a_retagged_failed_version_is_refused_by_its_gate_evaluation(log, tmp_path):
    name = unique_name()
    version = register_version(log, name, tmp_path, status="failed")
    _retag_as_passed(name, version)
    approval.approve(log, name, version, reviewer="rev")  # the tags now let a reviewer approve
    message = _refused_before_any_write(log, name, version, "gate evaluation on the audit chain .* is failed, not passed")
    assert "gate.status=passed" in message


def test_a_hand_registered_version_that_was_never_judged_is_refused(log, tmp_path):
    name = unique_name()
    judged = register_version(log, name, tmp_path)
    source = registry.get_version(name, judged)
    tags = {registry.GATE_STATUS: "passed", registry.APPROVAL_STATUS: registry.PENDING}
    by_hand = str(registry.client().create_model_version(name, source.source, run_id=source.run_id, tags=tags).version)
    digest = registry.recorded_evidence_digest(name, by_hand)
    registry.client().set_model_version_tag(name, by_hand, registry.EVIDENCE_DIGEST, digest)
    approval.approve(log, name, by_hand, reviewer="rev")
    _refused_before_any_write(log, name, by_hand, f"v{by_hand} has no gate evaluation on the audit chain")


def test_evidence_swapped_after_evaluation_with_a_recomputed_digest_is_refused(log, tmp_path):
    name = unique_name()
    version = register_version(log, name, tmp_path)
    (evidence_folder(name, version) / "card.html").write_text("<p>Everything passed. Fairness: perfect.</p>")
    registry.client().set_model_version_tag(name, version, registry.EVIDENCE_DIGEST, registry.recorded_evidence_digest(name, version))
    approval.approve(log, name, version, reviewer="rev")
    _refused_before_any_write(log, name, version, "evidence is not what was judged: its artifacts now give digest")


def test_a_judged_version_still_promotes_and_its_record_is_on_the_promotion(log, tmp_path):
    name = unique_name()
    version = register_version(log, name, tmp_path)
    approve_by_hand(name, version)
    decisions.promote(log, name, version, actor="promoter")
    gates, promoted = ([e for e in log.events(name) if e.action == action][-1] for action in (GATES, PROMOTED))
    assert promoted.details["digest"] == gates.details["digest"] and gates.details["rules"]
    assert decisions.audit_model(log, name).ok


def test_the_latest_gate_evaluation_decides_and_record_json_must_hold_its_rules(log, tmp_path):
    """Record checks on the chain as given: a later failed evaluation, another run, other rules."""
    name = unique_name()
    version = register_version(log, name, tmp_path)
    approve_by_hand(name, version)
    state = registry.VersionState.read(name, version)
    judged = next(e for e in log.events(name) if e.action == GATES)
    assert promotion.record_refusals(state, [judged], now=state.digest) == []

    failed_later = replace(judged, seq=judged.seq + 1, details={**judged.details, "status": "failed"})
    assert "is failed, not passed" in promotion.record_refusals(state, [judged, failed_later], now=state.digest)[0]
    other_run = replace(judged, details={**judged.details, "run_id": "another-run"})
    assert "not the run its gate evaluation" in promotion.record_refusals(state, [other_run], now=state.digest)[0]
    other_rules = replace(judged, details={**judged.details, "rules": "0" * 64})
    assert "other gate rules" in promotion.record_refusals(state, [other_rules], now=state.digest)[0]
    retagged = replace(state, digest="f" * 64)
    assert "approval does not cover what was judged" in promotion.record_refusals(retagged, [judged], now=state.digest)[0]
    no_digest: AuditEvent = replace(judged, details={"status": "passed", "run_id": state.run_id})
    assert "recorded no evidence digest" in promotion.record_refusals(state, [no_digest], now=state.digest)[0]


def test_rollback_rechecks_the_record_of_its_target(log, tmp_path):
    name = unique_name()
    versions = []
    for _ in range(2):
        versions.append(register_version(log, name, tmp_path))
        approve_by_hand(name, versions[-1])
        decisions.promote(log, name, versions[-1], actor="promoter")
    first = versions[0]
    (evidence_folder(name, first) / "gates.json").write_text("{}")
    registry.client().set_model_version_tag(name, first, registry.EVIDENCE_DIGEST, registry.recorded_evidence_digest(name, first))
    with pytest.raises(PromotionRefused, match=f"rollback to v{first} refused: v{first}'s evidence is not what was judged"):
        decisions.rollback(log, name, actor="oncall")
    assert registry.alias_version(name, registry.CHAMPION) == versions[1]


def test_the_wrong_promoter_is_refused_before_anything_in_team_mode(log, tmp_path, monkeypatch):
    """Who promotes is known before any lock or server call: refused and recorded at once."""
    name = unique_name()
    version = register_version(log, name, tmp_path)
    monkeypatch.setattr(registry, "team_mode", lambda tracking_uri=None: True)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ana")
    with pytest.raises(PromotionRefused, match="only the platform's service user 'govern-service' moves champion .* logged in as 'ana'"):
        decisions.promote(log, name, version)
    refused = log.events(name)[-1]
    assert (refused.action, refused.actor, refused.version) == (PROMOTION_REFUSED, "ana", version)
    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME")
    assert "not logged in" in promotion.promoter_refusal(None)
    monkeypatch.setenv("GOVERN_SERVICE_USER", "svc")
    monkeypatch.delenv("GOVERN_PROMOTER_KEY", raising=False)
    assert "needs the promoter's private key in GOVERN_PROMOTER_KEY" in promotion.promoter_refusal("svc")
    monkeypatch.setenv("GOVERN_PROMOTER_KEY", new_key_pair()[0])
    assert promotion.promoter_refusal("svc") is None
