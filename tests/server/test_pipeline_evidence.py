"""Team mode holds against its own users (issue 22, points 1 and 4), on the real team
server over PostgreSQL: the evidence is written only by the pipeline user, through the
REST API, the UI's ajax routes and the artifact proxy alike; names, keys and aliases are
compared after normalising; the governance identities are kept from admins.  Each test
is one bypass the issue walked through, refused now with the actor on the audit chain."""

from __future__ import annotations

import time

import pytest

from tests.team_story import PASSWORDS, team_server

pytestmark = [pytest.mark.postgres, pytest.mark.integration]

MODEL = "churn-pipe"
PIPELINE = "govern-pipeline"
TAG = "/api/2.0/mlflow/model-versions/set-tag"
AJAX_TAG = "/ajax-api/2.0/mlflow/model-versions/set-tag"
ALIAS = "/api/2.0/mlflow/registered-models/alias"


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    folder = tmp_path_factory.mktemp("team")
    with team_server(folder, "govern_pipe") as running:
        running.artifacts = folder / "artifacts"
        yield running


@pytest.fixture(scope="module")
def version(team):
    return team.register(MODEL, "ana")


def _version(team, version: str) -> dict:
    return team.call("admin", "GET", "/api/2.0/mlflow/model-versions/get", params={"name": MODEL, "version": version}).json()["model_version"]


def _tags(team, version: str) -> dict:
    return {t["key"]: t["value"] for t in _version(team, version).get("tags", [])}


def _run(team, run_id: str) -> dict:
    return team.call("admin", "GET", "/api/2.0/mlflow/runs/get", params={"run_id": run_id}).json()["run"]


