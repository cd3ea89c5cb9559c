"""Monitoring's judging rules on plain data: no MLflow, no Prefect, a stand-in model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.core.errors import GovernError
from govern.data import retraining
from govern.demo.customers import generate_customers
from govern.evidence.drift import not_measured
from govern.evidence.io import write_evidence
from govern.evidence.verdict import FAILED, NOT_MEASURED, PASSED, GateResult
from govern.gates import rules as gates
from govern.monitoring import check as monitoring
from govern.monitoring.check import BaseRate, MetricRow, MonitoringOutcome, Reference
from govern.monitoring.report import render_markdown, summary_lines
from govern.spec.model import load_spec
from tests.record_story import minimal_record

MODELS = Path(__file__).parents[2] / "models"
FEATURES = ["tenure_months", "plan", "monthly_spend", "sessions_per_week", "support_tickets", "payment_failures", "channel", "region", "age_band", "gender"]


def _spec(name="churn", **monitoring_rules):
    spec = load_spec(name, MODELS)
    return spec.model_copy(update={"monitoring": spec.monitoring.model_copy(update=monitoring_rules)})


class StandIn:
    """Scores like a churn model: risk grows with payment failures and tickets."""

    feature_names_ = FEATURES

    def predict_proba(self, X):
        z = -2.0 + 0.9 * X["payment_failures"].to_numpy() + 0.5 * X["support_tickets"].to_numpy() - 0.02 * X["tenure_months"].to_numpy()
        p = 1 / (1 + np.exp(-z))
        return np.column_stack([1 - p, p])


RECORD = minimal_record(
    metrics={"challenger": {"roc_auc": 0.86, "brier": 0.15}, "intervals": {"roc_auc": [0.83, 0.89]}},
    split={"train": {"rows": 900, "positive_rate": 0.27}},
)


def _reference():
    frame = generate_customers(1200, seed=0)[FEATURES]
    return Reference(version="4", run_id="run", frame=frame, model=StandIn(), record=RECORD)


def _new_data(labelled=True, positive_share=None):
    frame = generate_customers(800, seed=3, id_offset=5_000_000)
    if positive_share is not None:
        rng = np.random.default_rng(0)
        frame["churned"] = (rng.random(len(frame)) < positive_share).astype(int)
    return frame if labelled else frame.drop(columns=["churned"])


def test_metric_drop_for_a_higher_is_better_metric():
    spec = _spec(max_metric_drop=0.05)
    failed = monitoring.metric_drop_check(spec, 0.864, 0.797)
    assert failed.status == FAILED and failed.kind == "metric_drop"
    assert failed.observed == pytest.approx(0.067)
    assert "0.797" in failed.reason and "0.864" in failed.reason
    assert monitoring.metric_drop_check(spec, 0.864, 0.84).status == PASSED
    assert monitoring.metric_drop_check(spec, 0.864, 0.95).observed < 0  # a gain is no drop


def test_metric_drop_for_a_lower_is_better_metric_is_a_rise():
    spec = _spec("clv", max_metric_drop=10.0)
    worse = monitoring.metric_drop_check(spec, 100.0, 115.0)
    assert worse.status == FAILED and worse.observed == pytest.approx(15.0)
    better = monitoring.metric_drop_check(spec, 100.0, 90.0)
    assert better.status == PASSED and better.observed == pytest.approx(-10.0)


def test_metric_drop_needs_the_champions_value_and_a_declared_limit():
    assert monitoring.metric_drop_check(_spec(max_metric_drop=None), 0.86, 0.5) is None
    missing = monitoring.metric_drop_check(_spec(max_metric_drop=0.05), None, 0.8)
    assert missing.status == FAILED and missing.observed is None


def test_base_rate_shift():
    spec = _spec(max_base_rate_shift=0.10)
    moved = monitoring.base_rate_check(spec, BaseRate(training=0.27, current=0.48))
    assert moved.status == FAILED and moved.observed == pytest.approx(0.21)
    assert "48.0%" in moved.reason and "27.0%" in moved.reason
    assert monitoring.base_rate_check(spec, BaseRate(training=0.27, current=0.20)).status == PASSED
    assert monitoring.base_rate_check(spec, BaseRate(training=None, current=0.2)).status == FAILED
    assert monitoring.base_rate_check(_spec("clv"), BaseRate(training=0.27, current=0.9)) is None


def test_metric_floors_and_ceilings_apply_to_new_data():
    spec = _spec(max_metric_drop=None, max_base_rate_shift=None)
    results = monitoring.label_checks(spec, {"roc_auc": 0.65, "brier": 0.25}, 0.86, None, None)
    metric = {r.gate: r.status for r in results if r.kind == "metric"}
    assert metric == {"roc_auc": FAILED, "brier": FAILED}
    ok = monitoring.label_checks(spec, {"roc_auc": 0.8, "brier": 0.1}, 0.86, None, None)
    assert {r.status for r in ok if r.kind == "metric"} == {PASSED}


def test_fairness_gates_are_passed_through(monkeypatch):
    spec = _spec()
    seen = {}
    verdict = [gates.GateResult("equalized_odds_difference by gender", "fairness", FAILED, 0.44, "<= 0.15", "stand-in")]

    def fake(spec_arg, report):
        seen["args"] = (spec_arg, report)
        return verdict

    monkeypatch.setattr(gates, "fairness_gates", fake)
    report = {"features": {}}
    results = monitoring.label_checks(spec, {"roc_auc": 0.8, "brier": 0.1}, 0.86, BaseRate(training=0.27, current=0.27), report)
    assert seen["args"] == (spec, report)
    assert results[-1:] == verdict


def test_without_labels_the_label_checks_are_not_measured():
    spec = _spec(max_metric_drop=0.05)
    results = monitoring.unmeasured_checks(spec)
    kinds = sorted(r.kind for r in results)
    assert kinds == sorted(["metric", "metric", "metric_drop", "base_rate", "fairness", "fairness"])
    assert {r.status for r in results} == {NOT_MEASURED}
    assert all("no labels" in r.reason and r.bound for r in results)


def test_check_on_labelled_data_judges_every_rule(tmp_path):
    spec = _spec(max_metric_drop=0.05, max_base_rate_shift=0.10)
    outcome = monitoring.check(spec, _reference(), _new_data(positive_share=0.6), tmp_path)
    assert outcome.labelled and (tmp_path / "drift.html").exists()
    by_kind = {}
    for c in outcome.checks:
        by_kind.setdefault(c.kind, []).append(c)
    assert set(by_kind) == {"drift", "metric", "metric_drop", "base_rate", "fairness"}
    assert by_kind["base_rate"][0].status == FAILED  # 60% against 27%
    assert outcome.status == FAILED
    primary = [r for r in outcome.performance_table if r.metric == "roc_auc"][0]
    assert primary.champion_holdout == 0.86 and primary.champion_interval == (0.83, 0.89)
    low, high = primary.current_interval
    assert low <= primary.current <= high
    data = json.loads(json.dumps(outcome.to_dict()))
    assert data["status"] == FAILED and data["drift_gate"] in (PASSED, FAILED) and data["performance"]["roc_auc"] == primary.current
    assert MonitoringOutcome.from_dict(data).to_dict() == data


def _outcome() -> MonitoringOutcome:
    nan = float("nan")
    return MonitoringOutcome(
        model="churn", champion="4", rows=800, labelled=True, drift=not_measured("nothing later"), drift_gate="not_gated", findings=[],
        checks=[GateResult("roc_auc", "metric", FAILED, nan, ">= 0.7", "roc_auc could not be measured"),
                GateResult("base-rate shift", "base_rate", NOT_MEASURED, None, "absolute shift <= 10.0%", "not measured")],
        performance={"roc_auc": nan, "brier": 0.2},
        performance_table=[MetricRow(metric="roc_auc", current=nan, champion_holdout=0.86, current_interval=(nan, 0.9), champion_interval=(0.83, 0.89))],
        base_rate=BaseRate(training=None, current=0.3), primary_metric="roc_auc", current="new.parquet", checked_at="2026-01-01T00:00:00+00:00",
        reports={"markdown": "monitoring.md"},
    )


def test_the_outcome_is_written_as_strict_json_with_null_for_what_is_not_finite(tmp_path):
    import jsonschema

    from govern.evidence.schema import schema_path

    outcome = _outcome()
    text = write_evidence(tmp_path / "outcome.json", outcome).read_text()
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} reached the JSON"))
    assert data["performance"] == {"roc_auc": None, "brier": 0.2} and data["checks"][0]["observed"] is None
    assert data["performance_table"][0]["current"] is None and data["performance_table"][0]["current_interval"] is None
    assert data["base_rate"] == {"training": None, "current": 0.3, "shift": None}
    assert data["status"] == FAILED and data["failures"] == ["roc_auc could not be measured"]
    jsonschema.validate(data, json.loads(schema_path("outcome").read_text()))
    again = MonitoringOutcome.from_dict(data)
    assert again == outcome and again.to_dict() == data
    assert [c.gate for c in again.not_measured] == ["base-rate shift"]


def test_an_outcome_refuses_a_value_of_another_type_instead_of_keeping_its_string():
    import pandas as pd
    from pydantic import ValidationError

    outcome = _outcome()
    with pytest.raises(ValidationError):
        outcome.checked_at = pd.Timestamp("2026-01-01")
    with pytest.raises(ValidationError):
        outcome.reports = {"markdown": Path("monitoring.md")}


def test_check_on_unlabelled_data_passes_nothing_it_cannot_see(tmp_path):
    spec = _spec(max_metric_drop=0.05)
    outcome = monitoring.check(spec, _reference(), _new_data(labelled=False), tmp_path)
    assert not outcome.labelled and outcome.performance is None and outcome.base_rate is None
    label_based = [c for c in outcome.checks if c.kind != "drift"]
    assert label_based and {c.status for c in label_based} == {NOT_MEASURED}
    assert outcome.not_measured == label_based


def test_markdown_states_each_check_with_value_bound_and_verdict(tmp_path):
    spec = _spec(max_metric_drop=0.05, max_base_rate_shift=0.10)
    outcome = monitoring.check(spec, _reference(), _new_data(positive_share=0.6), tmp_path)
    md = render_markdown(outcome)
    for heading in ("## Checks", "## Performance: new data against the champion's holdout", "## Base rate", "## Fairness gates", "## Data drift",
                    "## Retraining"):
        assert heading in md
    base = [c for c in outcome.checks if c.kind == "base_rate"][0]
    assert f"| base-rate shift | base_rate | {base.observed:.1%} | {base.bound} | **failed** |" in md
    assert "| Champion's training rows | 27.0% |" in md
    assert "0.86 [0.83, 0.89]" in md  # the champion's holdout value with its interval
    assert "equalized_odds_difference by gender" in md
    assert "monitoring.retrain_data: combined" in md
    lines = summary_lines(outcome)
    assert lines[0].startswith("churn v4: monitoring failed") and "drift gate" in lines[0]
    assert any("base-rate shift" in line and "failed" in line for line in lines)


def test_combined_retrain_data_keeps_the_newer_row_of_a_shared_id():
    spec = _spec()
    training = generate_customers(300, seed=0)
    new = generate_customers(100, seed=1, id_offset=1_000_000).drop(columns=["clv_12m"])
    new.loc[:9, "customer_id"] = training["customer_id"].iloc[:10].to_numpy()
    new.loc[:9, "monthly_spend"] = -1.0
    combined, replaced = retraining.combine(spec, training, new)
    assert replaced == 10 and len(combined) == 390
    assert list(combined.columns) == list(training.columns)
    assert not combined["customer_id"].duplicated().any()
    shared = combined[combined["customer_id"].isin(training["customer_id"].iloc[:10])]
    assert (shared["monthly_spend"] == -1.0).all()


def test_retrain_data_writes_the_combined_file_and_refuses_unlabelled_data(tmp_path):
    spec = _spec()
    (tmp_path / "data" / "demo").mkdir(parents=True)
    generate_customers(600, seed=0).to_parquet(tmp_path / spec.data.source, index=False)
    new = generate_customers(550, seed=1, id_offset=1_000_000)
    new.to_parquet(tmp_path / "new.parquet", index=False)
    plan = retraining.retrain_data(spec, tmp_path, tmp_path / "new.parquet", "4", "20260101T000000Z")
    assert plan.path == tmp_path / "mlruns" / "staging" / "retrain" / "churn-20260101T000000Z.parquet"
    assert plan.rows == len(pd.read_parquet(plan.path)) == 1150 and plan.rule == "combined"
    assert "champion v4" in plan.provenance and "new.parquet" in plan.provenance
    only = retraining.retrain_data(_spec(retrain_data="new_only"), tmp_path, tmp_path / "new.parquet", "4", "x")
    assert only.path == tmp_path / "new.parquet" and only.rows == 550
    new.drop(columns=["churned"]).to_parquet(tmp_path / "unlabelled.parquet", index=False)
    with pytest.raises(GovernError, match="no 'churned' labels"):
        retraining.retrain_data(spec, tmp_path, tmp_path / "unlabelled.parquet", "4", "x")


def test_no_champion_is_not_retried():
    from prefect.states import Failed

    from flows.monitor import reference_task

    retry = reference_task.retry_condition_fn
    assert retry(None, None, Failed(data=GovernError("churn has no champion to monitor"))) is False
    assert retry(None, None, Failed(data=OSError("artifact store unreachable"))) is True


def test_combined_retrain_data_builds_the_table_from_a_transaction_log(tmp_path):
    from govern.data.transactions import customer_table
    from govern.demo.files import write_demo_data
    from govern.spec.model import load_spec

    write_demo_data(tmp_path, n=600, seed=0)
    spec = load_spec("clv", MODELS)
    spec = spec.model_copy(update={"data": spec.data.model_copy(update={"min_rows": 50})})
    built, _ = customer_table(spec, tmp_path)
    latest = built[built[spec.data.time_column] == built[spec.data.time_column].max()]
    latest.to_parquet(tmp_path / "new.parquet", index=False)
    plan = retraining.retrain_data(spec, tmp_path, tmp_path / "new.parquet", "1", "x")
    combined = pd.read_parquet(plan.path)
    assert list(combined.columns) == list(built.columns)  # the built table, not the raw log
    assert spec.data.target in combined and spec.data.transactions.amount_column not in combined
    assert len(combined) == len(built)  # the new rows' ids were already in the table: kept once, from the new data
