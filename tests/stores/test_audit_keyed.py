"""The keyed chain: with ``GOVERN_AUDIT_KEY`` every event is sealed with an HMAC of its
hash, so someone with the database but not the key cannot rewrite the chain
consistently, nor add an event (a gate evaluation, say) that passes for the platform's."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from govern.governance import promotion
from govern.stores import registry
from govern.stores.audit.events import AUDIT_KEY_ENV, GATES, AuditEvent, canonical_json
from govern.stores.audit.log import AuditLog
from tests.audit_story import promote_story, raw_sql

KEY = b"audit-key-for-tests"


@pytest.fixture
def url(tmp_path, monkeypatch):
    monkeypatch.delenv(AUDIT_KEY_ENV, raising=False)
    return f"sqlite:///{tmp_path / 'govern.db'}"


def _rewrite_consistently(url: str, log: AuditLog, model: str, seq: int, details: dict) -> None:
    """What someone with the database can do to a plain SHA-256 chain: edit one event and
    recompute its hash and every later link, so the chain verifies again."""
    previous = None
    for event in log.events(model):
        if event.seq == seq:
            event = replace(event, details=details)
        if previous is not None:
            event = replace(event, prev_hash=previous.hash)
        event = replace(event, hash=event.compute_hash())
        raw_sql(url, "update govern_audit set details = :d, prev_hash = :p, hash = :h where model = :m and seq = :s",
                d=canonical_json(event.details), p=event.prev_hash, h=event.hash, m=model, s=event.seq)
        previous = event


def test_sealed_appends_verify_and_a_consistent_rewrite_shows_only_with_the_key(url):
    with AuditLog(url, key=KEY) as keyed:
        promote_story(keyed)
        assert all(e.mac.startswith("hmac-sha256:v1:") and e.sealed_by(KEY) for e in keyed.events("credit"))
        assert keyed.verify("credit") == []

        _rewrite_consistently(url, keyed, "credit", 4, {"status": "failed"})
        with AuditLog(url) as plain:
            assert plain.verify("credit") == []  # the plain chain cannot see it
        assert keyed.verify("credit") == [
            f"event {n} ({label}) does not carry its audit key seal: rewritten after it was written"
            for n, label in ((4, "gates v2"), (5, "approve v2"), (6, "promote v2"))
        ]


def test_an_event_written_without_the_key_is_named(url):
    with AuditLog(url, key=KEY) as keyed, AuditLog(url) as trainer:
        keyed.append("credit", GATES, actor="pipeline", version=1, details={"status": "failed"})
        trainer.append("credit", GATES, actor="ana", version=1, details={"status": "passed"})
        assert trainer.verify("credit") == []
        assert keyed.verify("credit") == ["event 2 (gates v1) is not sealed with the audit key: written by someone who does not hold it"]


def test_the_key_comes_from_the_environment(url, monkeypatch):
    monkeypatch.setenv(AUDIT_KEY_ENV, KEY.decode())
    with AuditLog(url) as log:
        assert log.append("credit", GATES, actor="pipeline", version=1).sealed_by(KEY)


def test_a_chain_from_before_the_seal_gains_the_column_and_reads(url, tmp_path):
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table govern_audit (id integer primary key, model varchar(255) not null, seq integer not null, "
                             "recorded_at varchar(40) not null, action varchar(64) not null, version varchar(64), actor varchar(255) not null, "
                             "details text not null, prev_hash varchar(64) not null, hash varchar(64) not null)"))
    engine.dispose()
    with AuditLog(url) as old:
        promote_story(old)
        assert [e.mac for e in old.events("credit")] == [""] * 6 and old.verify("credit") == []
    with AuditLog(url, key=KEY) as keyed:
        assert len(keyed.verify("credit")) == 6  # every old event is named as unsealed


def test_promotion_trusts_only_a_sealed_gate_evaluation_where_the_promoter_holds_the_key(url, monkeypatch):
    """A trainer with the database appends a passed evaluation of its own: refused."""
    state = registry.VersionState(name="credit", version="1", run_id="r1", author="ana", gate_status="passed",
                                  approval_status="approved", reviewer="bo", digest="d" * 64)
    forged = AuditEvent(model="credit", seq=1, recorded_at="t", action=GATES, version="1", actor="ana",
                        details={"status": "passed", "digest": "d" * 64, "run_id": "r1"})
    forged = replace(forged, hash=forged.compute_hash())
    monkeypatch.setenv(AUDIT_KEY_ENV, KEY.decode())
    assert promotion.record_refusals(state, [forged], now="d" * 64) == [
        f"v1's gate evaluation (event 1 (gates v1)) is not sealed with {AUDIT_KEY_ENV}: it was not written by the pipeline or the server as it stands"
    ]
    sealed = replace(forged, mac=forged.compute_mac(KEY))
    assert promotion.record_refusals(state, [sealed], now="e" * 64)[0].startswith("v1's evidence is not what was judged")  # past the seal
