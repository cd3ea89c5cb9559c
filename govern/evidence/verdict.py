"""A gate's verdict: its status, one gate's result and the report over every gate
(``gates.json``), kept apart from the rules so the CLI, the audit and the card can read
verdicts without importing the numerical code behind the gates."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field
from pydantic.dataclasses import dataclass

from govern.evidence.io import Evidence, Finite, Interval


class GateStatus(StrEnum):
    """The values ``gates.json``, the audit log and the ``gate.status`` tag hold."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_MEASURED = "not_measured"


PASSED, FAILED, NOT_MEASURED = GateStatus.PASSED, GateStatus.FAILED, GateStatus.NOT_MEASURED


@dataclass(frozen=True)
class GateResult:
    """One gate's verdict; a (validated) dataclass so checks build it positionally."""

    gate: str
    kind: str
    status: GateStatus
    observed: Finite
    bound: str
    reason: str
    interval: Interval = None


class GateReport(Evidence):
    """The verdict over every gate: ``passed`` when none failed (``gates.json``)."""

    status: GateStatus
    results: list[GateResult] = Field(default_factory=list)

    @classmethod
    def judge(cls, results: list[GateResult]) -> GateReport:
        """The verdict over ``results``: failed when any failed (not measured is no failure)."""
        return cls(status=FAILED if any(r.status == FAILED for r in results) else PASSED, results=results)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def failures(self) -> list[GateResult]:
        return [r for r in self.results if r.status == FAILED]

    @property
    def warnings(self) -> list[GateResult]:
        return [r for r in self.results if r.status == NOT_MEASURED]

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")
