"""Canaries for the library internals the platform uses: one test per use.

Each internal is touched in one adapter module only (``govern/checks/drift/evidently_internals.py``,
``govern/mitigation/fairlearn_internals.py``, ``govern/runtime/prefect_internals.py``,
``govern/stores/mlflow_internals.py``).  A library upgrade that removes or reshapes one
fails here, naming the library version and the adapter to update, rather than deep in a
flow.  Fast: imports and signatures only, no training, no server, no child process.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import platform
import sqlite3
from importlib.metadata import version
from pathlib import Path

import pytest

EVIDENTLY = "govern/checks/drift/evidently_internals.py"
FAIRLEARN = "govern/mitigation/fairlearn_internals.py"
PREFECT = "govern/runtime/prefect_internals.py"
MLFLOW = "govern/stores/mlflow_internals.py"

# MLflow's telemetry asks platform.platform() at import, which runs `uname -p` once; asked here,
# at collection, the unit tier's no-child-process guard does not meet it inside a canary.
platform.platform()


def gone(library: str, thing: str, adapter: str) -> str:
    return f"{library} {version(library)} no longer has {thing}: {adapter} must be updated"


def parameters(func) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(func).parameters)


# -- Evidently


def test_evidently_stat_test_registry():
    from govern.checks.drift.assess import _SCORE_GROWS_WITH_DRIFT
    from govern.checks.drift.evidently_internals import stattest_names

    try:
        from evidently.legacy.calculations import stattests  # noqa: F401
        from evidently.legacy.calculations.stattests.registry import StatTest
    except ImportError as exc:
        pytest.fail(gone("evidently", f"its stat-test registry ({exc})", EVIDENTLY))
    assert {"name", "display_name"} <= set(parameters(StatTest)), gone("evidently", "StatTest(name, display_name)", EVIDENTLY)
    names = stattest_names()
    assert {"ks", "chisquare", "z", "wasserstein", "jensenshannon"} | _SCORE_GROWS_WITH_DRIFT <= set(names.values()), \
        gone("evidently", f"the stat tests the drift check names (found {sorted(names.values())})", EVIDENTLY)
    assert names.get("K-S p_value") == "ks", gone("evidently", "the display name 'K-S p_value' for 'ks'", EVIDENTLY)


def test_evidently_static_folder_holds_the_viewer_script_and_icon_font():
    from govern.checks.drift.evidently_internals import ICON_FONT, VIEWER_SCRIPT, static_file

    try:
        from evidently.legacy.utils.dashboard import STATIC_PATH  # noqa: F401
    except ImportError as exc:
        pytest.fail(gone("evidently", f"evidently.legacy.utils.dashboard.STATIC_PATH ({exc})", EVIDENTLY))
    for name in (VIEWER_SCRIPT, ICON_FONT):
        assert static_file(name).is_file(), gone("evidently", f"{name} in its static folder", EVIDENTLY)


def test_evidently_snapshot_widgets():
    from evidently.core.report import Snapshot

    hints = {name for klass in Snapshot.__mro__ for name in getattr(klass, "__annotations__", {})}
    for name in ("_widgets", "_tests_widgets"):
        assert name in hints, gone("evidently", f"Snapshot.{name}", EVIDENTLY)
    try:
        from evidently.legacy.model.widget import BaseWidgetInfo
        from evidently.legacy.renderers.html_widgets import group_widget
    except ImportError as exc:
        pytest.fail(gone("evidently", f"group_widget or BaseWidgetInfo ({exc})", EVIDENTLY))
    assert {"title", "widgets"} <= set(parameters(group_widget)), gone("evidently", "group_widget(title, widgets)", EVIDENTLY)
    assert callable(getattr(BaseWidgetInfo, "get_additional_graphs", None)), gone("evidently", "BaseWidgetInfo.get_additional_graphs", EVIDENTLY)


def test_evidently_details_info():
    try:
        from evidently.core.metric_types import DetailsInfo
    except ImportError as exc:
        pytest.fail(gone("evidently", f"evidently.core.metric_types.DetailsInfo ({exc})", EVIDENTLY))
    assert {"title", "info", "id"} <= set(parameters(DetailsInfo)), gone("evidently", "DetailsInfo(title, info, id)", EVIDENTLY)


def test_evidently_dashboard_json_and_encoder():
    import numpy as np

    from govern.checks.drift import evidently_internals

    try:
        info = evidently_internals.dashboard_info([])
        data = json.loads(evidently_internals.dashboard_json(info))
        encoder = evidently_internals.json_encoder()
    except ImportError as exc:
        pytest.fail(gone("evidently", f"DashboardInfo, dashboard_info_to_json or NumpyEncoder ({exc})", EVIDENTLY))
    assert data.get("name") == "Report" and data.get("widgets") == [], gone("evidently", "DashboardInfo(name, widgets) as JSON", EVIDENTLY)
    assert issubclass(encoder, json.JSONEncoder) and json.dumps(np.float64(0.5), cls=encoder) == "0.5", \
        gone("evidently", "NumpyEncoder for numpy values", EVIDENTLY)


def test_evidently_page_template_has_the_places_the_report_fills():
    from govern.checks.drift import evidently_internals

    try:
        page = evidently_internals.page_without_script("report_canary", evidently_internals.dashboard_info([]), {}, font_file="CANARY_FONT")
    except (ImportError, TypeError) as exc:
        pytest.fail(gone("evidently", f"TemplateParams or file_html_template ({exc})", EVIDENTLY))
    for text in ("url(CANARY_FONT);", evidently_internals.NO_EMBEDDED_DATA, evidently_internals.DRAW_SCRIPT + "report_canary,", 'id="root_report_canary"'):
        assert text in page, gone("evidently", f"{text!r} in file_html_template's page", EVIDENTLY)
    assert "no embedded lib" in page, gone("evidently", "file_html_template without the embedded script", EVIDENTLY)


# -- Fairlearn


def test_fairlearn_threshold_optimizer_pmf_predict():
    from fairlearn.postprocessing import ThresholdOptimizer

    pmf = getattr(ThresholdOptimizer, "_pmf_predict", None)
    assert callable(pmf), gone("fairlearn", "ThresholdOptimizer._pmf_predict", FAIRLEARN)
    params = parameters(pmf)
    assert list(params)[:2] == ["self", "X"], gone("fairlearn", "ThresholdOptimizer._pmf_predict(X, ...)", FAIRLEARN)
    assert "sensitive_features" in params and params["sensitive_features"].kind is inspect.Parameter.KEYWORD_ONLY, \
        gone("fairlearn", "ThresholdOptimizer._pmf_predict(X, *, sensitive_features)", FAIRLEARN)


def test_fairlearn_exponentiated_gradient_pmf_predict():
    from fairlearn.reductions import ExponentiatedGradient

    pmf = getattr(ExponentiatedGradient, "_pmf_predict", None)
    assert callable(pmf), gone("fairlearn", "ExponentiatedGradient._pmf_predict", FAIRLEARN)
    required = [n for n, p in parameters(pmf).items() if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD]
    assert required == ["self", "X"], gone("fairlearn", f"ExponentiatedGradient._pmf_predict(X) (it takes {required})", FAIRLEARN)


# -- Prefect


def test_prefect_temporary_server_factory_and_flags():
    from govern.runtime.prefect_internals import EPHEMERAL_SERVER_ENV, ephemeral_server_args

    args = ephemeral_server_args(0)
    module, _, factory = args[args.index("--factory") + 1].partition(":")
    # Read, not imported: importing Prefect's server costs seconds.
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, gone("prefect", module, PREFECT)
    source = Path(spec.origin).read_text()
    functions = {node.name: node.args for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}
    assert factory in functions, gone("prefect", f"{module}:{factory}", PREFECT)
    signature = functions[factory]
    assert len(signature.args) == len(signature.defaults) and None not in signature.kw_defaults, \
        gone("prefect", f"{factory}() that uvicorn calls without arguments", PREFECT)
    for flag in (k for k in EPHEMERAL_SERVER_ENV if k.startswith("PREFECT__")):
        assert f'"{flag}"' in source, gone("prefect", f"the {flag} flag its server reads", PREFECT)
    assert importlib.util.find_spec("uvicorn") is not None, gone("prefect", "uvicorn among its requirements", PREFECT)


def test_prefect_temporary_settings_name_the_server_and_turn_heartbeats_off():
    from govern.runtime.prefect_internals import api_url

    try:
        from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    except ImportError as exc:
        pytest.fail(gone("prefect", f"temporary_settings, PREFECT_API_URL or PREFECT_FLOWS_HEARTBEAT_FREQUENCY in prefect.settings ({exc})", PREFECT))
    assert "updates" in parameters(temporary_settings), gone("prefect", "temporary_settings(updates=...)", PREFECT)
    url = "http://127.0.0.1:9/api"
    with api_url(url, heartbeats=False):
        assert PREFECT_API_URL.value() == url, gone("prefect", "PREFECT_API_URL set by temporary_settings", PREFECT)
        assert PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value() is None, gone("prefect", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY that None turns off", PREFECT)
    with api_url(url):
        assert PREFECT_API_URL.value() == url, gone("prefect", "PREFECT_API_URL set by temporary_settings", PREFECT)


def test_prefect_log_and_event_workers_drain():
    try:
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker
    except ImportError as exc:
        pytest.fail(gone("prefect", f"APILogWorker or EventsWorker ({exc})", PREFECT))
    for worker in (APILogWorker, EventsWorker):
        drain = getattr(worker, "drain_all", None)
        assert callable(drain) and "timeout" in parameters(drain), gone("prefect", f"{worker.__name__}.drain_all(timeout=...)", PREFECT)


# -- MLflow


def test_mlflow_experiments_table_new_store_updates():
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateTable

    from govern.stores import mlflow_internals

    try:
        from mlflow.store.tracking.dbmodels.models import SqlExperiment
        from mlflow.tracking.default_experiment import DEFAULT_EXPERIMENT_ID
    except ImportError as exc:
        pytest.fail(gone("mlflow", f"SqlExperiment or DEFAULT_EXPERIMENT_ID ({exc})", MLFLOW))
    assert DEFAULT_EXPERIMENT_ID == "0", gone("mlflow", "the default experiment's id 0", MLFLOW)
    assert SqlExperiment.__tablename__ == "experiments", gone("mlflow", "its experiments table", MLFLOW)
    columns = set(SqlExperiment.__table__.columns.keys())
    needed = {"experiment_id", "artifact_location", "creation_time", "last_update_time"}
    assert needed <= columns, gone("mlflow", f"the experiments columns {sorted(needed - columns)}", MLFLOW)
    # The adapter's SQL, on a table made with MLflow's own definition.
    with sqlite3.connect(":memory:") as db:
        db.execute(str(CreateTable(SqlExperiment.__table__).compile(dialect=sqlite.dialect())))
        values = {"experiment_id": 0, "name": "Default", "artifact_location": "/a/mlruns/0", "lifecycle_stage": "active",
                  "creation_time": 1, "last_update_time": 1}
        values = {k: v for k, v in values.items() if k in columns}
        db.execute(f"insert into experiments ({', '.join(values)}) values ({', '.join('?' * len(values))})", list(values.values()))
        assert mlflow_internals.default_experiment_location(db) == "/a/mlruns/0"
        mlflow_internals.set_default_experiment_location(db, "/b/mlruns/0")
        mlflow_internals.restamp_default_experiment(db, "/c/mlruns/0", 5)
        assert db.execute("select artifact_location, creation_time, last_update_time from experiments").fetchall() == [("/c/mlruns/0", 5, 5)]


def test_mlflow_server_handler_helpers():
    from mlflow.server import handlers

    for name in ("_get_request_message", "_get_tracking_store", "_get_model_registry_store", "get_endpoints", "catch_mlflow_exception"):
        assert callable(getattr(handlers, name, None)), gone("mlflow", f"mlflow.server.handlers.{name}", MLFLOW)
    assert list(parameters(handlers._get_request_message))[:2] == ["request_message", "flask_request"], \
        gone("mlflow", "_get_request_message(request_message, flask_request=request)", MLFLOW)
    assert "get_handler" in parameters(handlers.get_endpoints), gone("mlflow", "get_endpoints(get_handler)", MLFLOW)
    for name in ("_get_tracking_store", "_get_model_registry_store"):
        required = [n for n, p in parameters(getattr(handlers, name)).items() if p.default is inspect.Parameter.empty]
        assert not required, gone("mlflow", f"{name}() callable without arguments", MLFLOW)


def test_mlflow_basic_auth_user_and_roles():
    pytest.importorskip("flask_wtf", reason="the team extra (mlflow[auth]) is not installed: make install")
    import mlflow.server.auth as auth

    assert "g.mlflow_authenticated_user = authorization.username" in inspect.getsource(auth._before_request), \
        gone("mlflow", "basic-auth's flask.g.mlflow_authenticated_user", MLFLOW)
    for name in ("get_user", "list_user_roles"):
        assert callable(getattr(auth.store, name, None)), gone("mlflow", f"mlflow.server.auth.store.{name}", MLFLOW)
    # Not an internal (the documented basic-auth app), but the app wraps it: govern/server/app.py.
    assert callable(getattr(auth, "create_app", None)), gone("mlflow", "mlflow.server.auth.create_app", "govern/server/app.py")


def test_mlflow_basic_auth_store_the_team_server_bootstraps_with():
    # govern/server/serve.py builds basic-auth's users and roles with its store directly.
    pytest.importorskip("flask_wtf", reason="the team extra (mlflow[auth]) is not installed: make install")
    from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore

    for name in ("init_db", "get_user", "has_user", "create_user", "list_user_roles", "create_role", "get_role_by_name",
                 "assign_role_to_user", "list_role_permissions", "add_role_permission"):
        assert callable(getattr(SqlAlchemyStore, name, None)), gone("mlflow", f"SqlAlchemyStore.{name} of basic-auth", "govern/server/serve.py")


def test_mlflow_basic_auth_user_names(tmp_path):
    # user_names lists basic-auth's users to refuse a new one that collides after normalising.
    pytest.importorskip("flask_wtf", reason="the team extra (mlflow[auth]) is not installed: make install")
    import mlflow.server.auth as auth
    from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore

    assert callable(getattr(auth.store, "list_users", None)), gone("mlflow", "mlflow.server.auth.store.list_users", MLFLOW)
    store = SqlAlchemyStore()
    store.init_db(f"sqlite:///{tmp_path / 'auth.db'}")
    store.create_user("ana", "ana-pass-4821-long")
    assert [user.username for user in store.list_users()] == ["ana"], gone("mlflow", "list_users() -> [User(username=...)]", MLFLOW)


def test_mlflow_basic_auth_fastapi_user():
    # fastapi_user authenticates artifact uploads MLflow serves in FastAPI, outside Flask's hooks.
    pytest.importorskip("flask_wtf", reason="the team extra (mlflow[auth]) is not installed: make install")
    import mlflow.server.auth as auth
    from starlette.requests import Request

    from govern.stores.mlflow_internals import fastapi_user

    authenticate = getattr(auth, "_authenticate_fastapi_request", None)
    assert callable(authenticate), gone("mlflow", "mlflow.server.auth._authenticate_fastapi_request", MLFLOW)
    assert list(parameters(authenticate)) == ["request"], gone("mlflow", "_authenticate_fastapi_request(request)", MLFLOW)
    assert "authenticate_user" in inspect.getsource(authenticate), \
        gone("mlflow", "_authenticate_fastapi_request checking the password with the store's authenticate_user", MLFLOW)
    for headers in ([], [(b"authorization", b"Bearer not-basic")]):
        scope = {"type": "http", "method": "PUT", "path": "/ajax-api/2.0/mlflow/upload-artifact", "headers": headers, "query_string": b""}
        assert fastapi_user(Request(scope)) is None, gone("mlflow", "None from _authenticate_fastapi_request without Basic credentials", MLFLOW)
