"""The Feast feature repository downstream systems read scores from, and the environment Feast runs in.

The repository is ``mlruns/feature_store/`` (``feature_store.yaml``, the registry and, by
default, the SQLite online store ``online.db``); a CRM or campaign tool points Feast's own
SDK at it and asks for a customer's features by id.  Teams set
``GOVERN_FEAST_ONLINE_STORE`` to ``postgresql://user@host:5432/db`` or
``redis://host:6379`` (a password in the URL is handed to Feast as
``GOVERN_FEAST_ONLINE_PASSWORD`` and never written to the file), and
``GOVERN_FEAST_REGISTRY`` to a SQLAlchemy URL to share the registry.

Feast 0.67 requires pandas<3, the stack runs on pandas 3: Feast lives in its own locked
environment (``serving/``, installed as ``.venv-feast`` beside ``.venv``;
``GOVERN_FEAST_PYTHON`` names another) and :mod:`govern.stores.feast_side` runs there.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import yaml

from govern.core.errors import GovernError

SIDE = Path(__file__).with_name("feast_side.py")
PASSWORD_VARIABLE = "GOVERN_FEAST_ONLINE_PASSWORD"
TIMEOUT_SECONDS = 6 * 3600


def repo_path(mlruns: Path) -> Path:
    return mlruns / "feature_store"


def slug(text: str) -> str:
    """``text`` in the letters every online store accepts in a table name."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def view_name(model: str) -> str:
    return slug(model) + "_scores"


def feast_python() -> Path | None:
    """The Feast environment's Python, if it is installed."""
    named = os.environ.get("GOVERN_FEAST_PYTHON")
    candidate = Path(named) if named else Path(sys.prefix).parent / ".venv-feast" / "bin" / "python"
    return candidate if candidate.is_file() else None


def _online_store(repo: Path, url: str | None) -> tuple[dict, str | None]:
    """Feast's online-store settings for ``url`` and the password to hand over, if any."""
    if not url or url == "sqlite":
        return {"type": "sqlite", "path": str(repo / "online.db")}, None
    parts = urlparse(url)
    password = unquote(parts.password) if parts.password else None
    secret = f"${{{PASSWORD_VARIABLE}}}" if password else None
    if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        store = {"type": "postgres", "host": parts.hostname or "127.0.0.1", "port": parts.port or 5432, "database": parts.path.lstrip("/") or "postgres",
                 "user": unquote(parts.username or "postgres"), "password": secret or "", "sslmode": query.get("sslmode", "prefer")}
        return store, password
    if parts.scheme in ("redis", "rediss"):
        address = f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}" + (f",password={secret}" if secret else "")
        address += ",ssl=true" if parts.scheme == "rediss" else ""
        return {"type": "redis", "connection_string": address}, password
    raise GovernError(f"GOVERN_FEAST_ONLINE_STORE: '{parts.scheme}' is not an online store (sqlite, postgresql://... or redis://...)")


def write_config(repo: Path) -> str | None:
    """``feature_store.yaml`` for the current settings; returns the online store's password."""
    online, password = _online_store(repo, os.environ.get("GOVERN_FEAST_ONLINE_STORE"))
    registry = os.environ.get("GOVERN_FEAST_REGISTRY")
    config = {
        "project": "govern", "provider": "local", "entity_key_serialization_version": 3,
        "registry": {"registry_type": "sql", "path": registry, "cache_ttl_seconds": 60} if registry else str(repo / "registry.db"),
        "online_store": online, "offline_store": {"type": "file"},
    }
    repo.mkdir(parents=True, exist_ok=True)
    text = "# Written by govern on every scored batch; downstream systems read it with FeatureStore(repo_path=...).\n" + yaml.safe_dump(config, sort_keys=False)
    partial = repo / ".feature_store.yaml.partial"
    partial.write_text(text)
    os.replace(partial, repo / "feature_store.yaml")
    return password


def run_side(command: str, repo: Path, model: str, *args: str) -> dict:
    """Run :mod:`govern.stores.feast_side` in the Feast environment; its answer, or one line why not."""
    python = feast_python()
    if python is None:
        raise GovernError("no Feast environment (.venv-feast beside .venv, or GOVERN_FEAST_PYTHON): run make install")
    password = write_config(repo)
    env = dict(os.environ, FEAST_USAGE="False", **({PASSWORD_VARIABLE: password} if password else {}))
    done = subprocess.run([str(python), "-I", str(SIDE), command, "--repo", str(repo), "--model", model, "--view", view_name(model), *args],
                          capture_output=True, text=True, env=env, timeout=TIMEOUT_SECONDS, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise GovernError(f"the feature store refused {command} for {model}: {lines[-1] if lines else f'exit {done.returncode}'}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def publish(repo: Path, model: str, batch_file: Path, as_of: str) -> dict:
    """Register ``<model>_scores`` over the batch files beside ``batch_file`` and materialise this batch."""
    return run_side("publish", repo, model, "--source", str(batch_file), "--as-of", as_of)


def online_features(repo: Path, model: str, customers: list[str]) -> list[dict]:
    """Each customer's online features (None where the store holds none)."""
    if not (repo / "feature_store.yaml").is_file():
        raise GovernError(f"{model}: no feature store at {repo}: score a batch first")
    return run_side("read", repo, model, "--customers", *customers)["customers"]
