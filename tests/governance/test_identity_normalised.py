"""Identity normalised everywhere (issue 22 point 4, issue 18 point 6): one person under
case, whitespace and Unicode form; protected keys and reserved aliases matched the same
way; the pipeline alone writes evidence; the governance identities kept from admins."""

from __future__ import annotations

from dataclasses import replace

import pytest

from govern.governance import approval, identity
from govern.stores import registry

ROLES = identity.TeamRoles()
FACTS = identity.VersionFacts(model="churn", version="2", gate_status="passed", run_creator="ana", registrant="govern-pipeline")


@pytest.mark.parametrize("a, b", [("root", "ROOT"), ("ana", " Ana "), ("ana", "ａｎａ"), ("ana", "an\u200ba"), ("Straße", "STRASSE"), ("bo", "b o")])
def test_one_person_after_case_whitespace_and_unicode(a, b):
    assert identity.same_person(a, b) and identity.canonical(a) == identity.canonical(b)


@pytest.mark.parametrize("a, b", [("ana", "\u0430na"), ("ana", "\u0410NA"), ("govern-service", "govern-\u0455ervice"), ("bo", "b\u043e"),
                                  ("root", "r\u03bf\u03bft")])
def test_letters_unicode_lists_as_confusable_are_one_person(a, b):
    """A Cyrillic or Greek letter that looks like a Latin one (Unicode's confusables, UTS #39)."""
    assert identity.same_person(a, b)
    assert identity.user_collision_refusal(b, [a]) is not None


def test_different_people_and_nobody_stay_apart():
    assert not identity.same_person("ana", "anna")
    assert not identity.same_person("zoe", "zo\u00eb") and not identity.same_person("lukasz", "\u0141ukasz")
    assert not identity.same_person("", "") and not identity.same_person(None, " ")


@pytest.mark.parametrize("reviewer", ["ROOT", "root ", "Root", "ｒｏｏｔ"])
def test_embedded_reviewer_root_cannot_approve_a_run_by_root(reviewer):
    """Issue 18: `--reviewer ROOT` approved a run authored by `root`."""
    state = registry.VersionState(name="churn", version="3", run_id="r", author="root", gate_status="passed", approval_status="pending",
                                  reviewer=None, digest="d")
    problem = approval._approval_problem(state, reviewer.strip())
    assert problem is not None and "is the author of its run" in problem


@pytest.mark.parametrize("actor", ["Ana", "ANA", " ana", "ａｎａ"])
def test_a_second_account_of_the_requester_cannot_approve_on_the_server(actor):
    """Issue 22: `Ana`, added as reviewer, approved `ana`'s version."""
    assert "created the run" in identity.approval_refusal(actor, "approved", is_reviewer=True, facts=FACTS, roles=ROLES)
    assert "registered" in identity.approval_refusal("Govern-Pipeline", "approved", is_reviewer=True, facts=FACTS, roles=ROLES)
    assert identity.approval_refusal("bo", "approved", is_reviewer=True, facts=FACTS, roles=ROLES) is None


def test_promotion_compares_the_reviewer_with_the_author_normalised():
    from govern.governance import promotion

    state = registry.VersionState(name="churn", version="3", run_id="r", author="root", gate_status="passed", approval_status="approved",
                                  reviewer="ROOT", digest="d")
    assert any("own author" in r for r in promotion.refusals(state, check_digest=False))


@pytest.mark.parametrize("alias", ["Champion", "CHAMPION", "champion ", "ｃｈａｍｐｉｏｎ", "Challenger", " challenger"])
def test_lookalike_reserved_aliases_are_refused_for_everyone(alias):
    for actor in ("ana", ROLES.service_user, ROLES.pipeline_user, "admin"):
        assert "looks like the reserved alias" in identity.alias_refusal(actor, alias, roles=ROLES)


def test_reserved_aliases_belong_to_their_roles():
    assert identity.alias_refusal(ROLES.service_user, "champion", roles=ROLES) is None
    assert identity.alias_refusal(ROLES.pipeline_user, "champion", roles=ROLES) is not None
    assert identity.alias_refusal(ROLES.pipeline_user, "challenger", roles=ROLES) is None
    # A privilege is granted to the exact name only: a look-alike of the service user is refused.
    assert identity.alias_refusal("govern-service ", "champion", roles=ROLES) is not None
    assert identity.alias_refusal("Govern-Service", "champion", roles=ROLES) is not None


