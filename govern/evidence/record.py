"""The shape of ``record.json``: the evidence record of one challenger, as pydantic models.

The record is built once by ``govern.card.record``, written by the one evidence writer and
read back (the champion's, a version whose card is re-rendered, monitoring's
reference) through :func:`parse_record`, which refuses a record that does not match
this shape instead of letting a missing key read as missing evidence.  The JSON Schema
published with the package (``govern/evidence/schemas/record.schema.json``) is generated from
:class:`Record`.  Blocks that only the card and its pictures read (curves,
explanations, representation, leakage detail) are kept as JSON
objects; everything a gate, a decision or a comparison reads is typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from govern.core.errors import GovernError
from govern.evidence.decision import Decision, threshold_of
from govern.evidence.drift import DriftSummary
from govern.evidence.evaluation import Comparison, Overlap
from govern.evidence.fairness import FairnessReport
from govern.evidence.io import Evidence, Finite, Interval, first_problem
from govern.evidence.mitigation import MitigationResult
from govern.evidence.verdict import GateReport

JsonBlock = dict[str, Any]
Scalar = str | int | float | bool


class RecordedSpec(Evidence):
    """The spec as it was when the challenger was judged; fields beyond these are kept as
    recorded (the card reads them), so an older spec still reads back."""

    model_config = ConfigDict(extra="allow")

    name: str
    task: str
    description: str = ""
    primary_metric: str
    decision_threshold: float | None = Field(None, description="Older records: the fixed threshold before decision policies")
    gates: JsonBlock | None = None


class Labels(Evidence):
    """Which label is the positive class (1) and which the negative (0)."""

    positive: Scalar
    negative: Scalar
    declared: bool = False


class Period(Evidence):
    """One part of the split: rows, dates when there is a time column, base rate or mean."""

    rows: int
    start: str | None = None
    end: str | None = None
    positive_rate: Finite = None
    target_mean: Finite = None


class SplitSection(Evidence):
    strategy: str
    train: Period
    valid: Period
    holdout: Period
    detail: JsonBlock = Field(default_factory=dict)


class Tuning(Evidence):
    study: str
    trials: int
    pruned: int = 0
    params: dict[str, Any] = Field(default_factory=dict)
    iterations: int | None = None
    refit_iterations: int | None = None
    seconds: Finite = None
    best_validation: Finite = None


class Metrics(Evidence):
    """Holdout metrics of challenger and champion on the same rows, with intervals."""

    challenger: dict[str, Finite]
    intervals: dict[str, Interval] = Field(default_factory=dict)
    champion: dict[str, Finite] | None = None
    champion_intervals: dict[str, Interval] | None = None
    confidence: float = 0.95


class ChampionSection(Evidence):
    version: str | None = None
    comparison: Comparison | None = None
    note: str = ""


class OverlapSection(Evidence):
    salt: str | None = None
    champion: Overlap | None = None


class RuleChangesSection(Evidence):
    against: str | None = None
    changes: list[str] = Field(default_factory=list)
    note: str = ""


class DataSection(Evidence):
    source: str
    rows: int
    digest: str
    features: list[str]
    categorical: list[str] = Field(default_factory=list)
    types: dict[str, str] = Field(default_factory=dict)
    provenance: str = ""
    build: JsonBlock | None = None


class BaselineSection(Evidence):
    """The simple model the flow fitted beside the challenger, and their comparison."""

    kind: str
    fitted: bool
    note: str = ""
    metrics: dict[str, Finite] = Field(default_factory=dict)
    intervals: dict[str, Interval] = Field(default_factory=dict)
    comparison: Comparison | None = None
    chosen_on_validation: dict[str, Finite] = Field(default_factory=dict)


class Lineage(Evidence):
    git_commit: str = "unknown"
    flow_run: str = "none"
    mlflow_run: str | None = None
    experiment: str | None = None
    tracking_uri: str | None = None


class Record(Evidence):
    """Everything a challenger's card, its gates and an auditor read (``record.json``)."""

    model: str
    task: str
    version: int | None = None
    created_at: str
    spec: RecordedSpec
    spec_digest: str
    gates_digest: str | None = None
    rule_changes: RuleChangesSection | None = None
    data: DataSection
    labels: Labels | None = None
    decision: Decision | None = None
    split: SplitSection
    tuning: Tuning
    metrics: Metrics
    champion: ChampionSection
    baseline: BaselineSection | None = None
    clv_baseline: JsonBlock | None = None
    curves: JsonBlock | None = None
    explanations: JsonBlock | None = None
    software: dict[str, str] = Field(default_factory=dict)
    overlap: OverlapSection | None = None
    leakage: JsonBlock | None = None
    fairness: FairnessReport | None = None
    representation: JsonBlock | None = None
    mitigation: list[MitigationResult] | None = None
    drift: DriftSummary | None = None
    gates: GateReport
    timings: dict[str, float] = Field(default_factory=dict)
    lineage: Lineage = Field(default_factory=Lineage)
    crosswalk: JsonBlock | None = Field(
        None, exclude_if=lambda v: v is None,
        description="With card.frameworks: the regulatory crosswalk the card shows, with its mapping version (govern.card.frameworks)",
    )

    @property
    def threshold(self) -> float:
        """The score at or above which this version acts."""
        return threshold_of(self.decision, self.spec.decision_threshold)


class FairnessEvidence(Evidence):
    """``fairness.json``: the challenger's per-group report and the mitigated candidates."""

    challenger: FairnessReport | None
    mitigated: list[MitigationResult] | None = None


def parse_record(text: str | bytes, source: str | Path) -> Record:
    """``text`` as a :class:`Record`; anything else is refused in one line naming
    ``source`` and the first problem, so a broken record never counts as evidence."""
    try:
        return Record.model_validate_json(text)
    except ValidationError as exc:
        raise GovernError(f"{source} is not a valid evidence record: {first_problem(exc)}") from None


def read_record_file(path: Path) -> Record:
    return parse_record(Path(path).read_bytes(), path)
