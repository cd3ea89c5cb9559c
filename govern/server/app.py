"""The governance server app: MLflow's basic-auth plus separation of duties.

``mlflow server --app-name govern-auth`` loads :func:`create_app`.  It wraps
``mlflow.server.auth.create_app`` and adds a ``before_request`` hook, which runs after
basic-auth has authenticated the caller (``flask.g.mlflow_authenticated_user``) and
refuses a watched write with MLflow's ``PERMISSION_DENIED`` (a 403 the UI shows as a
toast), and an ``after_request`` hook, which stamps what the server itself knows (who
created a run, who registered a version, who approved and when, the signature) and
appends the write to the audit chain with ``source: mlflow-server``.

Request bodies are parsed with MLflow's own parser, so the hooks see exactly what the
handler will act on.  The rules themselves live in :mod:`govern.governance.identity`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Response, g, request
from mlflow.entities import RunTag
from mlflow.entities.model_registry import ModelVersionTag
from mlflow.exceptions import MlflowException
from mlflow.protos import model_registry_pb2 as reg
from mlflow.protos import service_pb2 as svc
from mlflow.protos.databricks_pb2 import INVALID_STATE, PERMISSION_DENIED
from mlflow.utils.proto_json_utils import parse_dict

from govern.governance import identity
from govern.governance.signature import ApprovalClaim, approval_key
from govern.server import facts, guards
from govern.server.audit import ServerAudit
from govern.stores import mlflow_internals, registry
from govern.stores.registry import APPROVAL_REVIEWER, APPROVAL_STATUS, CHAMPION, EVIDENCE_DIGEST

_logger = logging.getLogger(__name__)


@dataclass
class Write:
    """A watched write the before-hook let through, for the after-hook to finish."""

    kind: str
    actor: str
    message: Any
    model: str | None = None
    details: dict | None = None


def _deny(reason: str) -> MlflowException:
    return MlflowException(reason, error_code=PERMISSION_DENIED)


def _tags(message) -> dict[str, str]:
    return {t.key: t.value for t in getattr(message, "tags", [])}


def _keys_refusal(actor: str, keys, where: str, roles: identity.TeamRoles) -> str | None:
    keys = list(keys)
    return (identity.server_key_refusal(keys, where) or identity.pipeline_key_refusal(actor, keys, where, roles=roles)
            or identity.promoter_key_refusal(actor, keys, where, roles=roles))


def _request_refusal(write: Write, roles: identity.TeamRoles) -> str | None:
    """A run the pipeline creates for a request is credited to whoever created the request
    run (as the server recorded them); the pipeline alone names one."""
    request_run = _tags(write.message).get(identity.REQUEST_RUN)
    if request_run is None:
        return None
    try:
        requested = mlflow_internals.tracking_store().get_run(request_run).data.tags
    except MlflowException:
        return f"{identity.REQUEST_RUN} names run {request_run!r}, which does not exist"
    requester = requested.get(registry.RUN_CREATOR)
    if requested.get("govern.kind") != identity.REQUEST_KIND or not requester:
        return f"run {request_run} is not a training request recorded by this server ({registry.RUN_CREATOR} and govern.kind={identity.REQUEST_KIND})"
    write.details = {"requester": requester}
    return None


def _check(write: Write, roles: identity.TeamRoles) -> str | None:
    """The reason to refuse this write, or None; may add what the after-hook needs."""
    m, actor = write.message, write.actor
    kind = write.kind
    if kind == "CreateRun":
        return _keys_refusal(actor, _tags(m), f"the tags of {kind}", roles) or _request_refusal(write, roles)
    if kind in ("LogBatch", "CreateLoggedModel", "SetLoggedModelTags", "CreateRegisteredModel"):
        return _keys_refusal(actor, _tags(m), f"the tags of {kind}", roles)
    if kind == "CreateModelVersion":
        where = "the tags of a new version"
        description = identity.pipeline_only_refusal(actor, "a version's description", roles=roles) if m.description else None
        return _keys_refusal(actor, _tags(m), where, roles) or identity.registration_status_refusal(_tags(m)) or description
    if kind == "UpdateModelVersion":
        return identity.pipeline_only_refusal(actor, f"the description of {m.name} v{m.version}", roles=roles) if m.HasField("description") else None
    if kind in ("SetTag", "DeleteTag", "SetRegisteredModelTag", "DeleteRegisteredModelTag"):
        return _keys_refusal(actor, [m.key], f"{kind}", roles)
    if kind == "DeleteModelVersionTag":
        return identity.status_delete_refusal(m.key) or identity.pipeline_key_refusal(actor, [m.key], kind, roles=roles)
    if kind in ("SetRegisteredModelAlias", "DeleteRegisteredModelAlias"):
        reason = identity.alias_refusal(actor, m.alias, roles=roles)
        if reason is None and kind == "SetRegisteredModelAlias" and m.alias == CHAMPION:
            reason = facts.move_proof_refusal(m.name, m.version)
        return reason
    if kind == "DeleteRegisteredModel":
        return identity.champion_removal_refusal(f"model {m.name}", facts.holds_champion(m.name))
    if kind == "RenameRegisteredModel":
        return identity.champion_removal_refusal(f"model {m.name}", facts.holds_champion(m.name))
    if kind == "DeleteModelVersion":
        return identity.champion_removal_refusal(f"{m.name} v{m.version}", facts.holds_champion(m.name, m.version))
    if kind == "SetModelVersionTag":
        reason = _keys_refusal(actor, [m.key], kind, roles)
        if reason is not None or m.key != APPROVAL_STATUS:
            return reason
        known, digest = facts.version_facts(m.name, m.version)
        reason = identity.approval_refusal(actor, m.value, is_reviewer=facts.is_reviewer(actor, roles), facts=known, roles=roles)
        if reason is None and not digest:
            reason = f"{m.name} v{m.version} has no {EVIDENCE_DIGEST} on record and cannot be reviewed"
        write.details = {"facts": known, "digest": digest}
        return reason
    return None


# Request class name -> fields naming the model it touches (None: a run-level write).
WATCHED: dict[str, str | None] = {
    "CreateRun": None, "SetTag": None, "DeleteTag": None, "LogBatch": None,
    "CreateLoggedModel": None, "SetLoggedModelTags": None,
    "CreateRegisteredModel": "name", "SetRegisteredModelTag": "name", "DeleteRegisteredModelTag": "name",
    "CreateModelVersion": "name", "UpdateModelVersion": "name", "SetModelVersionTag": "name", "DeleteModelVersionTag": "name",
    "SetRegisteredModelAlias": "name", "DeleteRegisteredModelAlias": "name",
    "DeleteRegisteredModel": "name", "RenameRegisteredModel": "name", "DeleteModelVersion": "name",
}
_CLASSES = {name: getattr(reg, name, None) or getattr(svc, name) for name in WATCHED}


def watched_routes() -> dict[tuple[str, str], str]:
    """(Flask rule, method) -> watched request class name, from MLflow's own route table."""
    routes = {}
    for path, request_class, methods in mlflow_internals.endpoints():
        if isinstance(request_class, type) and request_class.__name__ in WATCHED:
            for method in methods:
                routes[(path, method)] = request_class.__name__
    return routes


