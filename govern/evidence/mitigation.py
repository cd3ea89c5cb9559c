"""A mitigated candidate as a typed value: what was fitted, what was left out and why,
its holdout metrics and fairness report, and the gates' verdict on it beside the tuned
model.

Built by :func:`govern.mitigation.candidates.mitigated_candidate`, judged by
:func:`govern.mitigation.candidates.judge_mitigated`, kept in ``record.json`` (``mitigation``) and
``fairness.json`` (``mitigated``) with the field names the plain JSON had.  A method
that could not run is ``not_applicable`` with its reason and no scores, never a crash.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from govern.evidence.fairness import FairnessReport
from govern.evidence.io import Evidence, Finite
from govern.evidence.verdict import GateReport


class MitigationStatus(StrEnum):
    """``fitted`` once scored, ``judged`` once the gates ran on it, ``not_applicable`` when it could not run."""

    FITTED = "fitted"
    JUDGED = "judged"
    NOT_APPLICABLE = "not_applicable"


class MitigationResult(Evidence):
    """One mitigation method's candidate; ``comparison`` maps a row name ("roc_auc",
    "equalized_odds_difference by gender") to ``[tuned model, candidate]``."""

    method: str
    constraint: str
    status: MitigationStatus
    reason: str | None = None
    notes: list[str] = Field(default_factory=list)
    excluded_groups: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, Finite] | None = None
    fairness: FairnessReport | None = None
    gates: GateReport | None = None
    comparison: dict[str, tuple[Finite, Finite]] | None = None

    @property
    def applicable(self) -> bool:
        return self.status != MitigationStatus.NOT_APPLICABLE and self.metrics is not None

    def changed(self, **fields) -> MitigationResult:
        """A validated copy with ``fields`` replaced (``model_copy`` would skip validation)."""
        return MitigationResult(**{**dict(self), **fields})

    def line(self) -> str:
        """One line for the flow's summary: the verdict, or why it was not applicable."""
        verdict = self.gates.status.value if self.gates is not None else f"not applicable: {self.reason}"
        return f"{self.method}: {verdict}"
