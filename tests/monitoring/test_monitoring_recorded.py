"""Monitoring judges a champion by the rules it was judged and approved under, not by
whatever ``models/<name>.yaml`` says today."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from govern.core.errors import GovernError
from govern.monitoring.check import Reference, judged_by_record
from govern.spec.model import load_spec
from tests.record_story import minimal_record

SPEC = load_spec("churn", Path(__file__).parents[2] / "models")


def _reference(gates) -> Reference:
    record = minimal_record(model="churn", spec={"name": "churn", "gates": gates}) if gates is not None else None
    return Reference(version="3", run_id="r", frame=pd.DataFrame(), model=None, record=record)


def test_the_champions_recorded_gates_replace_the_spec_files():
    recorded = SPEC.gates.model_dump(mode="json")
    recorded["metrics"] = [{"metric": "roc_auc", "min": 0.9}]
    recorded["fairness"] = []
    judged = judged_by_record(SPEC, _reference(recorded))
    assert [(g.metric, g.min) for g in judged.gates.metrics] == [("roc_auc", 0.9)]
    assert judged.gates.fairness == [] and SPEC.gates.fairness  # the spec file's gates are not used


def test_a_champion_without_recorded_rules_is_not_monitored_by_the_spec_file():
    with pytest.raises(GovernError, match="no recorded rules"):
        judged_by_record(SPEC, _reference(None))
    with pytest.raises(GovernError, match="recorded gates do not read"):
        judged_by_record(SPEC, _reference({"metrics": [{"metric": "roc_auc", "min": "high"}]}))