def _stamp_approval(write: Write, key: bytes, audit: ServerAudit) -> None:
    m, known, digest = write.message, write.details["facts"], write.details["digest"]
    reviewed_at = datetime.now(UTC).isoformat(timespec="seconds")
    claim = ApprovalClaim(model=m.name, version=str(m.version), decision=m.value, reviewer=write.actor, reviewed_at=reviewed_at, evidence_digest=digest,
                          run_creator=known.run_creator, registrant=known.registrant)
    # Audited first: an approval the chain does not hold is never signed, so it never promotes.
    audit.decision(claim)
    store = mlflow_internals.registry_store()
    for tag_key, value in ((APPROVAL_REVIEWER, write.actor), (registry.APPROVAL_REVIEWED_AT, reviewed_at), (registry.APPROVAL_SIGNATURE, claim.sign(key))):
        store.set_model_version_tag(m.name, m.version, ModelVersionTag(tag_key, value))


def _finish(write: Write, response: Response, key: bytes, audit: ServerAudit, roles: identity.TeamRoles) -> None:
    """After a successful write: record what only the server knows, then audit it."""
    m = write.message
    if write.kind == "CreateRun":
        created = svc.CreateRun.Response()
        parse_dict(response.get_json(), created)
        run_id = created.run.info.run_id
        # The author is the requester when the pipeline trains for one; MLflow's "Created by" says so too.
        creator = (write.details or {}).get("requester") or write.actor
        stamps = [RunTag(registry.RUN_CREATOR, creator), RunTag("mlflow.user", creator)]
        if roles.is_pipeline(write.actor):
            stamps.append(RunTag(identity.TRAINED_BY, write.actor))
        for tag in stamps:
            mlflow_internals.tracking_store().set_tag(run_id, tag)
        return
    if write.model is None:
        return
    if write.kind == "CreateModelVersion":
        created = reg.CreateModelVersion.Response()
        parse_dict(response.get_json(), created)
        version = created.model_version.version
        mlflow_internals.registry_store().set_model_version_tag(m.name, version, ModelVersionTag(registry.VERSION_REGISTRANT, write.actor))
        requested_by = mlflow_internals.tracking_store().get_run(m.run_id).data.tags.get(registry.RUN_CREATOR) if m.run_id else None
        details = {"run_id": m.run_id, **({"requested_by": requested_by} if requested_by else {})}  # the author the pipeline trained for
        audit.write(write.model, write.actor, write.kind, version=version, details=details, later=write.actor == roles.service_user)
        return
    if write.kind == "SetModelVersionTag" and m.key == APPROVAL_STATUS:
        _stamp_approval(write, key, audit)
        return
    details = {k: getattr(m, k) for k in ("key", "value", "alias", "new_name") if k in m.DESCRIPTOR.fields_by_name}
    version = getattr(m, "version", None) or None
    audit.write(write.model, write.actor, write.kind, version=version, details=details, later=write.actor == roles.service_user)


