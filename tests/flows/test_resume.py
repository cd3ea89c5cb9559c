"""A training killed in the middle of its study resumes without losing finished trials."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
import yaml

from tests.conftest import make_project

pytestmark = pytest.mark.integration

BUDGET = 6


def _study(storage: str) -> optuna.Study | None:
    summaries = optuna.get_all_study_summaries(storage)
    return optuna.load_study(study_name=summaries[0].study_name, storage=storage) if summaries else None


def _completed_so_far(database: Path) -> int:
    """Completed trials, read without creating anything: the training may be creating
    the study's tables at this very moment, and a second creator would collide with it."""
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as con:
            return con.execute("select count(*) from trials where state = 'COMPLETE'").fetchone()[0]
    except sqlite3.OperationalError:  # tables not there yet, or held by a writer
        return 0


def _finished(study: optuna.Study | None) -> dict[int, float]:
    if study is None:
        return {}
    return {t.number: t.value for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))}


def test_killed_training_resumes_and_keeps_finished_trials(tmp_path):
    root = make_project(tmp_path, rows=800, specs=("churn",))
    spec_path = root / "models" / "churn.yaml"
    raw = yaml.safe_load(spec_path.read_text())
    raw["tuning"].update(trials=BUDGET, iterations=400, early_stopping_rounds=400, pruner="none")
    spec_path.write_text(yaml.safe_dump(raw, sort_keys=False))
    storage = f"sqlite:///{root / 'mlruns' / 'govern.db'}"
    env = dict(os.environ, GOVERN_HOME=str(root))
    env.pop("MLFLOW_TRACKING_URI", None)
    command = [sys.executable, "-m", "govern.cli", "train", "churn"]

    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.5)
            if _completed_so_far(root / "mlruns" / "govern.db") >= 2:
                break
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
    before = _finished(_study(storage))
    assert first.returncode == -signal.SIGKILL, "the training ended before it could be killed mid-study"
    assert 2 <= len(before) < BUDGET

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode in (0, 3), second.stderr

    study = _study(storage)
    after = _finished(study)
    assert {n: after.get(n) for n in before} == before, "finished trials were lost or changed"
    counted = [t for t in study.trials if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)]
    assert len(counted) == BUDGET
    assert not study.get_trials(states=(optuna.trial.TrialState.RUNNING,)), "an orphaned trial was left running"
    orphans = study.get_trials(states=(optuna.trial.TrialState.FAIL,))
    retries = [t for t in study.trials if str(t.user_attrs.get("source", "")).startswith("retry of trial")]
    assert len(retries) == len(orphans)
