"""Each separation-of-duties rule at the REST level, against the real team server:
MLflow with the governance app and basic-auth on loopback, PostgreSQL behind it
(fresh databases for this module), and the promoter trusting only signed approvals."""

from __future__ import annotations

import time

import pytest

from tests.team_story import SECRETS, team_server

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

MODEL = "churn-team"
TAG = "/api/2.0/mlflow/model-versions/set-tag"
ALIAS = "/api/2.0/mlflow/registered-models/alias"


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    with team_server(tmp_path_factory.mktemp("team"), "govern_app") as running:
        print(f"\nteam server started in {running.started_in:.1f} s")
        yield running


@pytest.fixture(scope="module")
def versions(team):
    """v1 trained and registered by ana; v2 trained and registered by cy, a reviewer."""
    return {"ana": team.register(MODEL, "ana"), "cy": team.register(MODEL, "cy")}


def _tags(team, version: str) -> dict:
    response = team.call("admin", "GET", "/api/2.0/mlflow/model-versions/get", params={"name": MODEL, "version": version})
    return {t["key"]: t["value"] for t in response.json()["model_version"].get("tags", [])}


def _refused(response, words: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["error_code"] == "PERMISSION_DENIED" and words in body["message"], body


def test_the_server_records_who_created_the_run_and_who_registered(team, versions):
    from govern.stores import registry

    with team.as_user("admin"):
        state = registry.VersionState.read(MODEL, versions["ana"])
    # The pipeline trained and registered it; ana asked, so she is its author.
    assert (state.run_creator, state.registrant, state.author) == ("ana", "govern-pipeline", "ana")


def test_the_author_cannot_approve(team, versions):
    response = team.call("ana", "POST", TAG, json={"name": MODEL, "version": versions["ana"], "key": "approval.status", "value": "approved"})
    _refused(response, "not in the role")
    assert _tags(team, versions["ana"])["approval.status"] == "pending"


def test_nobody_writes_the_server_keys(team, versions):
    _refused(team.call("ana", "POST", TAG, json={"name": MODEL, "version": versions["ana"], "key": "approval.reviewer", "value": "bo"}),
             "written by the server only")
    _refused(team.call("admin", "POST", TAG, json={"name": MODEL, "version": versions["ana"], "key": "approval.signature", "value": "x"}),
             "written by the server only")
    mv = team.call("ana", "GET", "/api/2.0/mlflow/model-versions/get", params={"name": MODEL, "version": versions["ana"]}).json()["model_version"]
    same = {"name": MODEL, "source": mv["source"], "run_id": mv["run_id"]}
    created = team.call("ana", "POST", "/api/2.0/mlflow/model-versions/create", json={**same, "tags": [{"key": "approval.reviewer", "value": "bo"}]})
    _refused(created, "tags of a new version")
    pre_approved = team.call("ana", "POST", "/api/2.0/mlflow/model-versions/create", json={**same, "tags": [{"key": "approval.status", "value": "approved"}]})
    _refused(pre_approved, "pending or not_eligible only")
    run = team.call("ana", "POST", "/api/2.0/mlflow/runs/create", json={"experiment_id": "0", "tags": [{"key": "govern.created_by", "value": "bo"}]})
    _refused(run, "tags of CreateRun")
    ajax = team.call("ana", "POST", "/ajax-api/2.0/mlflow/model-versions/set-tag",
                     json={"name": MODEL, "version": versions["ana"], "key": "approval.reviewed_at", "value": "now"})
    _refused(ajax, "written by the server only")


def test_a_reviewer_who_trained_the_run_cannot_approve_it(team, versions):
    response = team.call("cy", "POST", TAG, json={"name": MODEL, "version": versions["cy"], "key": "approval.status", "value": "approved"})
    _refused(response, "cy created the run")


def test_a_reviewer_approves_and_the_server_stamps_and_signs(team, versions):
    from govern.governance import promotion
    from govern.stores import registry

    began = time.monotonic()
    response = team.call("bo", "POST", TAG, json={"name": MODEL, "version": versions["ana"], "key": "approval.status", "value": "approved"})
    round_trip = time.monotonic() - began
    plain_began = time.monotonic()
    team.call("bo", "GET", "/api/2.0/mlflow/model-versions/get", params={"name": MODEL, "version": versions["ana"]})
    print(f"\napproval round trip {round_trip * 1000:.0f} ms; a basic-auth read on the same server {(time.monotonic() - plain_began) * 1000:.0f} ms")
    assert response.status_code == 200, response.text
    tags = _tags(team, versions["ana"])
    assert tags["approval.status"] == "approved" and tags["approval.reviewer"] == "bo" and tags["approval.reviewed_at"]
    with team.as_user("govern-service"):
        state = registry.VersionState.read(MODEL, versions["ana"])
        assert promotion.refusals(state, check_digest=False) == []
        assert promotion.approval_basis(state) == "verified"


def test_only_reviewers_values_are_approved_or_rejected(team, versions):
    response = team.call("bo", "POST", TAG, json={"name": MODEL, "version": versions["cy"], "key": "approval.status", "value": "pending"})
    _refused(response, "approved or rejected only")
    _refused(team.call("admin", "DELETE", "/api/2.0/mlflow/model-versions/delete-tag",
                       json={"name": MODEL, "version": versions["ana"], "key": "approval.status"}), "cannot be deleted")


@pytest.mark.parametrize("user", ["ana", "bo", "admin"])
def test_only_the_service_user_moves_champion(team, versions, user):
    _refused(team.call(user, "POST", ALIAS, json={"name": MODEL, "alias": "champion", "version": versions["ana"]}), "service user")


def test_the_service_user_moves_champion_only_with_the_promoters_proof(team):
    """A password an admin could reset is not enough: the move carries a proof signed with
    the promoter's private key, for this version, from where champion is now."""
    from govern.governance import promoter_key

    model = "churn-proof"
    v1, v2 = team.register(model, "ana"), team.register(model, "ana")
    move = {"name": model, "alias": "champion", "version": v1}
    _refused(team.call("govern-service", "POST", ALIAS, json=move), "needs a proof signed with the promoter's key")

    def proof(version: str, previous: str | None, key: str) -> str:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(promoter_key.KEY_ENV, key)
            return promoter_key.prove(model, version, previous)

    def tag_proof(user: str, version: str, value: str):
        return team.call(user, "POST", TAG, json={"name": model, "version": version, "key": "promotion.proof", "value": value})

    _refused(tag_proof("ana", v1, proof(v1, None, SECRETS["GOVERN_PROMOTER_KEY"])), "written only by the platform's service user")
    assert tag_proof("govern-service", v1, proof(v1, None, promoter_key.new_key_pair()[0])).status_code == 200
    _refused(team.call("govern-service", "POST", ALIAS, json=move), "not signed by the promoter's key")
    assert tag_proof("govern-service", v1, proof(v2, None, SECRETS["GOVERN_PROMOTER_KEY"])).status_code == 200
    _refused(team.call("govern-service", "POST", ALIAS, json=move), "not signed by the promoter's key")  # a proof for another version
    assert tag_proof("govern-service", v1, proof(v1, None, SECRETS["GOVERN_PROMOTER_KEY"])).status_code == 200
    assert team.call("govern-service", "POST", ALIAS, json=move).status_code == 200
    assert tag_proof("govern-service", v2, proof(v2, None, SECRETS["GOVERN_PROMOTER_KEY"])).status_code == 200
    _refused(team.call("govern-service", "POST", ALIAS, json={**move, "version": v2}), "a proof is spent by its move")


def test_the_service_user_moves_champion_and_it_cannot_be_deleted_away(team, versions):
    from govern.governance import promoter_key

    with team.as_user("govern-service"):
        from govern.stores import registry

        previous = registry.alias_version(MODEL, "champion")
        if previous != versions["ana"]:
            registry.move_champion(MODEL, versions["ana"], proof=promoter_key.prove(MODEL, versions["ana"], previous))
    assert _tags(team, versions["ana"])["promotion.proof"].startswith("ed25519:v1:")
    _refused(team.call("admin", "DELETE", "/api/2.0/mlflow/model-versions/delete", json={"name": MODEL, "version": versions["ana"]}), "holds the alias")
    _refused(team.call("admin", "DELETE", "/api/2.0/mlflow/registered-models/delete", json={"name": MODEL}), "holds the alias")
    _refused(team.call("admin", "POST", "/api/2.0/mlflow/registered-models/rename", json={"name": MODEL, "new_name": "other"}), "holds the alias")
    _refused(team.call("admin", "DELETE", ALIAS, json={"name": MODEL, "alias": "champion"}), "service user")


def test_a_tampered_approval_is_not_trusted_by_the_promoter(team, versions):
    """Edited behind the server's back (straight in its database), the signature no longer holds."""
    from mlflow.entities.model_registry import ModelVersionTag
    from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

    from govern.governance import promotion
    from govern.stores import registry

    store = SqlAlchemyStore(_backend_uri(team))
    store.set_model_version_tag(MODEL, versions["cy"], ModelVersionTag("approval.status", "approved"))
    store.set_model_version_tag(MODEL, versions["cy"], ModelVersionTag("approval.reviewer", "bo"))
    with team.as_user("govern-service"):
        state = registry.VersionState.read(MODEL, versions["cy"])
        problems = promotion.refusals(state, check_digest=False)
    assert any("no valid signature" in p for p in problems), problems
    store.set_model_version_tag(MODEL, versions["cy"], ModelVersionTag("approval.status", "pending"))


def _backend_uri(team) -> str:
    return team.state_db.replace("_state_", "_mlflow_")


def test_every_watched_write_is_on_the_audit_chain_with_its_actor(team, versions):
    from govern.stores.audit.log import AuditLog

    deadline = time.monotonic() + 20
    with AuditLog(team.state_db) as log:
        while True:
            events = log.events(MODEL)
            if any(e.details.get("request") == "SetRegisteredModelAlias" for e in events) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert log.verify(MODEL) == []
    # Gate evaluations come from the trainer's process (as registration appends them); the rest from the server.
    assert all(e.details.get("source") == "mlflow-server" for e in events if e.action != "gates.evaluated")
    seen = {(e.action, e.actor) for e in events}
    assert ("approval.approved", "bo") in seen
    assert ("approval.refused", "ana") in seen and ("approval.refused", "cy") in seen
    assert ("server.write", "govern-pipeline") in seen  # the pipeline's registration for ana
    assert ("server.write", "govern-service") in seen
    assert ("server.refused", "admin") in seen


def test_a_refused_write_on_a_run_of_no_version_reaches_its_experiments_chain(team):
    """A run-level refusal is on the chain of the model the run's experiment trains, not
    only in the server's log, even before any version of it exists."""
    from govern.stores.audit.log import AuditLog

    experiment = team.call("ana", "POST", "/api/2.0/mlflow/experiments/create", json={"name": "churn-runs"}).json()["experiment_id"]
    run_id = team.call("ana", "POST", "/api/2.0/mlflow/runs/create", json={"experiment_id": experiment}).json()["run"]["info"]["run_id"]
    refused = team.call("ana", "POST", "/api/2.0/mlflow/runs/set-tag", json={"run_id": run_id, "key": "govern.created_by", "value": "bo"})
    assert refused.status_code == 403, refused.text
    created = team.call("ana", "POST", "/api/2.0/mlflow/runs/create", json={"experiment_id": experiment, "tags": [{"key": "gate.status", "value": "passed"}]})
    assert created.status_code == 403, created.text
    with AuditLog(team.state_db) as log:
        events = [e for e in log.events("churn-runs") if e.action == "server.refused"]
        assert log.verify("churn-runs") == []
    assert [(e.actor, e.details["request"]) for e in events] == [("ana", "SetTag"), ("ana", "CreateRun")]
    assert events[0].details["run_id"] == run_id and "govern.created_by" in events[0].details["reason"]
