"""The separation-of-duties rules and the approval signature, without a server."""

from __future__ import annotations

from dataclasses import replace

from govern.governance import identity
from govern.governance.signature import ApprovalClaim
from govern.stores import registry

ROLES = identity.TeamRoles()
FACTS = identity.VersionFacts(model="churn", version="2", gate_status="passed", run_creator="ana", registrant="ana")


def test_only_reviewers_decide_and_only_approved_or_rejected():
    assert "not in the role" in identity.approval_refusal("bo", "approved", is_reviewer=False, facts=FACTS, roles=ROLES)
    assert "approved or rejected only" in identity.approval_refusal("bo", "pending", is_reviewer=True, facts=FACTS, roles=ROLES)
    assert identity.approval_refusal("bo", "approved", is_reviewer=True, facts=FACTS, roles=ROLES) is None
    assert identity.approval_refusal("bo", "rejected", is_reviewer=True, facts=replace(FACTS, gate_status="failed"), roles=ROLES) is None


def test_authors_never_review_their_own_version():
    assert "created the run" in identity.approval_refusal("ana", "approved", is_reviewer=True, facts=FACTS, roles=ROLES)
    registered_by_bo = replace(FACTS, registrant="bo")
    assert "registered" in identity.approval_refusal("bo", "approved", is_reviewer=True, facts=registered_by_bo, roles=ROLES)
    unknown = replace(FACTS, run_creator=None)
    assert "no server-recorded creator" in identity.approval_refusal("cy", "approved", is_reviewer=True, facts=unknown, roles=ROLES)
    assert "did not pass" in identity.approval_refusal("cy", "approved", is_reviewer=True, facts=replace(FACTS, gate_status="failed"), roles=ROLES)


def test_server_keys_are_refused_from_clients_and_champion_is_the_service_users():
    assert identity.server_key_refusal({"approval.reviewer": "x", "a": "b"}, "tags") is not None
    assert identity.server_key_refusal({"gate.status": "passed"}, "tags") is None
    assert identity.registration_status_refusal({"approval.status": "approved"}) is not None
    assert identity.registration_status_refusal({"approval.status": "pending"}) is None
    assert identity.alias_refusal("admin", "champion", roles=ROLES) is not None
    assert identity.alias_refusal(ROLES.service_user, "champion", roles=ROLES) is None
    assert identity.alias_refusal("ana", "challenger", roles=ROLES) is not None
    assert identity.alias_refusal(ROLES.pipeline_user, "challenger", roles=ROLES) is None
    assert identity.alias_refusal("ana", "staging", roles=ROLES) is None
    assert identity.champion_removal_refusal("model churn", True) is not None


def test_team_mode_is_a_tracking_server():
    assert registry.team_mode("http://127.0.0.1:5000") and registry.team_mode("HTTPS://mlflow")
    assert not registry.team_mode("sqlite:///mlruns/mlflow.db") and not registry.team_mode("postgresql+psycopg://x/y")


def test_signature_covers_every_field_and_needs_the_key():
    claim = ApprovalClaim("churn", "2", "approved", "bo", "2026-01-01T00:00:00+00:00", "d" * 64, "ana", "ana")
    signature = claim.sign(b"key")
    assert claim.verify(signature, b"key")
    assert not claim.verify(signature, b"other key")
    assert not claim.verify(None, b"key") and not claim.verify("sha1:" + signature, b"key")
    for field, value in (("reviewer", "ana"), ("version", "3"), ("decision", "rejected"), ("evidence_digest", "e" * 64), ("run_creator", "bo"),
                         ("reviewed_at", "later")):
        assert not replace(claim, **{field: value}).verify(signature, b"key"), field