@pytest.mark.parametrize("key", ["Approval.Status", "approval.status ", "APPROVAL.STATUS", "Gate.Status", "EVIDENCE.DIGEST", "Approval.Reviewer"])
def test_lookalike_protected_keys_are_refused_for_everyone(key):
    for actor in ("ana", ROLES.pipeline_user):
        refusal = identity.server_key_refusal([key], "SetModelVersionTag") or identity.pipeline_key_refusal(actor, [key], "SetModelVersionTag", roles=ROLES)
        assert refusal is not None, (actor, key)


def test_lookalike_approval_tags_cannot_be_deleted():
    assert identity.status_delete_refusal("Approval.Status") is not None
    assert identity.status_delete_refusal("approval.signature ") is not None


@pytest.mark.parametrize("key", ["gate.status", "gate.leakage", "gate.fairness", "evidence.digest", "live.digest", "live.run_id", "approval.reason",
                                 "govern.request_run"])
def test_evidence_keys_are_written_by_the_pipeline_only(key):
    """Issue 22: the author set gate.status=passed and gate.leakage=passed on a failed version."""
    for actor in ("ana", "bo", "admin", ROLES.service_user, "Govern-Pipeline"):
        assert "pipeline's evidence" in identity.pipeline_key_refusal(actor, [key], "SetModelVersionTag", roles=ROLES)
    assert identity.pipeline_key_refusal(ROLES.pipeline_user, [key], "SetModelVersionTag", roles=ROLES) is None
    assert identity.pipeline_key_refusal("ana", ["note", "approval.acknowledged"], "SetModelVersionTag", roles=ROLES) is None


def test_descriptions_and_trained_runs_are_the_pipelines():
    assert identity.pipeline_only_refusal("ana", "the description of churn v2", roles=ROLES) is not None
    assert identity.pipeline_only_refusal(ROLES.pipeline_user, "the description of churn v2", roles=ROLES) is None


def test_a_user_colliding_with_an_existing_one_is_refused():
    existing = ["admin", "ana", "govern-service", "govern-pipeline"]
    for name in ("Ana", "ANA", " ana", "ａｎａ", "Govern-Service", "govern-pipeline "):
        assert "would be the existing user" in identity.user_collision_refusal(name, existing)
    assert identity.user_collision_refusal("\u200b ", existing) is not None
    assert identity.user_collision_refusal("bo", existing) is None


def test_the_governance_identities_are_kept_from_admins():
    for target in ("govern-service", "Govern-Service", "govern-pipeline"):
        for change in ("a password reset", "deleting the user", "a role assignment"):
            assert "governance identities" in identity.governance_user_refusal("admin", target, change, roles=ROLES)
    assert identity.governance_user_refusal("govern-service", "govern-service", "a password reset", roles=ROLES, own_password=True) is None
    assert identity.governance_user_refusal("govern-service", "govern-service", "a change of the admin flag", roles=ROLES) is not None
    assert identity.governance_user_refusal("admin", "ana", "a password reset", roles=ROLES) is None


def test_the_pipeline_user_is_a_role_of_its_own(monkeypatch):
    monkeypatch.setenv(identity.PIPELINE_USER_ENV, "ml-pipeline")
    roles = identity.TeamRoles.from_env()
    assert roles.pipeline_user == "ml-pipeline" and roles.is_pipeline("ml-pipeline") and not roles.is_pipeline("ML-Pipeline")
    assert replace(roles, pipeline_user="x").governance_users == (roles.service_user, "x")


def test_a_pipeline_run_names_its_request(monkeypatch):
    monkeypatch.delenv(identity.REQUEST_RUN_ENV, raising=False)
    assert identity.request_tags() == {}
    monkeypatch.setenv(identity.REQUEST_RUN_ENV, "abc")
    assert identity.request_tags() == {identity.REQUEST_RUN: "abc"}
