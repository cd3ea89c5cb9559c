"""The fitted decision policy of one version: the threshold it acts at and what that does.

Recorded with the version, so every threshold-dependent metric, fairness gate, live
audience and monitoring check reads the same decisions, and a reviewer sees whom the
policy flags in each group before approving it.
"""

from __future__ import annotations

from pydantic import Field

from govern.evidence.io import Evidence, Finite, Interval

LEGACY_THRESHOLD = 0.5


class GroupShare(Evidence):
    """How many customers of one group the policy flags on the holdout, with a Wilson interval."""

    group: str
    rows: int
    flagged: int
    share: Finite
    interval: Interval = None


class Decision(Evidence):
    """The policy as declared, the threshold fitted on validation rows, and its effect."""

    kind: str
    policy: str = Field(description="The declared policy in words")
    threshold: float = Field(description="Scores at or above it are acted on")
    fitted_on: str = Field("validation", description="The rows the threshold was fitted on (never the holdout)")
    fitted_rows: int = 0
    validation_share: Finite = None
    holdout_share: Finite = None
    holdout_interval: Interval = None
    expected_value_per_customer: Finite = Field(None, description="Holdout value per customer scored (kind expected_value)")
    expected_value_interval: Interval = None
    groups: dict[str, list[GroupShare]] = Field(default_factory=dict, description="Holdout share flagged per group of each sensitive feature")
    note: str | None = None


def threshold_of(decision: Decision | None, legacy: float | None = None) -> float:
    """The threshold a recorded version acts at: its fitted policy, else the older
    record's ``decision_threshold``, else the 0.5 every version used before policies."""
    if decision is not None:
        return decision.threshold
    return LEGACY_THRESHOLD if legacy is None else float(legacy)
