"""The live gate is read from the version's recorded rules (record.json ``spec.gates.live``),
never from ``models/<name>.yaml``: moving the spec away or loosening it after training
neither lifts nor changes the gate."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlflow
import pytest
import yaml

from govern.core.errors import PromotionRefused
from govern.governance import decisions
from govern.live import gate as live_gate
from govern.stores import registry
from govern.stores.audit.log import AuditLog
from tests import live_story

pytestmark = pytest.mark.integration


def test_moving_or_loosening_the_spec_file_does_not_lift_the_live_gate(project, tmp_path):
    name = "live_recorded"
    live_story.install_spec(project.root, name)
    _, challenger = live_story.champion_and_challenger(project, name)
    gate, problem = live_gate.recorded_gate(name, challenger)
    assert problem is None and gate is not None and gate.min_silent_days == 3
    held = live_gate.refusals(name, challenger)
    assert held and "has no live evidence" in held[0]

    spec_file = project.models_dir / f"{name}.yaml"
    moved = tmp_path / f"{name}.yaml"
    shutil.move(spec_file, moved)
    assert live_gate.refusals(name, challenger) == held  # spec moved away: the gate stands
    with pytest.raises(PromotionRefused, match="has no live evidence"):
        decisions.promote(AuditLog(project.database_url), name, challenger, actor="tester")

    raw = yaml.safe_load(moved.read_text())
    raw["gates"].pop("live")  # the spec file now declares no live gate at all
    spec_file.write_text(yaml.safe_dump(raw, sort_keys=False))
    assert live_gate.refusals(name, challenger) == held
    assert live_gate.recorded_gate(name, challenger)[0] == gate


def test_a_version_without_recorded_rules_is_held_when_there_is_a_champion(project):
    name = "live_unrecorded"
    live_story.install_spec(project.root, name)
    _, challenger = live_story.champion_and_challenger(project, name)
    run_id = registry.get_version(name, challenger).run_id
    folder = Path(mlflow.get_run(run_id).info.artifact_uri.removeprefix("file://"))
    (folder / registry.EVIDENCE_DIR / "record.json").unlink()
    assert live_gate.refusals(name, challenger) == [f"v{challenger} has no {registry.EVIDENCE_DIR}/record.json, so its live gate is unknown"]
