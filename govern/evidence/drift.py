"""The drift evidence as typed values: each column's verdict and the summary the gate,
the record and the card read, measured or, with nothing later to compare, not measured."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from govern.evidence.io import Evidence, Finite


class ColumnDrift(Evidence):
    """One column's drift statistic and Evidently's (or the same scipy call's) verdict."""

    method: str
    method_label: str = ""
    kind: Literal["distance", "p_value"]
    score: Finite = None
    threshold: Finite = None
    drifted: bool


class ReportRows(Evidence):
    """How many rows per side the HTML report was drawn from."""

    reference: int
    current: int


class DriftSummary(Evidence):
    """Training rows against later data; ``measured`` is false when there was none,
    and then the share is null, never 0%."""

    measured: bool = True
    reason: str | None = None
    title: str = ""
    current_label: str | None = None
    reference_rows: int | None = None
    current_rows: int | None = None
    drifted_share: Finite = None
    drifted_count: int | None = None
    column_count: int | None = None
    columns: dict[str, ColumnDrift] = Field(default_factory=dict)
    drifted_columns: list[str] = Field(default_factory=list)
    report_rows: ReportRows | None = None
    report_agrees: bool | None = None
    html_path: str | None = Field(default=None, exclude=True)
    json_path: str | None = Field(default=None, exclude=True)


class DriftEvidence(Evidence):
    """``drift.json``: our summary beside Evidently's own snapshot."""

    summary: DriftSummary
    evidently: dict[str, Any]


def not_measured(reason: str) -> DriftSummary:
    """The drift summary when there is nothing later to compare the training rows with:
    the gate reads it as "not measured", never as "0% drifted"."""
    return DriftSummary(measured=False, reason=reason, current_label="nothing later")
