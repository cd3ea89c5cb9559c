"""Promotion against the real team server (MLflow with the governance app, PostgreSQL):
the record decides whatever the tags say, and the wrong promoter never freezes the
registry.  Versions go through the real registration path (tiny CatBoost models, plain
cards) as ``ana``; ``bo`` reviews through the server, which stamps and signs.

The tampering is done as someone with the registry's database or artifact store would
do it, so these tests hold whoever the server lets write the tags.
"""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from tests.decision_story import register_version, unique_name
from tests.team_story import PASSWORDS, team_server

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

TAG = "/api/2.0/mlflow/model-versions/set-tag"


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    from govern.card import render as cards

    folder = tmp_path_factory.mktemp("team")
    with pytest.MonkeyPatch.context() as patch, team_server(folder, "govern_promo") as running:
        patch.setattr(cards, "write_card", _plain_card)
        running.artifacts = folder / "artifacts"  # the server's artifact store, as its host sees it
        yield running


def _plain_card(record, out_dir, governance=None):
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "card.md").write_text(f"card {record.model} v{record.version}")
    (out_dir / "card.html").write_text("<p>card</p>")
    return out_dir / "card.md", out_dir / "card.html"


def _registered(team, tmp_path, status: str = "passed") -> tuple[str, str]:
    """A model with one version trained and registered by ana, judged ``status``."""
    from govern.stores import registry
    from govern.stores.audit.log import AuditLog

    name = unique_name("promo")
    with team.pipeline_for("ana", name), AuditLog(team.state_db) as log:  # the pipeline registers, for ana
        registry.ensure_experiment(name, None)  # artifacts through the server's proxy
        version = register_version(log, name, tmp_path, status=status, author="ana")
    return name, version


def _approve(team, name: str, version: str) -> None:
    response = team.call("bo", "POST", TAG, json={"name": name, "version": version, "key": "approval.status", "value": "approved"})
    assert response.status_code == 200, response.text


def _registry_store(team):
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    return SqlAlchemyStore(team.state_db.replace("_state_", "_mlflow_"))


def _set_tags(team, name: str, version: str, tags: dict) -> None:
    from mlflow.entities.model_registry import ModelVersionTag

    store = _registry_store(team)
    for key, value in tags.items():
        store.set_model_version_tag(name, version, ModelVersionTag(key, value))


def _promote_as_service(team, name: str, version: str) -> str:
    from govern.core.errors import PromotionRefused
    from govern.governance import decisions
    from govern.stores import registry
    from govern.stores.audit.log import AuditLog

    with team.as_user("govern-service"), AuditLog(team.state_db) as log:
        with pytest.raises(PromotionRefused) as refused:
            decisions.promote(log, name, version)
        assert registry.alias_version(name, registry.CHAMPION) is None
    return str(refused.value)


@pytest.mark.parametrize("registered_by", ["registration", "team story"])
def test_a_judged_approved_version_is_promoted_by_the_service_user(team, tmp_path, registered_by):
    from govern.governance import decisions
    from govern.stores import registry
    from govern.stores.audit.log import AuditLog

    if registered_by == "registration":
        name, version = _registered(team, tmp_path)
    else:  # the shared helper other team tests register with
        name = unique_name("promo")
        version = team.register(name, "ana")
    _approve(team, name, version)
    with team.as_user("govern-service"), AuditLog(team.state_db) as log:
        promoted = decisions.promote(log, name, version)
        assert (promoted.version, promoted.approval) == (version, "verified")
        assert registry.alias_version(name, registry.CHAMPION) == version
        report = decisions.audit_model(log, name)
    assert report.ok, report.problems


def test_a_retagged_failed_version_approved_and_signed_is_refused(team, tmp_path):
    """The issue's story: a failed version re-tagged passed, approved by a reviewer, signed by the server."""
    name, version = _registered(team, tmp_path, status="failed")
    _set_tags(team, name, version, {"gate.status": "passed", "gate.metric": "passed", "approval.status": "pending"})
    _approve(team, name, version)
    message = _promote_as_service(team, name, version)
    assert "gate evaluation on the audit chain" in message and "is failed, not passed" in message


