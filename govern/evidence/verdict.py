"""A gate's verdict: its status, one gate's result and the report over every gate
(``gates.json``), kept apart from the rules so the CLI, the audit and the card can read
verdicts without importing the numerical code behind the gates.

A gate judged on an interval is ``inconclusive`` when the interval straddles its bound;
what that means for the version is the gate's ``on_inconclusive``: ``fail`` fails the
verdict, ``acknowledge`` lets it pass but promotion needs an approval that names the
gate, ``warn`` only shows it.  An inconclusive result that names no policy fails.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field
from pydantic.dataclasses import dataclass

from govern.evidence.io import Evidence, Finite, Interval
from govern.spec.gates import OnInconclusive


class GateStatus(StrEnum):
    """The values ``gates.json``, the audit log and the ``gate.status`` tag hold
    (the tag and the report's own status are only ever passed or failed)."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_MEASURED = "not_measured"
    INCONCLUSIVE = "inconclusive"


PASSED, FAILED, NOT_MEASURED, INCONCLUSIVE = GateStatus.PASSED, GateStatus.FAILED, GateStatus.NOT_MEASURED, GateStatus.INCONCLUSIVE


@dataclass(frozen=True)
class GateResult:
    """One gate's verdict; a (validated) dataclass so checks build it positionally.

    ``mde`` is the smallest difference the evidence could detect (see
    :func:`govern.gates.threeway.minimum_detectable_effect`); ``on_inconclusive`` the
    gate's declared policy, on every result judged on an interval (read only when the
    status is ``inconclusive``).
    """

    gate: str
    kind: str
    status: GateStatus
    observed: Finite
    bound: str
    reason: str
    interval: Interval = None
    mde: Finite = None
    on_inconclusive: OnInconclusive | None = None

    @property
    def fails_verdict(self) -> bool:
        """Failed, or inconclusive where the gate says inconclusive fails (or says nothing)."""
        if self.status == INCONCLUSIVE:
            return self.on_inconclusive not in ("warn", "acknowledge")
        return self.status == FAILED

    @property
    def needs_acknowledgement(self) -> bool:
        return self.status == INCONCLUSIVE and self.on_inconclusive == "acknowledge"

    def line(self) -> str:
        """The reason as one line that names the gate, for the CLI and summaries."""
        if self.reason.lower().startswith(self.gate.lower()):
            return self.reason
        return f"{self.gate}: {self.reason}"


class GateReport(Evidence):
    """The verdict over every gate: ``passed`` when none fails it (``gates.json``)."""

    status: GateStatus
    results: list[GateResult] = Field(default_factory=list)

    @classmethod
    def judge(cls, results: list[GateResult]) -> GateReport:
        """Failed when any result fails the verdict; not measured, and inconclusive under
        ``warn`` or ``acknowledge``, are no failure."""
        return cls(status=FAILED if any(r.fails_verdict for r in results) else PASSED, results=results)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def failures(self) -> list[GateResult]:
        return [r for r in self.results if r.fails_verdict]

    @property
    def warnings(self) -> list[GateResult]:
        """Not measured, or inconclusive without failing the verdict."""
        return [r for r in self.results if r.status in (NOT_MEASURED, INCONCLUSIVE) and not r.fails_verdict]

    @property
    def inconclusive(self) -> list[GateResult]:
        return [r for r in self.results if r.status == INCONCLUSIVE]

    @property
    def needs_acknowledgement(self) -> list[str]:
        """The gates a reviewer must name when approving (inconclusive under ``acknowledge``)."""
        return [r.gate for r in self.results if r.needs_acknowledgement]

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")
