"""What every command pays before its work: no heavy import for a validation error,
and the project's running Prefect server reused instead of a temporary one."""

import http.server
import os
import subprocess
import sys
import threading

import pytest

from govern.settings import SERVER_FILE, configure_environment, load_settings


def test_configuring_the_environment_imports_no_heavy_library(tmp_path):
    code = ("import sys; from govern.settings import configure_environment; import govern.cli; configure_environment(); "
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
