"""What every command pays before its work: no heavy import for a validation error,
and the project's running Prefect server reused instead of a temporary one."""

import http.server
import os
import subprocess
import sys
import threading
import time

import pytest

from govern.core.settings import SERVER_FILE, configure_environment, load_settings


@pytest.mark.integration
def test_configuring_the_environment_imports_no_heavy_library(tmp_path):
    code = ("import sys; from govern.core.settings import configure_environment; import govern.cli; configure_environment(); "
            "print(sorted(m for m in ('mlflow', 'prefect', 'pandas', 'catboost', 'evidently') if m in sys.modules))")
    env = dict(os.environ, GOVERN_HOME=str(tmp_path))
    env.pop("PREFECT_API_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args):
        pass


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVERN_HOME", str(tmp_path))
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / ".prefect"))
    for key in ("PREFECT_API_URL", "GOVERN_REUSED_PREFECT_API_URL"):
        monkeypatch.delenv(key, raising=False)
    (tmp_path / ".prefect").mkdir()
    return tmp_path / ".prefect" / SERVER_FILE


def test_a_recorded_server_that_answers_is_reused_and_dropped_when_gone(clean_env):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api"
    clean_env.write_text(url)
    configure_environment(load_settings())
    assert os.environ["PREFECT_API_URL"] == url
    server.shutdown()
    server.server_close()
    configure_environment(load_settings())
    assert "PREFECT_API_URL" not in os.environ


def test_a_recorded_server_that_does_not_answer_is_ignored(clean_env):
    clean_env.write_text("http://127.0.0.1:9/api")
    configure_environment(load_settings())
    assert "PREFECT_API_URL" not in os.environ


_EARLY = """
import os, sys, urllib.request
from govern.core.settings import configure_environment
from govern.runtime import prefect_server
configure_environment()
prefect_server.start_early()
print(prefect_server._Server.process.pid, prefect_server._Server.seeded, flush=True)
with prefect_server.ready():
    url = os.environ["PREFECT_API_URL"]
    print(urllib.request.urlopen(url + "/health", timeout=5).status, "prefect" in sys.modules, flush=True)
from prefect.settings import get_current_settings
with prefect_server.ready():  # as govern train's flow call: Prefect imported, no heartbeats
    settings = get_current_settings()
    print(settings.flows.heartbeat_frequency, settings.api.url == os.environ["PREFECT_API_URL"], flush=True)
"""


def _start_early(root, cache):
    env = dict(os.environ, GOVERN_HOME=str(root), XDG_CACHE_HOME=str(cache))
    for key in ("PREFECT_API_URL", "GOVERN_REUSED_PREFECT_API_URL", "PREFECT_HOME"):
        env.pop(key, None)
    out = subprocess.run([sys.executable, "-c", _EARLY], env=env, capture_output=True, text=True, check=True, timeout=300)
    (pid, seeded), (status, imported), heartbeat = (line.split() for line in out.stdout.strip().splitlines())
    assert heartbeat == ["None", "True"]
    return int(pid), seeded == "True", status, imported


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return open(f"/proc/{pid}/stat").read().split()[2] != "Z" if os.path.exists(f"/proc/{pid}/stat") else True


@pytest.mark.integration
def test_the_temporary_server_starts_early_seeds_a_new_project_and_ends_with_the_command(tmp_path):
    """Started before Prefect is imported, answering before the first flow call, and gone
    when the command exits; a second new project starts from the cached empty database."""
    cache = tmp_path / "cache"
    pid, seeded, status, imported = _start_early(tmp_path / "one", cache)
    assert (status, imported, seeded) == ("200", "False", False)
    assert not _alive(pid)
    assert list((cache / "govern").glob("prefect-*.db"))
    pid, seeded, status, _ = _start_early(tmp_path / "two", cache)
    assert (status, seeded) == ("200", True) and not _alive(pid)
    assert (tmp_path / "two" / ".prefect" / "prefect.db").exists()


def test_no_temporary_server_when_an_api_url_is_set(clean_env, monkeypatch):
    from govern.runtime import prefect_server

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    prefect_server.start_early()
    assert prefect_server._Server.process is None


def _new_store(root, monkeypatch):
    from govern.runtime import new_store

    root.mkdir(exist_ok=True)
    monkeypatch.setenv("GOVERN_HOME", str(root))
    monkeypatch.chdir(root)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    settings = load_settings()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", settings.tracking_uri)
    settings.mlruns.mkdir()
    creation = new_store.create_in_background(settings)
    new_store.wait(creation)
    assert new_store.create_in_background(settings) is None
    return creation, root / "mlruns" / "mlflow.db"


def _contents(database):
    import sqlite3

    with sqlite3.connect(database) as db:
        tables = [name for (name,) in db.execute("select name from sqlite_master where type = 'table' order by name")]
        schema = db.execute("select type, name, sql from sqlite_master order by type, name").fetchall()
        rows = {t: db.execute(f'select * from "{t}"').fetchall() for t in tables}
    for row in rows["experiments"]:
        assert abs(row[4] / 1000 - time.time()) < 600 and row[4] == row[5]  # created now, not copied
    rows["experiments"] = [row[:4] + row[6:] for row in rows["experiments"]]
    return schema, rows


@pytest.mark.integration
def test_a_new_store_is_made_by_mlflow_once_then_copied_with_the_same_contents(tmp_path, monkeypatch):
    """The machine's first new project has MLflow build its store; the next one starts from
    an empty copy, identical apart from where its default experiment keeps artifacts."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    made, first = _new_store(tmp_path / "one", monkeypatch)
    assert made is not None and list((tmp_path / "cache" / "govern").glob("mlflow-*.db"))
    copied, second = _new_store(tmp_path / "two", monkeypatch)
    assert copied is None
    schema, rows = _contents(first)
    assert rows["experiments"] == [(0, "Default", str(tmp_path / "one" / "mlruns" / "0"), "active", "default")]
    copied_schema, copied_rows = _contents(second)
    assert copied_schema == schema
    assert copied_rows == dict(rows, experiments=[(0, "Default", str(tmp_path / "two" / "mlruns" / "0"), "active", "default")])
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{second}")
    assert client.create_experiment("opened") and [e.name for e in client.search_experiments()] == ["opened", "Default"]
