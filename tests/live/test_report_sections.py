"""The report shows each look with its boundary and repeated interval, the adjusted and raw
intervals side by side, the guardrails, and withholds its conclusions on a sample-ratio
mismatch with one clear line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from govern.evidence.live import ExperimentReport
from govern.live import cuped, guardrails, sequential, srm
from govern.live import report as experiment_report
from tests.live.test_experiment import _report
from tests.live.test_guardrails_gate import COST, START, _exp, _units


def _full(mismatch: bool) -> ExperimentReport:
    units = _units(-0.12).assign(champion_score=lambda f: np.random.default_rng(0).uniform(0.1, 0.9, len(f)))
    seq = sequential.lift_test(units, START, 20, 0.05)
    scored = pd.DataFrame({"batch_id": "b1", "customer_id": np.arange(1000).astype(str),
                           "arm": np.where(np.arange(1000) < (120 if mismatch else 200), "control", "treatment")})
    return _report(None).model_copy(update={
        "sequential": seq, "srm": srm.check(scored, 0.2, 0.001), "guardrails": guardrails.evaluate(_exp(COST), units, seq),
        "adjusted": cuped.lift(units, ["champion_score"], 0.95, sequential.current_bound(seq))})


def test_the_report_shows_every_look_the_adjusted_interval_and_the_guardrails(tmp_path):
    report = _full(mismatch=False)
    md = experiment_report.markdown(report, {})
    assert md.count("| 2026-08-") >= 20 + 1  # twenty looks, and the cohort
    first, last = report.sequential.looks[0], report.sequential.looks[-1]
    assert f"| {first.day} | 5% | {first.treated} | {first.control} |" in md and "| 100% |" in md and last.bound is not None
    assert "crossed on" in md and "| raw |" in md and "| adjusted |" in md and "variance of the lift reduced by" in md
    assert "| cost_per_retained_customer |" in md and "passed" in md
    assert "Sample ratio: 200 control and 800 treatment" in md and "WITHHELD" not in md
    paths = experiment_report.write(report, {}, tmp_path)
    assert ExperimentReport.model_validate(json.loads(paths["json"].read_text())) == report


def test_a_sample_ratio_mismatch_withholds_the_conclusions_in_one_line():
    md = experiment_report.markdown(_full(mismatch=True), {})
    [line] = [x for x in md.splitlines() if "WITHHELD" in x]
    assert line.startswith("**CONCLUSIONS WITHHELD: sample-ratio mismatch over 1000 customers") and "12.0%" in line
