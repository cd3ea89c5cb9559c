"""Shared fixtures: a throwaway project folder with its own embedded stores.

The suite runs the real libraries (MLflow on SQLite, Prefect's temporary server,
Optuna on SQLite); only the data is small.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Before any library import: the same quiet, offline environment as the CLI, and
# Prefect's home inside the repository so its database is reused between runs.
os.environ.setdefault("PREFECT_HOME", str(REPO / ".prefect"))
from govern.core.settings import QUIET_ENVIRONMENT  # noqa: E402

for key, value in QUIET_ENVIRONMENT.items():
    os.environ.setdefault(key, value)


def make_project(root: Path, *, rows: int = 1500, specs=("churn", "clv")) -> Path:
    """A project folder with the bundled specs, small budgets and generated demo data."""
    import yaml

    from govern.demo.files import write_demo_data

    (root / "models").mkdir(parents=True, exist_ok=True)
    for name in specs:
        raw = yaml.safe_load((REPO / "models" / f"{name}.yaml").read_text())
        raw["tuning"].update(trials=2, iterations=60, early_stopping_rounds=10)
        raw["gates"]["champion"]["resamples"] = 200
        # 1500 rows leave holdouts of about 250, where most metric and fairness bounds are
        # inconclusive: the suite's projects warn on them (tests/gates judges the three ways).
        baseline = [raw["gates"]["baseline"]] if raw["gates"].get("baseline") else []
        for gate in raw["gates"].get("metrics", []) + raw["gates"].get("fairness", []) + baseline:
            gate["on_inconclusive"] = "warn"
        (root / "models" / f"{name}.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    write_demo_data(root, n=rows, seed=0)
    return root


@pytest.fixture(scope="session")
def project(tmp_path_factory):
    """One project for the whole session (MLflow keeps one store per process)."""
    root = make_project(tmp_path_factory.mktemp("project"))
    previous = os.environ.get("GOVERN_HOME")
    os.environ["GOVERN_HOME"] = str(root)
    from govern.core.settings import configure_environment

    settings = configure_environment()
    yield settings
    if previous is None:
        os.environ.pop("GOVERN_HOME", None)
    else:
        os.environ["GOVERN_HOME"] = previous
    shutil.rmtree(root, ignore_errors=True)


POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def postgres_rows():
    """Yields ``(engine, cleanup)`` on the local PostgreSQL, or skips saying why it is absent;
    ``cleanup(table, model)`` registers rows to delete afterwards, so tests leave no trace."""
    pytest.importorskip("psycopg", reason="PostgreSQL not reachable on 127.0.0.1:5432 (psycopg missing)")
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError:
        engine.dispose()
        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    owned: list[tuple[str, str]] = []
    try:
        yield engine, lambda table, model: owned.append((table, model))
    finally:
        with engine.begin() as conn:
            for table, model in owned:
                if sa.inspect(conn).has_table(table):
                    conn.execute(sa.text(f"delete from {table} where model = :m"), {"m": model})
        engine.dispose()


# The demo CLV spec learns from a transaction log; tests of a plain regression table use
# the same spec on the customer table's 12-month value instead.
CLV_ON_CUSTOMER_TABLE = {
    "source": "data/demo/customers.parquet", "target": "clv_12m", "id_column": "customer_id",
    "time_column": "snapshot_date", "exclude": ["churned"], "min_rows": 500,
}


def clv_on_customer_table(spec, **changes):
    """The regression spec ``spec`` pointed at the customer table (``clv_12m``)."""
    data = spec.data.model_copy(update={**CLV_ON_CUSTOMER_TABLE, "transactions": None, **changes})
    return spec.model_copy(update={"data": data})


POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def postgres_admin_or_skip():
    """An autocommit engine on the server's ``postgres`` database, for creating and
    dropping test databases; skips saying why when the server is absent."""
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as con:
            con.execute(sqlalchemy.text("select 1"))
        return engine
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "absent here"
        pytest.skip(f"PostgreSQL not reachable on 127.0.0.1:5432 ({exc.__class__.__name__})")


# Debian's Chromium, driven by Playwright; no browser is downloaded at run time.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium); no browser is downloaded at run time")


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


HEAVY_TIERS = ("integration", "browser", "postgres")


@pytest.fixture(autouse=True)
def unit_tier_guard(request, monkeypatch):
    """The unit tier trains nothing and starts no process: a test without an
    integration, browser or postgres mark that fits CatBoost or spawns a child fails here."""
    if any(request.node.get_closest_marker(mark) for mark in HEAVY_TIERS):
        yield
        return
    import subprocess

    import catboost

    def refuse(what):
        def refused(*args, **kwargs):
            raise AssertionError(f"unit tier: {what} belongs in a test marked integration")
        return refused

    for model in (catboost.CatBoostClassifier, catboost.CatBoostRegressor, catboost.CatBoost):
        monkeypatch.setattr(model, "fit", refuse("fitting CatBoost"))
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse("starting a child process"))
    yield
