"""Monitoring's outcome as typed values (``outcome.json``): the champion judged on new data.

Built by :func:`govern.monitoring.check.check`, written by the one evidence writer beside
the monitoring reports and read back by the CLI.  The keys are those the outcome had as
plain JSON; ``status``, ``failures`` and the base rate's ``shift`` are derived, written
for the reader and recomputed, not trusted, when the file is read back.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field, computed_field

from govern.evidence.drift import DriftSummary
from govern.evidence.fairness import FairnessReport
from govern.evidence.io import Evidence, Finite, Interval
from govern.evidence.verdict import NOT_MEASURED, GateReport, GateResult, GateStatus


class MetricRow(Evidence):
    """One metric on the new data beside the champion's holdout value (intervals for the primary one)."""

    metric: str
    current: Finite
    champion_holdout: Finite
    current_interval: Interval = None
    champion_interval: Interval = None


class BaseRate(Evidence):
    """The positive rate of the champion's training rows and of the labelled new data."""

    training: Finite
    current: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def shift(self) -> float | None:
        return None if self.training is None else self.current - self.training


class MonitoringOutcome(Evidence):
    """``outcome.json``: every check judged as training judges its gates, with what it was judged on."""

    model_config = ConfigDict(validate_assignment=True)

    model: str
    champion: str
    rows: int
    labelled: bool
    drift: DriftSummary
    drift_gate: str
    findings: list[str]
    checks: list[GateResult]
    performance: dict[str, Finite] | None = None
    performance_table: list[MetricRow] = Field(default_factory=list)
    auc_bound: float | None = Field(
        None, description="Largest change of any AUC caused by flooring the scores to a grid (streamed monitoring past its budget of distinct scores); "
        "0 when every score was kept exactly, absent when not streamed or unlabelled")
    base_rate: BaseRate | None = None
    fairness: FairnessReport | None = None
    primary_metric: str = ""
    retrain_data: str = "combined"
    current: str = ""
    checked_at: str = ""
    reports: dict[str, str] = Field(default_factory=dict)

    @property
    def verdict(self) -> GateReport:
        """The checks judged as training judges its gates."""
        return GateReport.judge(self.checks)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> GateStatus:
        return self.verdict.status

    @computed_field  # type: ignore[prop-decorator]
    @property
    def failures(self) -> list[str]:
        """Why each failed check failed."""
        return [c.reason for c in self.verdict.failures]

    @property
    def not_measured(self) -> list[GateResult]:
        return [c for c in self.checks if c.status == NOT_MEASURED]

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict) -> MonitoringOutcome:
        return cls.model_validate(data)
