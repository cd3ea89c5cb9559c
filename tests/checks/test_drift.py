import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govern.checks.drift.assess import DriftSummary, assess_drift
from govern.core.errors import DataValidationError
from govern.gates.rules import drift_gate_findings

COLUMNS = ["tenure_months", "monthly_charges", "plan", "region"]


def _frame(n, rng, *, tenure_shift=0.0, plan_p=(0.6, 0.3, 0.1)):
    return pd.DataFrame(
        {
            "tenure_months": rng.gamma(2.0, 12.0, n) + tenure_shift,
            "monthly_charges": rng.normal(60.0, 15.0, n),
            "plan": rng.choice(["basic", "plus", "pro"], n, p=list(plan_p)),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "customer_id": np.arange(n),
        }
    )


@pytest.fixture(scope="module")
def shifted(tmp_path_factory):
    rng = np.random.default_rng(1)
    out = tmp_path_factory.mktemp("shifted")
    summary = assess_drift(
        _frame(1500, rng),
        _frame(1500, rng, tenure_shift=15.0, plan_p=(0.2, 0.3, 0.5)),
        columns=COLUMNS,
        categorical=["plan", "region"],
        out_dir=out,
        title="shifted",
    )
    return summary


def test_same_distribution_has_no_drift(tmp_path):
    rng = np.random.default_rng(0)
    summary = assess_drift(_frame(1500, rng), _frame(1500, rng), columns=COLUMNS, categorical=["plan", "region"], out_dir=tmp_path)
    assert summary.drifted_columns == []
    assert summary.drifted_count == 0 and summary.drifted_share == 0.0
    assert summary.column_count == 4
    assert summary.reference_rows == summary.current_rows == 1500
    assert drift_gate_findings(summary, max_drifted_share=0.0, must_not_drift=["tenure_months"]) == []


def test_shifted_columns_are_named(shifted):
    assert shifted.drifted_columns == ["tenure_months", "plan"]
    assert shifted.drifted_count == 2 and shifted.drifted_share == pytest.approx(0.5)
    tenure, plan = shifted.columns["tenure_months"], shifted.columns["plan"]
    # Over 1000 reference rows Evidently uses distances with threshold 0.1.
    assert tenure.method == "wasserstein" and tenure.kind == "distance"
    assert plan.method == "jensenshannon"
    assert tenure.threshold == pytest.approx(0.1)
    assert tenure.score >= tenure.threshold and plan.score >= plan.threshold
    for col in ("monthly_charges", "region"):
        info = shifted.columns[col]
        assert info.drifted is False and info.score < info.threshold
    json.dumps(shifted.model_dump(mode="json"), allow_nan=False)


def test_reports_are_written(shifted):
    html, js = Path(shifted.html_path), Path(shifted.json_path)
    page = html.read_text()
    assert html.name == "drift.html" and "tenure_months" in page and "drawDashboard" in page
    data = json.loads(js.read_text())
    assert data["summary"]["drifted_columns"] == shifted.drifted_columns
    assert any(m["config"].get("column") == "tenure_months" for m in data["evidently"]["metrics"])


def test_small_samples_use_p_values(tmp_path):
    rng = np.random.default_rng(2)
    summary = assess_drift(
        _frame(300, rng),
        _frame(300, rng, tenure_shift=20.0),
        columns=["tenure_months", "region"],
        out_dir=tmp_path,
    )
    tenure = summary.columns["tenure_months"]
    assert tenure.method == "ks" and tenure.kind == "p_value"
    assert tenure.drifted and tenure.score < tenure.threshold == pytest.approx(0.05)
    assert summary.columns["region"].method == "chisquare"  # strings are compared as categories
    findings = drift_gate_findings(summary, max_drifted_share=1.0, must_not_drift=["tenure_months"])
    assert len(findings) == 1 and findings[0].startswith("tenure_months drifted (ks p-value ")


def test_missing_columns_are_named(tmp_path):
    rng = np.random.default_rng(3)
    reference, current = _frame(50, rng), _frame(50, rng).drop(columns=["plan"])
    with pytest.raises(DataValidationError) as err:
        assess_drift(reference, current, columns=COLUMNS + ["churn_score"], out_dir=tmp_path)
    assert str(err.value) == (
        "drift: missing from the reference data: churn_score; missing from the current data: plan, churn_score"
    )
    assert not (tmp_path / "drift.html").exists()


def test_gate_findings_messages():
    summary = DriftSummary.model_validate({
        "drifted_share": 5 / 12,
        "drifted_count": 5,
        "column_count": 12,
        "columns": {
            "tenure_months": {"method": "wasserstein", "kind": "distance", "score": 0.3123, "threshold": 0.1, "drifted": True},
            "plan": {"method": "chisquare", "kind": "p_value", "score": 0.0004, "threshold": 0.05, "drifted": True},
            "region": {"method": "jensenshannon", "kind": "distance", "score": 0.02, "threshold": 0.1, "drifted": False},
        },
    })
    findings = drift_gate_findings(summary, max_drifted_share=0.3, must_not_drift=["tenure_months", "plan", "region", "age"])
    assert findings == [
        "tenure_months drifted (wasserstein 0.31 >= 0.10)",
        "plan drifted (chisquare p-value 0.0004 < 0.05)",
        "age was not assessed for drift",
        "42% of columns drifted (5 of 12), ceiling 30%",
    ]
    assert drift_gate_findings(summary, max_drifted_share=0.5, must_not_drift=["region"]) == []
