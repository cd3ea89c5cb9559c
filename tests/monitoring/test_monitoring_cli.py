"""`govern monitor` as a user meets it, on a real small champion: verdict, exit codes, --json, retraining."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from govern.card.record import file_digest
from tests.cli.test_cli import govern
from tests.conftest import make_project

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("monitoring"), rows=1500, specs=("churn",))
    spec_path = root / "models" / "churn.yaml"
    spec = yaml.safe_load(spec_path.read_text())
    spec["monitoring"] = {"max_metric_drop": 0.05, "max_base_rate_shift": 0.10, "retrain_data": "combined"}
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    loner = dict(spec, name="loner")
    (root / "models" / "loner.yaml").write_text(yaml.safe_dump(loner, sort_keys=False))
    return root


@pytest.fixture(scope="module")
def champion(root):
    trained = govern(root, "train", "churn")
    assert trained.returncode == 0, trained.stdout + trained.stderr
    assert govern(root, "approve", "churn", "1", "--reviewer", "monitor-reviewer").returncode == 0
    promoted = govern(root, "promote", "churn")
    assert promoted.returncode == 0, promoted.stderr
    return root


def _recent(root: Path) -> Path:
    return root / "data" / "demo" / "customers_recent.parquet"


def test_no_champion_is_one_line_without_retries(root):
    started = time.perf_counter()
    out = govern(root, "monitor", "loner", "--current", str(_recent(root)))
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip() == "error: loner has no champion to monitor"
    assert out.stdout == ""
    assert time.perf_counter() - started < 20  # no Prefect flow, no retry delays


def test_json_outcome_judges_every_check_and_exits_5(champion):
    out = govern(champion, "monitor", "churn", "--current", str(_recent(champion)), "--json")
    assert out.stderr == ""
    assert out.returncode == 5, out.stdout
    outcome = json.loads(out.stdout)
    assert outcome["status"] == "failed" and outcome["failures"]
    assert {c["kind"] for c in outcome["checks"]} == {"drift", "metric", "metric_drop", "base_rate", "fairness"}
    assert outcome["drift_gate"] == "failed" and "tenure_months" in outcome["drift"]["drifted_columns"]
    assert outcome["base_rate"]["training"] is not None and outcome["performance"]["roc_auc"] > 0.5
    md = Path(outcome["reports"]["markdown"])
    assert md.parent.name and (md.parent / "drift.html").exists() and (md.parent / "monitoring.html").exists()
    text = md.read_text()
    assert "## Checks" in text and "roc_auc drop from champion holdout" in text and "**failed**" in text


def test_data_like_the_training_data_passes_with_exit_0(champion):
    out = govern(champion, "monitor", "churn", "--current", str(champion / "data" / "demo" / "customers.parquet"))
    assert out.returncode == 0, out.stdout + out.stderr
    first = out.stdout.splitlines()[0]
    assert first.startswith("churn v1: monitoring passed") and "drift gate passed" in first
    assert "base-rate shift" in out.stdout and "report:" in out.stdout


def test_unlabelled_data_is_not_measured_and_cannot_be_retrained_on(champion, tmp_path):
    unlabelled = tmp_path / "unlabelled.parquet"
    pd.read_parquet(_recent(champion)).drop(columns=["churned"]).to_parquet(unlabelled, index=False)
    out = govern(champion, "monitor", "churn", "--current", str(unlabelled), "--retrain-on-failure")
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.strip().count("\n") == 0 and "no 'churned' labels" in out.stderr
    assert "not_measured" in out.stdout and "drift gate failed" in out.stdout


def test_retraining_uses_training_plus_new_data(champion):
    out = govern(champion, "monitor", "churn", "--current", str(_recent(champion)), "--retrain-on-drift", "--json")
    assert out.returncode in (0, 3), out.stderr
    assert out.stderr == ""
    retraining = json.loads(out.stdout)["retraining"]
    data = Path(retraining["data"])
    assert data.parent == champion / "mlruns" / "staging" / "retrain" and retraining["rule"] == "combined"
    training, recent = (pd.read_parquet(p) for p in (champion / "data/demo/customers.parquet", _recent(champion)))
    overlap = len(set(training["customer_id"]) & set(recent["customer_id"]))
    assert retraining["rows"] == len(pd.read_parquet(data)) == len(training) + len(recent) - overlap
    challenger = retraining["challenger"]
    assert challenger["version"] == "2"
    with sqlite3.connect(champion / "mlruns" / "mlflow.db") as con:
        digest = con.execute("select value from params where run_uuid = ? and key = 'data_digest'", (challenger["run_id"],)).fetchone()[0]
    assert digest == file_digest(data)
