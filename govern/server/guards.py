"""The governance app's guards on what MLflow serves outside its REST services.

The artifact proxy (``/api/2.0/mlflow-artifacts/...``, its ``/ajax-api`` twin and the
UI's ``upload-artifact``) writes files with no request message to parse (uploads are
served by FastAPI ahead of Flask: :func:`govern.server.app.install_native` asks
:func:`path_refusal` there), and basic-auth's
user routes create users and reset passwords.  Each guard reads the Flask request and
returns ``(reason, run_id)`` for a write to refuse (``run_id`` names whose chain hears
of it), or None; the rules live in :mod:`govern.governance.identity`.
"""

from __future__ import annotations

import re

from flask import request
from mlflow.exceptions import MlflowException

from govern.governance import identity
from govern.stores import mlflow_internals

_RUN_ID = re.compile(r"^[0-9a-f]{32}$")
_LOGGED_MODEL_ID = re.compile(r"^m-[0-9a-f]{32}$")
_WRITES = ("PUT", "POST", "DELETE", "PATCH")


def _rule() -> str:
    return request.url_rule.rule if request.url_rule is not None else ""


def _param(name: str) -> str | None:
    body = request.get_json(silent=True) if request.is_json else None
    for source in (body if isinstance(body, dict) else {}, request.form, request.args, request.view_args or {}):
        if source.get(name):
            return str(source[name])
    return None


def trained_by_pipeline(run_id: str) -> bool:
    """Whether the server recorded this run as trained by the pipeline."""
    try:
        run = mlflow_internals.tracking_store().get_run(run_id)
    except Exception:  # noqa: BLE001 -- no such run: not the pipeline's
        return False
    return bool(run.data.tags.get(identity.TRAINED_BY))


def _run_of_logged_model(model_id: str) -> str | None:
    try:
        return mlflow_internals.tracking_store().get_logged_model(model_id).source_run_id
    except Exception:  # noqa: BLE001 -- no such logged model
        return None


def _pipeline_run_in(path: str) -> str | None:
    """The pipeline-trained run a proxied artifact path lies in (a run's folder, or the
    folder of a logged model the run produced), if any."""
    for segment in (s for s in path.split("/") if s):
        run_id = segment if _RUN_ID.match(segment) else _run_of_logged_model(segment) if _LOGGED_MODEL_ID.match(segment) else None
        if run_id and trained_by_pipeline(run_id):
            return run_id
    return None


def artifact_refusal(actor: str, roles: identity.TeamRoles) -> tuple[str, str] | None:
    """Files of a run the pipeline trained (its ``evidence/``, its model) are written only
    by the pipeline, through any of MLflow's artifact write routes."""
    rule = _rule()
    if request.method not in _WRITES or roles.is_pipeline(actor):
        return None
    if rule.endswith("/mlflow/upload-artifact"):
        run_id = request.args.get("run_uuid") or ""
        where = f"run {run_id} file {request.args.get('path') or ''}"
        run = run_id if trained_by_pipeline(run_id) else None
    elif "/mlflow-artifacts/" in rule:
        return path_refusal(actor, _param("artifact_path") or _param("path") or "", roles)
    else:
        return None
    if run is None:
        return None
    return identity.pipeline_only_refusal(actor, f"{where} (a run the pipeline trained)", roles=roles) or "", run


def path_refusal(actor: str, path: str, roles: identity.TeamRoles) -> tuple[str, str] | None:
    """A write to ``path`` in the proxied artifact store: refused inside a pipeline run's folders."""
    run = None if roles.is_pipeline(actor) else _pipeline_run_in(path)
    if run is None:
        return None
    return identity.pipeline_only_refusal(actor, f"artifact {path} (a run the pipeline trained)", roles=roles) or "", run


# basic-auth's user routes (REST and ajax): the last part of the rule -> what it changes.
_USER_CHANGES = {
    "users/update-password": "a password reset", "users/update-admin": "a change of the admin flag",
    "users/delete": "deleting the user", "roles/assign": "a role assignment", "roles/unassign": "a role removal",
}


def user_refusal(actor: str, roles: identity.TeamRoles) -> str | None:
    """No user collides with an existing one after normalising; the governance
    identities are not reset, demoted, deleted or re-roled by an admin."""
    rule = _rule()
    if request.method not in _WRITES or "/mlflow/" not in rule:
        return None
    tail = rule.split("/mlflow/", 1)[1]
    if tail in ("users/create", "users/create-ui"):
        username = _param("username")
        return identity.user_collision_refusal(username, mlflow_internals.user_names()) if username else None
    change = _USER_CHANGES.get(tail)
    target = _param("username") if change else None
    if not target:
        return None
    return identity.governance_user_refusal(actor, target, change or "", roles=roles, own_password=tail == "users/update-password")


def model_of_run(run_id: str | None, experiment_id: str | None = None) -> str | None:
    """Whose audit chain hears of a refused run-level write: the registered model the
    run's versions belong to, else the run's (or the request's) experiment, which is
    named after the model it trains (``registry.ensure_experiment``).  None only when
    neither can be read; the refusal is then only logged."""
    store = mlflow_internals.tracking_store()
    try:
        if run_id:
            versions = mlflow_internals.registry_store().search_model_versions(f"run_id = '{run_id}'", max_results=1)
            if versions:
                return versions[0].name
            experiment_id = store.get_run(run_id).info.experiment_id
        return store.get_experiment(experiment_id).name if experiment_id else None
    except MlflowException:
        return None


def install_native(served, *, audit, roles: identity.TeamRoles) -> None:
    """MLflow serves artifact uploads (PUT) in FastAPI, never reaching Flask's hooks (:mod:`govern.server.app`): the
    same guard runs there as a middleware, before MLflow's handler."""
    import asyncio

    from starlette.responses import JSONResponse

    def refusal(asgi_request, path: str) -> str | None:
        actor = mlflow_internals.fastapi_user(asgi_request)
        refused = path_refusal(actor, path, roles) if actor else None
        if refused is None:
            return None
        reason, run_id = refused
        audit.refusal(model_of_run(run_id), actor, "ArtifactWrite", reason, {"path": asgi_request.scope.get("path"), "method": "PUT", "run_id": run_id})
        return reason

    @served.middleware("http")
    async def govern_artifact_uploads(request, call_next):
        route = request.scope.get("path") or ""
        marker = "/mlflow-artifacts/artifacts/"
        if request.method == "PUT" and marker in route:
            reason = await asyncio.to_thread(refusal, request, route.split(marker, 1)[1])
            if reason is not None:
                return JSONResponse({"error_code": "PERMISSION_DENIED", "message": reason}, status_code=403)
        return await call_next(request)
