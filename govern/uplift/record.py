"""The uplift model's evidence record, so registration, approval and promotion govern it like any other.

An uplift model is registered as its own model, ``<model>-uplift``, so it never takes
the risk model's ``champion`` alias (which scoring reads).  Its ``record.json`` is the
platform's :class:`~govern.evidence.record.Record`: the spec as recorded (the risk
model's, renamed, with the uplift gates in place of the risk gates, so no live gate or
drift rule of the risk model is applied to it), the held-out Qini and AUUC as its
metrics with their intervals, and the uplift gates' verdict.  ``uplift.json`` holds the
whole evaluation and ``uplift.md`` the card's uplift section (Qini, AUUC, deciles,
targeting value); both are logged with the version and sealed by its evidence digest.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from govern.evidence.io import Evidence, write_evidence
from govern.evidence.record import ChampionSection, DataSection, Lineage, Metrics, Period, Record, SplitSection, Tuning
from govern.evidence.verdict import GateReport
from govern.spec.model import ModelSpec
from govern.uplift.evaluation import BESIDE, MODEL, RISK, UpliftEvaluation
from govern.uplift.gate import UpliftGates
from govern.uplift.learners import Settings
from govern.uplift.table import UpliftTable
from govern.uplift.targeting import TargetingValue

SUFFIX = "-uplift"


def uplift_name(model: str) -> str:
    return f"{model}{SUFFIX}"


class UpliftEvidence(Evidence):
    """``uplift.json``: the table, the learners, the held-out evaluation, targeting and gates."""

    model: str
    risk_model: str
    counts: dict[str, int]
    learner: str = "DR-learner over CatBoost (cross-fitted outcome models; propensity = treated share, known by design)"
    settings: dict
    evaluation: UpliftEvaluation
    targeting: list[TargetingValue] = []
    gates: GateReport


def recorded_spec(spec: ModelSpec, rules: UpliftGates) -> dict:
    raw = spec.model_dump(mode="json")
    raw.update(name=uplift_name(spec.name), task="uplift", primary_metric="qini",
               description=f"Reduction in the probability of '{spec.data.target}' that the offer causes, learnt from the {spec.name} "
                           f"experiment's treatment and control customers; ranks customers by responsiveness rather than risk.",
               gates={"uplift": rules.model_dump(mode="json"), "drift": None})
    return raw


def build_record(spec: ModelSpec, table: UpliftTable, evaluation: UpliftEvaluation, gates: GateReport, *, rules: UpliftGates,
                 settings: Settings, source: str, champion: str | None, lineage: Lineage, timings: dict[str, float]) -> Record:
    raw = recorded_spec(spec, rules)
    model = evaluation.rankings.get(MODEL)
    metrics, intervals = {}, {}
    if model is not None:
        metrics = {"qini": model.qini, "auuc": model.auuc}
        intervals = {"qini": model.qini_interval, "auuc": model.auuc_interval}
    risk = evaluation.rankings.get(RISK)
    digest = hashlib.sha256(table.frame[["customer_id", "treated", "outcome"]].to_csv(index=False).encode()).hexdigest()
    counts = table.counts()
    return Record(
        model=raw["name"], task="uplift", created_at=datetime.now(UTC).isoformat(timespec="seconds"), spec=raw,
        spec_digest=hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest(),
        gates_digest=hashlib.sha256(json.dumps(raw["gates"], sort_keys=True).encode()).hexdigest(),
        data=DataSection(source=source, rows=counts["customers"], digest=digest, features=table.features, categorical=table.categorical,
                         provenance=f"targeted customers of the {spec.name} experiment with matured outcomes: {counts['treated']} treated, "
                                    f"{counts['control']} held-out control"),
        split=SplitSection(strategy="hash", train=Period(rows=counts["train"]), valid=Period(rows=0), holdout=Period(rows=counts["held_out"]),
                           detail={"reason": "customers held out by a keyed hash of the id, stable across retraining"}),
        tuning=Tuning(study="none: fixed meta-learner settings", trials=0, params=settings.__dict__),
        metrics=Metrics(challenger=metrics, intervals=intervals, champion={"qini": risk.qini, "auuc": risk.auuc} if risk else None,
                        champion_intervals={"qini": risk.qini_interval, "auuc": risk.auuc_interval} if risk else None,
                        confidence=evaluation.confidence),
        champion=ChampionSection(version=champion, note=f"'Champion' metrics: the risk ranking ({spec.name}'s score) on the same customers"),
        leakage={"status": "not_measured"}, gates=gates, timings=timings, lineage=lineage,
    )


def _f(value, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:+.{digits}f}"


def _ci(interval, digits: int = 4) -> str:
    return "" if interval is None else f" [{interval[0]:+.{digits}f}, {interval[1]:+.{digits}f}]"


def card_section(evidence: UpliftEvidence) -> str:
    """``uplift.md``: what a reviewer needs to judge an uplift model."""
    ev = evidence.evaluation
    lines = [f"# Uplift: {evidence.model}", "",
             f"{evidence.learner}. Trained on {evidence.counts['train']} and judged on {evidence.counts['held_out']} held-out targeted customers "
             f"of the {evidence.risk_model} experiment ({ev.treated} treated, {ev.control} control held out). Uplift is the reduction of the outcome "
             f"rate the offer causes; the held-out average is {_f(ev.ate)}. Intervals: {ev.confidence:.0%} bootstrap percentiles "
             f"({ev.resamples} resamples within each arm).", "",
             "| Ranking | Qini coefficient | AUUC | AUUC if random |", "|---|---|---|---|"]
    names = {MODEL: "uplift model (DR-learner)", BESIDE: "T-learner (beside)", RISK: f"risk score ({evidence.risk_model})"}
    for name, r in ev.rankings.items():
        lines.append(f"| {names.get(name, name)} | {_f(r.qini)}{_ci(r.qini_interval)} | {_f(r.auuc)}{_ci(r.auuc_interval)} | {_f(r.auuc_random)} |")
    lines += ["", f"Qini of the model over the risk score, paired: {_f(ev.qini_over_risk)}{_ci(ev.qini_over_risk_interval)}.", "",
              "## Uplift by decile of the model's prediction", "",
              "| Decile | Customers (treated/control) | Predicted | Observed uplift |", "|---|---|---|---|"]
    for d in ev.deciles:
        lines.append(f"| {d.decile} | {d.customers} ({d.treated}/{d.control}) | {_f(d.predicted_uplift, 3)} | "
                     f"{_f(d.observed_uplift, 3)}{_ci((d.lower, d.upper) if d.lower is not None else None, 3)} |")
    if evidence.targeting:
        lines += ["", "## Targeting value per 1,000 customers", "", "| Rule | Share offered | Uplift among chosen | Value per 1,000 | True value |",
                  "|---|---|---|---|---|"]
        for t in evidence.targeting:
            truth = "unknown" if t.true_value_per_1000 is None else f"{t.true_value_per_1000:,.0f}"
            shown = "n/a" if t.value_per_1000 is None else f"{t.value_per_1000:,.0f}"
            ci = "" if t.interval is None else f" [{t.interval[0]:,.0f}, {t.interval[1]:,.0f}]"
            lines.append(f"| {t.rule} | {t.share:.0%} | {_f(t.uplift, 3)} | {shown}{ci} | {truth} |")
    lines += ["", "## Gates", ""] + [f"- [{g.status}] {g.line()}" for g in evidence.gates.results]
    return "\n".join(lines) + "\n"


def write_files(staging: Path, evidence: UpliftEvidence) -> None:
    write_evidence(staging / "uplift.json", evidence)
    (staging / "uplift.md").write_text(card_section(evidence))