def _refused(response, words: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["error_code"] == "PERMISSION_DENIED" and words in body["message"], body


def _chain(team, model: str = MODEL):
    from govern.stores.audit.log import AuditLog

    with AuditLog(team.state_db) as log:
        return log.events(model)


def test_the_pipeline_trains_for_the_requester_who_stays_the_author(team, version):
    from govern.stores import registry

    mv = _version(team, version)
    run = _run(team, mv["run_id"])
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    assert tags["govern.created_by"] == "ana" and tags["govern.trained_by"] == PIPELINE
    assert tags["mlflow.user"] == "ana"  # MLflow's "Created by" shows the login who asked, not the OS user
    request = _run(team, tags["govern.request_run"])
    assert {t["key"]: t["value"] for t in request["data"]["tags"]}["govern.created_by"] == "ana"
    with team.as_user("admin"):
        state = registry.VersionState.read(MODEL, version)
    assert (state.run_creator, state.registrant, state.author) == ("ana", PIPELINE, "ana")
    # ana asked for it, so she cannot review it (she is not a reviewer either way; cy, a reviewer who asks, is below).
    cy_version = team.register(MODEL, "cy")
    _refused(team.call("cy", "POST", TAG, json={"name": MODEL, "version": cy_version, "key": "approval.status", "value": "approved"}),
             "cy created the run")


@pytest.mark.parametrize("user", ["ana", "bo", "admin", "govern-service"])
@pytest.mark.parametrize("key, value", [("gate.status", "passed"), ("gate.leakage", "passed"), ("evidence.digest", "0" * 64),
                                        ("live.digest", "0" * 64), ("approval.reason", "none")])
def test_nobody_but_the_pipeline_writes_the_gate_tags_or_the_digests(team, version, user, key, value):
    """Issue 22: the author set gate.status=passed and gate.leakage=passed on a failed version."""
    before = _tags(team, version)
    for route in (TAG, AJAX_TAG):
        _refused(team.call(user, "POST", route, json={"name": MODEL, "version": version, "key": key, "value": value}), "pipeline's evidence")
    # Deleting needs MANAGE in basic-auth (a plain 403 before the app is asked); where it is not, the app refuses.
    deleted = team.call(user, "DELETE", "/api/2.0/mlflow/model-versions/delete-tag", json={"name": MODEL, "version": version, "key": key})
    assert deleted.status_code == 403, deleted.text
    assert _tags(team, version) == before


def test_a_pipeline_runs_gate_tag_is_not_flipped_and_no_one_poses_as_the_pipeline(team, version):
    run_id = _version(team, version)["run_id"]
    _refused(team.call("ana", "POST", "/api/2.0/mlflow/runs/set-tag", json={"run_id": run_id, "key": "gate.status", "value": "passed"}),
             "pipeline's evidence")
    _refused(team.call("ana", "POST", "/api/2.0/mlflow/runs/log-batch", json={"run_id": run_id, "tags": [{"key": "gate.status", "value": "x"}]}),
             "pipeline's evidence")
    for key in ("govern.request_run", "govern.trained_by"):
        _refused(team.call("ana", "POST", "/api/2.0/mlflow/runs/create", json={"experiment_id": "0", "tags": [{"key": key, "value": run_id}]}), key)
    # The pipeline itself may credit a run only to a request run the server recorded.
    _refused(team.call(PIPELINE, "POST", "/api/2.0/mlflow/runs/create", json={"experiment_id": "0", "tags": [{"key": "govern.request_run",
                                                                                                          "value": run_id}]}),
             "not a training request")


def test_the_description_is_the_pipelines(team, version):
    """Issue 22: the author rewrote the description of a failed version."""
    before = _version(team, version)["description"]
    for user in ("ana", "bo", "admin"):
        for route in ("/api/2.0/mlflow/model-versions/update", "/ajax-api/2.0/mlflow/model-versions/update"):
            _refused(team.call(user, "PATCH", route, json={"name": MODEL, "version": version, "description": "All gates passed."}),
                     "description")
    assert _version(team, version)["description"] == before
    assert team.call(PIPELINE, "PATCH", "/api/2.0/mlflow/model-versions/update",
                     json={"name": MODEL, "version": version, "description": before}).status_code == 200


def test_evidence_cannot_be_swapped_through_the_artifact_proxy(team, version):
    """Issue 22: the author uploaded a new evidence/card.html through the proxy, a route the app did not watch."""
    mv = _version(team, version)
    run = _run(team, mv["run_id"])
    root = run["info"]["artifact_uri"].split("mlflow-artifacts:", 1)[1].lstrip("/")
    files = sorted(team.artifacts.rglob(f"{mv['run_id']}/artifacts/evidence/*"))
    assert files, "the version's evidence is on the server's artifact store"
    before = {f: f.read_bytes() for f in files}
    forged = b"<p>Everything passed. Fairness: perfect.</p>"
    evidence = f"{root}/evidence/gates.json"
    for user in ("ana", "bo", "admin", "govern-service"):
        for prefix in ("/api/2.0", "/ajax-api/2.0"):
            _refused(team.call(user, "PUT", f"{prefix}/mlflow-artifacts/artifacts/{evidence}", data=forged), "pipeline's evidence")
            # Deleting needs MANAGE in basic-auth (a plain 403 first); for an admin the app refuses.
            assert team.call(user, "DELETE", f"{prefix}/mlflow-artifacts/artifacts/{evidence}").status_code == 403
        _refused(team.call(user, "PUT", f"/api/2.0/mlflow-artifacts/artifacts/{root}/evidence/card2.html", data=forged), "pipeline's evidence")
        _refused(team.call(user, "POST", f"/api/2.0/mlflow-artifacts/mpu/create/{evidence}", json={"path": evidence, "num_parts": 1}),
                 "pipeline's evidence")
        _refused(team.call(user, "POST", "/ajax-api/2.0/mlflow/upload-artifact", params={"run_uuid": mv["run_id"], "path": "evidence/gates.json"},
                           data=forged), "pipeline's evidence")
    # The model itself lies in a logged model of the pipeline's run: the same.
    model_id = mv.get("model_id")
    if model_id:
        (model_file,) = [p for p in team.artifacts.rglob(f"{model_id}/artifacts/MLmodel")]
        path = model_file.relative_to(team.artifacts).as_posix()
        _refused(team.call("ana", "PUT", f"/api/2.0/mlflow-artifacts/artifacts/{path}", data=b"flavors: {}"), "pipeline's evidence")
    assert {f: f.read_bytes() for f in files} == before
    refused = [e for e in _chain(team) if e.action == "server.refused" and e.actor == "ana" and e.details.get("request") == "ArtifactWrite"]
    assert refused and refused[0].details["run_id"] == mv["run_id"] and "evidence" in refused[0].details["path"]


def test_others_artifacts_are_unaffected(team):
    """Runs the pipeline did not train keep MLflow's usual artifact writes."""
    created = team.call("ana", "POST", "/api/2.0/mlflow/runs/create", json={"experiment_id": "0"}).json()["run"]["info"]
    root = created["artifact_uri"].split("mlflow-artifacts:", 1)[1].lstrip("/")
    assert team.call("ana", "PUT", f"/api/2.0/mlflow-artifacts/artifacts/{root}/notes.txt", data=b"mine").status_code == 200


@pytest.mark.parametrize("alias", ["Champion", "CHAMPION", "champion ", "Challenger"])
def test_lookalike_reserved_aliases_are_refused(team, version, alias):
    """Issue 22: aliases Champion and CHAMPION were accepted beside the real one."""
    for user in ("govern-service", "admin", "ana", PIPELINE):
        _refused(team.call(user, "POST", ALIAS, json={"name": MODEL, "alias": alias, "version": version}), "looks like the reserved alias")


def test_challenger_is_set_by_the_pipeline_only(team, version):
    _refused(team.call("ana", "POST", ALIAS, json={"name": MODEL, "alias": "challenger", "version": version}), "challenger")
    assert team.call(PIPELINE, "POST", ALIAS, json={"name": MODEL, "alias": "challenger", "version": version}).status_code == 200


@pytest.mark.parametrize("key", ["Approval.Status", "approval.status ", "APPROVAL.STATUS", "Approval.Reviewer", "Gate.Status", "gate.status\u200b"])
def test_lookalike_protected_keys_are_refused(team, version, key):
    """Issue 22: Approval.Status and 'approval.status ' (trailing space) were accepted."""
    for user in ("bo", PIPELINE):
        response = team.call(user, "POST", TAG, json={"name": MODEL, "version": version, "key": key, "value": "approved"})
        assert response.status_code == 403, (user, key, response.text)
    assert key not in _tags(team, version)


@pytest.mark.parametrize("name", ["Ana", "ANA", " ana", "ａｎａ", "Govern-Service", "govern-pipeline "])
def test_a_user_colliding_with_an_existing_one_is_not_created(team, name):
    """Issue 22: a second account `Ana` approved `ana`'s version."""
    _refused(team.call("admin", "POST", "/api/2.0/mlflow/users/create", json={"username": name, "password": "another-pass-4821"}),
             "would be the existing user")
    users = [u["username"] for u in team.call("admin", "GET", "/api/2.0/mlflow/users/list").json()["users"]]
    assert name not in users


def test_a_look_alike_account_made_behind_the_servers_back_is_still_the_author(team, version):
    """Made straight in basic-auth's database, `Ana` is a reviewer; the server still sees ana."""
    from govern.server.serve import TeamServer, add_reviewer

    auth_db = team.state_db.replace("_state_", "_auth_")
    server = TeamServer("postgresql://unused", auth_db, "", team.log.parent)
    from govern.server.serve import _auth_store

    _auth_store(server).create_user("Ana", "look-alike-pass-4821")
    add_reviewer(server, "Ana", None)
    response = requests_call(team, "Ana", "look-alike-pass-4821", "POST", TAG,
                             json={"name": MODEL, "version": version, "key": "approval.status", "value": "approved"})
    _refused(response, "created the run")


def requests_call(team, user: str, password: str, method: str, path: str, **kwargs):
    import requests

    return requests.request(method, f"{team.url}{path}", auth=(user, password), timeout=30, **kwargs)


def test_add_reviewer_refuses_look_alikes_and_the_governance_identities(team):
    from govern.core.errors import GovernError
    from govern.server.serve import TeamServer, add_reviewer

    server = TeamServer("postgresql://unused", team.state_db.replace("_state_", "_auth_"), "", team.log.parent)
    with pytest.raises(GovernError, match="would be the existing user"):
        add_reviewer(server, "BO ", "another-pass-4821")
    for identity_user in ("govern-service", PIPELINE, "Govern-Pipeline"):
        with pytest.raises(GovernError, match="governance identities"):
            add_reviewer(server, identity_user, None)


@pytest.mark.parametrize("target", ["govern-service", PIPELINE])
def test_an_admin_cannot_reset_or_demote_a_governance_identity(team, target):
    """Issue 22: an admin reset govern-service's password and moved champion as it."""
    _refused(team.call("admin", "PATCH", "/api/2.0/mlflow/users/update-password", json={"username": target, "password": "taken-over-4821"}),
             "governance identities")
    _refused(team.call("admin", "PATCH", "/api/2.0/mlflow/users/update-admin", json={"username": target, "is_admin": True}), "governance identities")
    _refused(team.call("admin", "DELETE", "/api/2.0/mlflow/users/delete", json={"username": target}), "governance identities")
    # Its own password still opens the door.
    assert team.call(target, "GET", "/api/2.0/mlflow/users/current").status_code == 200
    # Each refusal is on the server's own chain, naming the admin and the change.
    from govern.stores.audit.events import SERVER_CHAIN
    from govern.stores.audit.log import AuditLog

    with AuditLog(team.state_db) as log:
        refused = [e for e in log.events(SERVER_CHAIN) if e.actor == "admin" and target in e.details.get("reason", "")]
        assert not log.verify(SERVER_CHAIN)
    assert {e.details["path"].rsplit("/", 1)[-1] for e in refused} >= {"update-password", "update-admin", "delete"}, refused
    # An ordinary user's password an admin may still reset.
    assert team.call("admin", "POST", "/api/2.0/mlflow/users/create", json={"username": "dee", "password": "dee-pass-48211"}).status_code == 200
    assert team.call("admin", "PATCH", "/api/2.0/mlflow/users/update-password",
                     json={"username": "dee", "password": "dee-pass-48212"}).status_code == 200
    team.call("admin", "DELETE", "/api/2.0/mlflow/users/delete", json={"username": "dee"})


def test_the_pipeline_neither_approves_nor_moves_champion_and_a_reviewer_still_approves(team, version):
    _refused(team.call(PIPELINE, "POST", TAG, json={"name": MODEL, "version": version, "key": "approval.status", "value": "approved"}),
             "not in the role")
    _refused(team.call(PIPELINE, "POST", ALIAS, json={"name": MODEL, "alias": "champion", "version": version}), "service user")
    began = time.monotonic()
    approved = team.call("bo", "POST", TAG, json={"name": MODEL, "version": version, "key": "approval.status", "value": "approved"})
    assert approved.status_code == 200, approved.text
    assert _tags(team, version)["approval.reviewer"] == "bo" and time.monotonic() - began < 10
    assert PASSWORDS[PIPELINE]