def _guard(actor: str, audit: ServerAudit, roles: identity.TeamRoles) -> None:
    """Refuse (and audit) a write to the artifact proxy or basic-auth's user routes."""
    refused = guards.artifact_refusal(actor, roles)
    reason, run_id = refused if refused else (guards.user_refusal(actor, roles), None)
    if reason is None:
        return
    request_details = {"path": request.path, "method": request.method, **({"run_id": run_id} if run_id else {})}
    audit.refusal(guards.model_of_run(run_id), actor, "ArtifactWrite" if run_id else "UserAdmin", reason, request_details)
    raise _deny(reason)


def install(app, *, key: bytes, audit: ServerAudit, roles: identity.TeamRoles) -> None:
    """Register the hooks on the Flask app (after basic-auth's, so they run after it)."""
    routes = watched_routes()

    @mlflow_internals.catch_mlflow_exception
    def before() -> Response | None:
        actor = mlflow_internals.authenticated_user()
        rule = request.url_rule.rule if request.url_rule is not None else None
        kind = routes.get((rule, request.method))
        if actor is None:
            return None
        if kind is None:
            _guard(actor, audit, roles)
            return None
        message = mlflow_internals.request_message(_CLASSES[kind]())
        field = WATCHED[kind]
        write = Write(kind=kind, actor=actor, message=message, model=getattr(message, field) if field else None)
        reason = _check(write, roles)
        if reason is not None:
            run_id = getattr(message, "run_id", None) or getattr(message, "run_uuid", None)
            model = write.model or guards.model_of_run(run_id, getattr(message, "experiment_id", None))
            audit.refusal(model, actor, kind, reason, message, later=actor == roles.service_user)
            raise _deny(reason)
        g.govern_write = write
        return None

    def after(response: Response) -> Response:
        write = g.pop("govern_write", None)
        if write is None or response.status_code != 200:
            return response
        try:
            _finish(write, response, key, audit, roles)
        except Exception as exc:  # noqa: BLE001 -- the client's write stood; say what was not recorded
            _logger.error("governance: %s by %s succeeded but was not recorded: %s", write.kind, write.actor, exc)
            # Not a 5xx: clients retry those, and the write itself already happened.
            unrecorded = MlflowException(f"{write.kind} was applied but the server could not record it ({exc.__class__.__name__});"
                                         " it will not count as a reviewed decision", error_code=INVALID_STATE)
            return mlflow_internals.catch_mlflow_exception(_raise)(unrecorded)
        return response

    app.before_request(before)
    app.after_request(after)


def _raise(exc: Exception) -> None:
    raise exc


def create_app(app=None):
    """The ``govern-auth`` entry point: MLflow's basic-auth with the governance hooks."""
    from mlflow.server import app as flask_app
    from mlflow.server.auth import create_app as auth_create_app

    from govern.server.serve import require_server_secrets

    flask_app = app or flask_app
    require_server_secrets(server_side=True)
    served = auth_create_app(flask_app)
    audit, roles = ServerAudit.from_env(), identity.TeamRoles.from_env()
    install(flask_app, key=approval_key(), audit=audit, roles=roles)
    if served is not flask_app:  # uvicorn: a FastAPI app around Flask
        guards.install_native(served, audit=audit, roles=roles)
    return served

