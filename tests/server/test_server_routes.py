"""Every registry and run write route MLflow exposes is either watched by the governance
app or classified here as unable to touch a version's or run's tags or an alias.

An MLflow upgrade that adds a route (a batch tag setter, say) fails this test until
someone decides what the app does with it.  The parts of MLflow the app relies on
without their being public API have their canaries in ``tests/test_library_internals.py``.
"""

from __future__ import annotations

import pytest

pytest.importorskip("flask_wtf", reason="the team extra (mlflow[auth]) is not installed: make install")

from mlflow.protos import model_registry_pb2, service_pb2  # noqa: E402
from mlflow.server import handlers  # noqa: E402

from govern.server.app import WATCHED, watched_routes  # noqa: E402

# Fields through which a request can write a tag key or an alias, or rename a model.
CARRIERS = {"key", "tags", "alias", "new_name"}

# MlflowService writes that carry a key or tags but reach neither a run's tags nor a
# model version: experiments, traces, datasets, assessments, gateway, issues, queues.
NOT_RUN_OR_REGISTRY = {
    "CreateExperiment", "SetExperimentTag", "DeleteExperimentTag", "UpdateExperiment",
    "SetTraceTag", "DeleteTraceTag", "SetTraceTagV3", "DeleteTraceTagV3", "StartTrace", "StartTraceV3", "EndTrace",
    "CreateDataset", "SetDatasetTags", "DeleteDatasetTag", "UpsertDatasetRecords",
    "CreateAssessment", "UpdateAssessment",
    "CreateGatewayEndpoint", "UpdateGatewayEndpoint", "SetGatewayEndpointTag", "DeleteGatewayEndpointTag",
    "CreateGatewaySecret", "UpdateGatewaySecret", "CreateGatewayModelDefinition", "UpdateGatewayModelDefinition",
    "CreatePromptOptimizationJob", "CreateIssue", "UpdateIssue", "CreateLabelSchema", "UpdateLabelSchema",
    "CreateReviewQueue", "UpdateReviewQueue", "RegisterScorer",
}
# Run writes that carry no tag: metrics, params, inputs, outputs, name and status.
RUN_WRITES_WITHOUT_TAGS = {"LogMetric", "LogParam", "LogInputs", "LogOutputs", "UpdateRun", "DeleteRun", "RestoreRun", "LogModel",
                           "LogLoggedModelParamsRequest", "FinalizeLoggedModel", "DeleteLoggedModel", "DeleteLoggedModelTag"}


def _write_endpoints():
    """(request class, service) for every non-GET route MLflow registers from its services."""
    out = {}
    for _path, cls, methods in handlers.get_endpoints(lambda c: c):
        if isinstance(cls, type) and any(m != "GET" for m in methods):
            service = "registry" if cls.__module__ == model_registry_pb2.__name__ else "tracking" if cls.__module__ == service_pb2.__name__ else "other"
            out[cls.__name__] = (cls, service)
    return out


def _carries(cls) -> bool:
    return bool(CARRIERS & set(cls.DESCRIPTOR.fields_by_name))


def test_every_registry_write_that_carries_tags_aliases_or_removes_a_model_is_watched():
    missing = []
    for name, (cls, service) in _write_endpoints().items():
        if service != "registry":
            continue
        removes = name.startswith(("Delete", "Rename")) and "Tag" not in name and "Alias" not in name
        if (_carries(cls) or removes) and name not in WATCHED:
            missing.append(name)
    assert not missing, f"registry writes not watched by govern.server.app: {missing}"


def test_every_run_write_that_carries_tags_is_watched_or_classified():
    unclassified = []
    for name, (cls, service) in _write_endpoints().items():
        if service != "tracking" or name in WATCHED or name in NOT_RUN_OR_REGISTRY:
            continue
        if _carries(cls) and name not in RUN_WRITES_WITHOUT_TAGS:
            unclassified.append(name)
    assert not unclassified, f"tracking writes that carry tags, neither watched nor classified: {unclassified}"


def test_deleting_a_logged_model_tag_cannot_touch_server_keys_on_versions_or_runs():
    # DeleteLoggedModelTag carries a key but only for a LoggedModel's own tags; the keys
    # the server writes live on runs and versions, so it is classified, not watched.
    assert "model_id" in service_pb2.DeleteLoggedModelTag.DESCRIPTOR.fields_by_name


def test_every_watched_class_is_a_live_route_on_both_api_prefixes():
    routes = watched_routes()
    for name in WATCHED:
        paths = [path for (path, _), kind in routes.items() if kind == name]
        assert any(p.startswith("/api/") for p in paths) and any(p.startswith("/ajax-api/") for p in paths), name


def test_flask_serves_watched_handlers_only_on_routes_the_app_knows():
    """A watched handler mounted on a route outside ``get_endpoints`` would bypass the hooks."""
    from mlflow.server import app

    handler_of = {handlers.get_handler(getattr(model_registry_pb2, n, None) or getattr(service_pb2, n)): n for n in WATCHED}
    routes = watched_routes()
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        kind = handler_of.get(view)
        if kind is None:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert routes.get((rule.rule, method)) == kind, (rule.rule, method)


def test_graphql_mutations_write_nothing():
    """MLflow's GraphQL "mutations" are searches (and an echo); a new one fails here."""
    from mlflow.server.graphql.graphql_schema_extensions import schema

    assert set(schema.graphql_schema.mutation_type.fields) == {"testMutation", "mlflowSearchRuns", "mlflowSearchDatasets"}
