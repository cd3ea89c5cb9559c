"""The typed evidence without training: a record survives JSON, missing evidence stays
"not measured", verdicts are enums, and a broken record is refused in one line."""

import json
from pathlib import Path

import pytest

from govern.card.render import render_markdown
from govern.checks.drift.assess import not_measured
from govern.core.errors import GovernError
from govern.evidence.decision import Decision, GroupShare
from govern.evidence.evaluation import Comparison
from govern.evidence.io import write_evidence
from govern.evidence.record import Record, parse_record, read_record_file
from govern.evidence.verdict import FAILED, NOT_MEASURED, PASSED, GateReport, GateResult, GateStatus
from govern.gates.rules import drift_gates, judge
from govern.spec.model import load_spec

MODELS = Path(__file__).parents[2] / "models"


def _record() -> Record:
    spec = load_spec("churn", MODELS)
    period = {"rows": 100, "positive_rate": 0.3}
    verdict = judge([
        GateResult("roc_auc", "metric", PASSED, 0.81, ">= 0.7", "roc_auc = 0.81 meets >= 0.7"),
        *drift_gates(spec, not_measured("nothing later to compare with")),
    ])
    return Record(
        model="churn", task="binary", version=3, created_at="2026-01-01T00:00:00+00:00",
        spec=spec.model_dump(mode="json"), spec_digest="a" * 64, gates_digest="b" * 64,
        data={"source": "data.parquet", "rows": 300, "digest": "c" * 64, "features": ["tenure", "plan"], "categorical": ["plan"]},
        labels={"positive": "yes", "negative": "no", "declared": True},
        split={"strategy": "time", "train": period, "valid": period, "holdout": period},
        tuning={"study": "s", "trials": 5, "pruned": 1, "params": {"depth": 4}, "iterations": 40, "seconds": 1.5, "best_validation": 0.8},
        metrics={"challenger": {"roc_auc": 0.81, "brier": float("nan")}, "intervals": {"roc_auc": [0.78, 0.84], "brier": [float("nan"), 0.2]}},
        champion={"version": "2", "comparison": Comparison("roc_auc", 0.81, 0.79, 0.02, -0.01, 0.05, 0.95, 1000, 100)},
        drift=not_measured("nothing later to compare with"), gates=verdict,
        leakage={"status": "not_measured"}, timings={"tune": 1.0},
        lineage={"git_commit": "abc", "flow_run": "f", "mlflow_run": "r", "experiment": "churn"},
    )


def test_a_record_round_trips_through_json_with_null_for_what_is_not_finite(tmp_path):
    record = _record()
    path = write_evidence(tmp_path / "record.json", record)
    text = path.read_text()
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} reached the JSON"))
    again = read_record_file(path)
    assert again == record
    assert again.metrics.challenger["brier"] is None and again.metrics.intervals["brier"] is None
    assert again.champion.comparison.lower == -0.01 and again.labels.positive == "yes"


def test_a_not_measured_drift_summary_never_reads_as_no_drift():
    summary = not_measured("the split is random")
    assert summary.measured is False and summary.drifted_share is None and summary.columns == {}
    dumped = summary.model_dump(mode="json")
    assert dumped["drifted_share"] is None and "html_path" not in dumped


def test_gate_report_statuses_are_enums_and_serialise_as_their_values():
    report = _record().gates
    assert report.status is FAILED or report.status is PASSED
    assert all(isinstance(r.status, GateStatus) for r in report.results)
    assert [r.status for r in report.warnings] == [NOT_MEASURED]
    data = json.loads(report.model_dump_json())
    assert {r["status"] for r in data["results"]} <= {s.value for s in GateStatus}
    assert GateReport.model_validate(data) == report
    with pytest.raises(ValueError):
        GateResult("x", "metric", "passed-ish", None, "", "")


def test_an_invalid_record_is_refused_in_one_line_naming_the_file_and_the_problem(tmp_path):
    data = json.loads(_record().model_dump_json())
    del data["gates"]["status"]
    path = tmp_path / "record.json"
    path.write_text(json.dumps(data))
    with pytest.raises(GovernError) as refused:
        read_record_file(path)
    message = str(refused.value)
    assert "\n" not in message and str(path) in message and "gates.status" in message
    with pytest.raises(GovernError, match="not a valid evidence record"):
        parse_record("[]", "v1 record.json")


def test_the_card_renders_from_a_typed_record():
    card = render_markdown(_record())
    assert "Model card: churn v3" in card and "**Not measured**: nothing later to compare with" in card


@pytest.mark.parametrize("name", ["record", "gates", "fairness", "drift", "live", "experiment", "outcome"])
def test_the_published_schema_is_the_generated_one(name):
    from govern.evidence.schema import NAMES, REGENERATE, schema_path, schema_text

    assert name in NAMES
    path = schema_path(name)
    assert path.read_text() == schema_text(name), f"govern/evidence/schemas/{path.name} is stale: regenerate it with `{REGENERATE}`"


def test_every_evidence_model_has_a_published_schema_and_nothing_else_is_there():
    from govern.evidence.schema import NAMES, SCHEMA_DIR, SCHEMA_PATH, schema_path

    assert SCHEMA_PATH == schema_path("record")
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(f"{n}.schema.json" for n in NAMES)


