"""One real run of the champion-challenger flow and of the decisions that follow.

Prefect (temporary server), MLflow (SQLite registry) and Optuna (SQLite study) all
run for real on small data; only budgets are small.
"""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import optuna
import pandas as pd
import pytest

from govern.core.errors import GovernError, PromotionRefused
from govern.evidence.record import read_record_file
from govern.governance import approval, decisions
from govern.stores import registry
from govern.stores.audit.log import AuditLog

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def log(project):
    return AuditLog(project.database_url)


@pytest.fixture(scope="session")
def first(project):
    from flows.champion_challenger import champion_challenger

    return champion_challenger("churn")


@pytest.fixture(scope="session")
def second(project, first, log):
    """v2, trained on the later, drifted period after v1 was approved and promoted."""
    from flows.champion_challenger import champion_challenger

    approval.approve(log, "churn", first["version"], reviewer="rev-a")
    decisions.promote(log, "churn", first["version"], actor="tester")
    return champion_challenger("churn", data=str(project.root / "data/demo/customers_recent.parquet"))


@pytest.fixture(scope="session")
def third(project, second):
    """v3, retrained on v1's data: the resumed study holds the same trials, so it ties v1."""
    from flows.champion_challenger import champion_challenger

    return champion_challenger("churn")


def test_first_version_is_registered_with_its_evidence(project, first):
    assert first["version"] == "1"
    assert first["champion"] is None
    mv = registry.client().get_model_version("churn", "1")
    assert mv.tags[registry.GATE_STATUS] == first["gates"]
    assert mv.tags[registry.APPROVAL_STATUS] == ("pending" if first["gates"] == "passed" else "not_eligible")
    assert len(mv.tags[registry.EVIDENCE_DIGEST]) == 64
    if first["gates"] == "passed":
        assert registry.alias_version("churn", registry.CHALLENGER) == "1"
    card_dir = project.cards_dir / "churn" / "v1"
    for name in ("card.md", "card.html", "gates.json", "fairness.json", "drift.html", "drift.json"):
        assert (card_dir / name).stat().st_size > 0, name
    gates = json.loads((card_dir / "gates.json").read_text())
    champion_gate = [g for g in gates["results"] if g["kind"] == "champion"][0]
    assert "no champion yet" in champion_gate["reason"]
    card = (card_dir / "card.md").read_text()
    for section in ("## Intended use", "## Metrics", "## Quantitative analyses", "## Data drift", "## Governance record", "Lineage"):
        assert section in card
    assert first["run_id"] in card


def test_the_trained_record_validates_against_the_published_schema(project, first):
    import jsonschema

    from govern.evidence.schema import SCHEMA_PATH

    written = json.loads((project.cards_dir / "churn" / "v1" / "record.json").read_text())
    jsonschema.validate(written, json.loads(SCHEMA_PATH.read_text()))
    assert read_record_file(project.cards_dir / "churn" / "v1" / "record.json").version == 1