def test_evidence_swapped_through_the_store_and_signed_is_refused(team, tmp_path):
    from govern.stores import registry

    name, version = _registered(team, tmp_path)
    with team.as_user("admin"):
        run_id = registry.get_version(name, version).run_id
    (card,) = team.artifacts.rglob(f"{run_id}/artifacts/evidence/card.html")
    card.write_text("<p>Everything passed. Fairness: perfect.</p>")
    with team.as_user("admin"):
        _set_tags(team, name, version, {registry.EVIDENCE_DIGEST: registry.recorded_evidence_digest(name, version)})
    _approve(team, name, version)  # the server signs the new digest
    assert "evidence is not what was judged" in _promote_as_service(team, name, version)


def _promote_as(user: str, service_user: str | None, state_db: str, name: str, version: str, ready, result) -> None:
    """`govern promote` in a process of its own, logged in as ``user``."""
    os.environ.update(MLFLOW_TRACKING_USERNAME=user, MLFLOW_TRACKING_PASSWORD=PASSWORDS[user])
    if service_user:
        os.environ["GOVERN_SERVICE_USER"] = service_user
    from govern.governance import decisions
    from govern.stores.audit.log import AuditLog

    with AuditLog(state_db) as log:
        ready.set()
        began = time.monotonic()
        try:
            decisions.promote(log, name, version)
            outcome = "promoted"
        except Exception as exc:  # noqa: BLE001 -- reported to the test
            outcome = f"{type(exc).__name__}: {exc}"
        result.put((time.monotonic() - began, outcome))


def _wrong_promotion_beside_a_write(team, name: str, version: str, service_user: str | None) -> tuple[float, str, list[float]]:
    """Run ana's promotion in one process while bo writes from another, again and again
    until it ends; returns how long it took, what it said, and how long each write took."""
    import requests

    context = multiprocessing.get_context("spawn")
    ready, result = context.Event(), context.Queue()
    process = context.Process(target=_promote_as, args=("ana", service_user, team.state_db, name, version, ready, result))
    process.start()
    assert ready.wait(timeout=120)
    writes: list[float] = []
    deadline = time.monotonic() + 150
    while process.is_alive() and time.monotonic() < deadline or not writes:
        began = time.monotonic()
        try:
            response = team.call("bo", "POST", TAG, json={"name": name, "version": version, "key": "review.note", "value": f"read {len(writes)}"})
            assert response.status_code == 200, response.text
        except requests.Timeout:
            pass
        writes.append(time.monotonic() - began)
        time.sleep(1.0)
    process.join(timeout=5)
    if process.is_alive():
        process.kill()
        pytest.fail(f"ana's promotion still hangs after 150 s; bo's writes took {[round(w, 1) for w in writes]} s")
    elapsed, outcome = result.get(timeout=5)
    return elapsed, outcome, writes


def test_the_wrong_user_is_refused_within_seconds_and_another_write_completes_at_once(team, tmp_path):
    name, version = _registered(team, tmp_path)
    _approve(team, name, version)
    elapsed, outcome, writes = _wrong_promotion_beside_a_write(team, name, version, service_user=None)
    print(f"\nwrong promoter refused in {elapsed:.2f} s; bo's {len(writes)} writes beside it took at most {max(writes):.2f} s")
    assert outcome.startswith("PromotionRefused") and "logged in as 'ana'" in outcome, outcome
    assert elapsed < 10 and max(writes) < 5


def test_a_refusal_by_the_server_itself_does_not_hold_the_registry(team, tmp_path):
    """The promoter believes it is the service user (its own setting says so), so it checks
    the record (seconds, more on a loaded machine) and asks the server, which refuses the
    move's first write and audits the refusal at once while the promoter holds its decision: bo's
    writes are never held up, and the promotion ends with the server's refusal."""
    from govern.stores.audit.log import AuditLog

    name, version = _registered(team, tmp_path)
    _approve(team, name, version)
    elapsed, outcome, writes = _wrong_promotion_beside_a_write(team, name, version, service_user="ana")
    print(f"\nserver-refused promotion ended in {elapsed:.2f} s; bo's {len(writes)} writes beside it took at most {max(writes):.2f} s")
    # The server refuses the first write of the move: the promoter's proof, which only the service user tags.
    assert "promotion.proof is written only by the platform's service user" in outcome, outcome
    assert max(writes) < 5
    with AuditLog(team.state_db) as log:
        refused = [e for e in log.events(name) if e.action == "server.refused"]
        assert [(e.actor, e.details["request"]) for e in refused] == [("ana", "SetModelVersionTag")]
        assert log.verify(name) == []