def test_the_writer_refuses_a_value_of_an_unknown_type_instead_of_writing_its_string(tmp_path):
    import numpy as np
    from pydantic_core import PydanticSerializationError

    from govern.evidence.drift import DriftEvidence

    drift = DriftEvidence(summary=not_measured("nothing later"), evidently={"rows": np.int64(3)})
    with pytest.raises(PydanticSerializationError, match="unknown type"):
        write_evidence(tmp_path / "drift.json", drift)
    assert not (tmp_path / "drift.json").exists()
    record = _record()
    record.created_at = Path("/not/a/date")  # a typed field holding another type: never its str()
    with pytest.raises(PydanticSerializationError):
        write_evidence(tmp_path / "record.json", record)
    assert not (tmp_path / "record.json").exists()


def test_a_written_record_validates_against_the_published_schema(tmp_path):
    import jsonschema

    from govern.evidence.schema import SCHEMA_PATH

    schema = json.loads(SCHEMA_PATH.read_text())
    written = json.loads(write_evidence(tmp_path / "record.json", _record()).read_text())
    jsonschema.validate(written, schema)
    written["gates"]["status"] = "passed-ish"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(written, schema)


def _record_with_fairness_and_mitigation() -> Record:
    from fairness_story import churn_report

    from govern.evidence.mitigation import MitigationResult
    from govern.mitigation.candidates import judge_mitigated

    spec = load_spec("churn", MODELS)
    tuned = churn_report(0)
    candidates = [
        MitigationResult(method="threshold_optimizer", constraint="equalized_odds", status="not_applicable", reason="fewer than two groups (1 left)"),
        MitigationResult(method="reweighing", constraint="label independent of group", status="fitted",
                         metrics={"roc_auc": 0.79, "brier": 0.16, "accuracy": 0.8, "recall": 0.45}, fairness=churn_report(1)),
    ]
    judged = judge_mitigated(spec, candidates, {"roc_auc": 0.81, "accuracy": 0.8, "recall": 0.5}, tuned, None)
    return _record().model_copy(update={"fairness": tuned, "mitigation": judged})


def test_a_record_with_fairness_and_mitigation_validates_against_the_published_schema_and_reads_back(tmp_path):
    import jsonschema

    from govern.evidence.record import FairnessEvidence
    from govern.evidence.schema import SCHEMA_PATH

    record = _record_with_fairness_and_mitigation()
    path = write_evidence(tmp_path / "record.json", record)
    written = json.loads(path.read_text())
    jsonschema.validate(written, json.loads(SCHEMA_PATH.read_text()))
    again = read_record_file(path)
    assert again == record
    assert again.fairness.features["age_band"].group("55+").insufficient["true_positive_rate"] == "5 positives < 10"
    assert [c.status for c in again.mitigation] == ["not_applicable", "judged"]
    assert written["mitigation"][1]["comparison"]["roc_auc"] == [0.81, 0.79]
    fairness = write_evidence(tmp_path / "fairness.json", FairnessEvidence(challenger=record.fairness, mitigated=record.mitigation))
    assert FairnessEvidence.model_validate_json(fairness.read_text()).mitigated[1].gates == record.mitigation[1].gates
    card = render_markdown(again)
    assert "55+ (insufficient: 5 positives < 10)" in card and "**threshold_optimizer**: not applicable: fewer than two groups (1 left)" in card


def test_a_record_whose_fairness_or_mitigation_is_in_an_older_shape_is_refused_in_one_line(tmp_path):
    data = json.loads(_record_with_fairness_and_mitigation().model_dump_json())
    old_fairness = json.loads(json.dumps(data))
    del old_fairness["fairness"]["features"]["gender"]["groups"][0]["positives"]
    old_mitigation = json.loads(json.dumps(data))
    old_mitigation["mitigation"][0]["status"] = "skipped"
    for old, where in ((old_fairness, "fairness.features.gender.groups"), (old_mitigation, "mitigation.0.status")):
        with pytest.raises(GovernError) as refused:
            parse_record(json.dumps(old), "v1 record.json")
        assert "\n" not in str(refused.value) and where in str(refused.value)


def test_a_record_from_before_decision_policies_reads_back_and_acts_at_its_own_threshold(tmp_path):
    """A record written by the release before decision policies (a fixed decision_threshold
    in its spec, no decision section) still reads back, and every reader acts at that threshold."""
    raw = json.loads(_record().model_dump_json())
    raw.pop("decision", None)
    raw["spec"].pop("decision", None)
    raw["spec"]["decision_threshold"] = 0.35
    path = tmp_path / "record.json"
    path.write_text(json.dumps(raw))
    older = read_record_file(path)
    assert older.decision is None and older.threshold == 0.35
    card = render_markdown(older)
    assert "Recorded before decision policies: scores at or above 0.35 are acted on" in card


def test_a_record_with_a_fitted_policy_shows_whom_it_flags_per_group():
    record = _record().model_copy(update={"decision": Decision(
        kind="share", policy="act on the top share equal to the base rate", threshold=0.31, fitted_rows=60, validation_share=0.3,
        holdout_share=0.28, holdout_interval=(0.2, 0.37),
        groups={"gender": [GroupShare(group="F", rows=50, flagged=15, share=0.3, interval=(0.19, 0.44)),
                           GroupShare(group="M|X", rows=50, flagged=13, share=0.26, interval=(0.16, 0.4))]},
    )})
    assert record.threshold == 0.31
    card = render_markdown(record)
    assert "Policy: act on the top share equal to the base rate (share). Threshold 0.31, fitted on 60 validation rows" in card
    assert "| M\\|X | 50 | 13 | 26.0% (16.0% to 40.0%) |" in card