def test_run_has_nested_trials_and_logged_artifacts(project, first):
    run = mlflow.get_run(first["run_id"])
    assert run.info.status == "FINISHED"
    trials = mlflow.search_runs(experiment_ids=[run.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{first['run_id']}'")
    assert len(trials) == first["trials"] + first["pruned"] >= 2
    artifacts = {a.path for a in registry.client().list_artifacts(first["run_id"], "evidence")}
    assert {"evidence/card.html", "evidence/gates.json", "evidence/drift.html", "evidence/holdout.parquet", "evidence/reference.parquet"} <= artifacts
    model = mlflow.models.get_model_info("models:/churn/1")
    assert model.signature is not None and model.saved_input_example_info is not None


def test_study_is_persisted_and_resumable(project, first):
    summaries = optuna.get_all_study_summaries(project.database_url)
    study = [s for s in summaries if s.study_name.startswith("churn-")][0]
    assert study.n_trials >= 2


def test_promotion_refusals_change_nothing(project, first, log):
    assert first["gates"] == "passed", first["failures"]
    with pytest.raises(PromotionRefused, match="not approved"):
        decisions.promote(log, "churn", "1")
    author = registry.VersionState.read("churn", "1").author
    registry.set_approval("churn", "1", status="approved", reviewer=author)  # as if set by hand in the UI
    with pytest.raises(PromotionRefused, match="approved by its own author"):
        decisions.promote(log, "churn", "1")
    with pytest.raises(GovernError, match="author of its run"):
        approval.approve(log, "churn", "1", reviewer=author)
    registry.set_approval("churn", "1", status="pending", reviewer="")
    assert registry.alias_version("churn", registry.CHAMPION) is None
    with pytest.raises(GovernError, match="unknown model"):
        decisions.promote(log, "nope")


def test_challenger_is_judged_against_champion_on_the_same_holdout(project, second):
    assert registry.alias_version("churn", registry.CHAMPION) == "1"
    assert second["version"] == "2" and second["champion"] == "1"
    comparison = second["comparison"]
    assert comparison["lower"] <= comparison["delta"] <= comparison["upper"]
    # Both were scored on the same logged holdout rows.
    mv = registry.client().get_model_version("churn", "2")
    holdout = pd.read_parquet(mlflow.artifacts.download_artifacts(run_id=mv.run_id, artifact_path="evidence/holdout.parquet"))
    champion = mlflow.catboost.load_model("models:/churn/1")
    from govern.stats.evaluation import metric_values

    again = float(metric_values("binary", "roc_auc", holdout["churned"], champion.predict_proba(holdout[list(champion.feature_names_)])[:, 1]))
    assert again == pytest.approx(comparison["champion"])
    run = mlflow.get_run(second["run_id"])
    trial_params = mlflow.search_runs(experiment_ids=[run.info.experiment_id],
                                      filter_string=f"tags.mlflow.parentRunId = '{second['run_id']}' and params.trial = '0'")
    champion_params = {k: v for k, v in mlflow.get_run(registry.client().get_model_version("churn", "1").run_id).data.params.items() if k.startswith("cb.")}
    assert trial_params.iloc[0]["params.depth"] == champion_params["cb.depth"]


def test_resumed_study_reproduces_the_champion_and_passes(project, first, third):
    assert third["version"] == "3" and third["champion"] == "1"
    assert third["trials"] == first["trials"]  # nothing new to try: the study resumed complete
    assert third["comparison"]["delta"] == pytest.approx(0.0)
    assert third["gates"] == "passed", third["failures"]


def test_changed_evidence_blocks_promotion(project, third, log):
    approval.approve(log, "churn", "3", reviewer="rev-b")
    mv = registry.client().get_model_version("churn", "3")
    gates_file = Path(mlflow.get_run(mv.run_id).info.artifact_uri.removeprefix("file://")) / "evidence" / "gates.json"
    original = gates_file.read_text()
    gates_file.write_text(original + " ")
    try:
        with pytest.raises(PromotionRefused, match="evidence changed"):
            decisions.promote(log, "churn", "3")
        assert registry.alias_version("churn", registry.CHAMPION) == "1"
    finally:
        gates_file.write_text(original)
    promoted = decisions.promote(log, "churn")
    assert (promoted.previous, promoted.version) == ("1", "3")
    assert registry.alias_version("churn", registry.CHALLENGER) is None
    assert decisions.audit_model(log, "churn").ok


def test_alias_moved_by_hand_is_caught_then_rollback_is_recorded(project, third, log):
    assert registry.alias_version("churn", registry.CHAMPION) == "3"
    registry.client().set_registered_model_alias("churn", registry.CHAMPION, "2")
    report = decisions.audit_model(log, "churn")
    assert not report.ok and any("outside the gates" in p for p in report.problems)
    registry.client().set_registered_model_alias("churn", registry.CHAMPION, "3")
    assert decisions.audit_model(log, "churn").ok
    back = decisions.rollback(log, "churn", actor="tester")
    assert (back.previous, back.version) == ("3", "1")
    assert registry.alias_version("churn", registry.CHAMPION) == "1"
    report = decisions.audit_model(log, "churn")
    assert report.ok, report.problems
    assert [h["version"] for h in report.history] == ["1", "3", "1"]


def _cli(project, *args):
    import os
    import subprocess
    import sys

    env = dict(os.environ, GOVERN_HOME=str(project.root), MLFLOW_TRACKING_URI=project.tracking_uri)
    return subprocess.run([sys.executable, "-m", "govern.cli", *args], capture_output=True, text=True, env=env, timeout=600)


def test_monitoring_flags_the_drifted_period_and_records_it(project, third, log):
    from flows.monitor import monitor

    outcome = monitor("churn", str(project.root / "data/demo/customers_recent.parquet"))
    assert outcome["drift_gate"] == "failed"
    assert "tenure_months" in outcome["drift"]["drifted_columns"]
    assert any("tenure_months" in f for f in outcome["findings"])
    assert 0.5 < outcome["performance"]["roc_auc"] <= 1.0
    assert "gender&age_band" in outcome["fairness"]["features"]
    folder = project.cards_dir / "churn" / f"v{outcome['champion']}" / "monitoring"
    assert list(folder.glob("*/drift.html")) and list(folder.glob("*/outcome.json"))
    last = log.events("churn")[-1]
    assert last.action == "monitoring" and last.details["drift_gate"] == "failed"


def test_cli_audit_catches_an_edited_log_line(project):
    import sqlite3

    clean = _cli(project, "audit", "churn")
    assert clean.returncode == 0, clean.stderr
    assert "audit chain intact" in clean.stdout
    db = project.mlruns / "govern.db"
    with sqlite3.connect(db) as con:
        row, details = con.execute("select id, details from govern_audit where model = 'churn' and action = 'approval.approved' order by seq").fetchone()
        con.execute("update govern_audit set details = ? where id = ?", (details.replace("rev-a", "rev-z").replace('"note":""', '"note":"edited"'), row))
    try:
        tampered = _cli(project, "audit", "churn")
        assert tampered.returncode == 4
        assert "was edited" in tampered.stderr
    finally:
        with sqlite3.connect(db) as con:
            con.execute("update govern_audit set details = ? where id = ?", (details, row))
    assert _cli(project, "audit", "churn").returncode == 0


def test_monitor_retrains_when_the_drift_gate_trips(project, third):
    before = {int(v.version) for v in registry.client().search_model_versions("name = 'churn'")}
    out = _cli(project, "monitor", "churn", "--current", str(project.root / "data/demo/customers_recent.parquet"), "--retrain-on-drift")
    assert out.returncode in (0, 3), out.stderr
    assert "drift gate failed" in out.stdout and "retraining churn" in out.stdout
    after = {int(v.version) for v in registry.client().search_model_versions("name = 'churn'")}
    assert after - before == {max(before) + 1}


def test_a_failed_registration_leaves_no_version(project, first, log, tmp_path):
    from govern.governance import registration

    mv = registry.client().get_model_version("churn", "1")
    record = read_record_file(Path(mlflow.artifacts.download_artifacts(run_id=mv.run_id, artifact_path="evidence/record.json")))
    staging = tmp_path / "staging"
    staging.mkdir()
    blocked = tmp_path / "cards-is-a-file"
    blocked.write_text("")
    events_before = len(log.events("churn-atomic"))
    run = registry.client().create_run(mlflow.get_run(mv.run_id).info.experiment_id, run_name="atomic")
    with pytest.raises(OSError):
        registration.register(
            name="churn-atomic", model_uri=mv.source, model_id=mv.model_id, run_id=run.info.run_id, record=record,
            staging=staging, cards_root=blocked, audit=log, actor="tester",
        )
    assert registry.client().search_model_versions("name = 'churn-atomic'") == []
    assert registry.alias_version("churn-atomic", registry.CHALLENGER) is None
    assert len(log.events("churn-atomic")) == events_before


def test_each_gate_kind_is_a_version_tag(project, first):
    tags = registry.client().get_model_version("churn", "1").tags
    kinds = {kind: tags[f"gate.{kind}"] for kind in ("metric", "champion", "fairness", "drift")}
    # The suite's small holdouts leave metric and fairness bounds inconclusive (warned, not failed).
    assert set(kinds.values()) <= {"passed", "inconclusive"} and tags["gate.status"] == "passed", kinds
