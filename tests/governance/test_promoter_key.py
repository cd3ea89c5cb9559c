"""The promoter's proof, rule by rule without a server: a move of champion is allowed only
with a signature by the promoter's private key, over this model, this version and the
champion it moves from, made within the last few minutes; the service user alone tags it;
a promoter without the key is refused before anything is locked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from govern.core.errors import GovernError
from govern.governance import identity, promoter_key
from govern.governance.promotion import promoter_refusal
from govern.stores import registry

PRIVATE, PUBLIC = promoter_key.new_key_pair()
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv(promoter_key.KEY_ENV, PRIVATE)


def _refusal(proof, *, model="churn", version="3", previous="2", public=PUBLIC, now=NOW):
    return promoter_key.proof_refusal(proof, model=model, version=version, previous=previous, public_key=public, now=now)


def test_a_proof_allows_exactly_the_move_it_signs(key):
    proof = promoter_key.prove("churn", "3", "2", now=NOW)
    assert _refusal(proof) is None
    assert _refusal(proof, now=NOW + timedelta(seconds=promoter_key.MAX_AGE_SECONDS - 1)) is None
    assert "not signed by the promoter's key" in _refusal(proof, version="4")
    assert "not signed by the promoter's key" in _refusal(proof, model="clv")
    assert "a proof is spent by its move" in _refusal(proof, previous="3")
    assert "a proof is spent by its move" in _refusal(proof, previous=None)


def test_a_first_champion_is_a_move_from_none(key):
    proof = promoter_key.prove("churn", "1", None, now=NOW)
    assert _refusal(proof, version="1", previous=None) is None
    assert "champion is at 2" in _refusal(proof, version="1", previous="2")


def test_stale_foreign_missing_or_garbled_proofs_are_refused(key, monkeypatch):
    proof = promoter_key.prove("churn", "3", "2", now=NOW)
    assert "more than 300 s from now" in _refusal(proof, now=NOW + timedelta(minutes=6))
    assert "more than 300 s from now" in _refusal(proof, now=NOW - timedelta(minutes=6))
    other_public = promoter_key.new_key_pair()[1]
    assert "not signed by the promoter's key" in _refusal(proof, public=other_public)
    assert "carries none" in _refusal(None)
    assert "carries none" in _refusal("hmac-sha256:v1:abc")
    assert "not readable" in _refusal("ed25519:v1:yesterday")
    assert "not signed" in _refusal(proof[:-4] + "AAAA")
    assert "has no GOVERN_PROMOTER_PUBLIC_KEY" in _refusal(proof, public=None)
    tampered = proof.replace(":2:", ":1:")
    assert _refusal(tampered, previous="1") is not None


def test_keys_are_checked_when_read():
    assert promoter_key.public_key_of(PRIVATE) == PUBLIC
    promoter_key.check_public_key(PUBLIC)
    with pytest.raises(GovernError, match="not a promoter key"):
        promoter_key.check_public_key("secret-value-long-enough")


def test_a_promoter_without_the_key_is_refused_before_anything_is_locked(monkeypatch):
    monkeypatch.setattr(registry, "team_mode", lambda tracking_uri=None: True)
    monkeypatch.delenv(promoter_key.KEY_ENV, raising=False)
    assert "needs the promoter's private key in GOVERN_PROMOTER_KEY" in promoter_refusal("govern-service")
    monkeypatch.setenv(promoter_key.KEY_ENV, "not-a-key")
    assert "not a promoter key" in promoter_refusal("govern-service")
    monkeypatch.setenv(promoter_key.KEY_ENV, PRIVATE)
    assert promoter_refusal("govern-service") is None
    assert "only the platform's service user" in promoter_refusal("ana")


def test_only_the_service_user_tags_the_proof():
    roles = identity.TeamRoles()
    assert identity.promoter_key_refusal("govern-service", ["promotion.proof"], "SetModelVersionTag", roles=roles) is None
    for actor in ("ana", "admin", "govern-pipeline"):
        assert "written only by the platform's service user" in identity.promoter_key_refusal(actor, ["promotion.proof"], "SetModelVersionTag", roles=roles)
    assert "looks like the protected key" in identity.lookalike_refusal(["Promotion.Proof "], "SetModelVersionTag")
