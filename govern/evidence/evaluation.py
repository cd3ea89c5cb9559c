"""The challenger's evaluation on the holdout as one typed value: its metrics with
intervals, the champion's on the same rows, their paired comparison, and how many of
those rows the champion trained on.  The score arrays ride along for the later steps
(baseline, curves, fairness) but are never persisted."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from pydantic import ConfigDict, Field

from govern.evidence.io import Evidence, Finite, Interval


@dataclass(frozen=True)
class Comparison:
    """Challenger minus champion on the same rows, oriented so positive is better."""

    metric: str
    challenger: float
    champion: float
    delta: float
    lower: float
    upper: float
    confidence: float
    resamples: int
    rows: int

    def to_dict(self) -> dict:
        return asdict(self)


class Overlap(Evidence):
    """How many holdout rows the champion trained on, and the comparison without them."""

    measured: bool
    note: str
    seen_rows: int | None = None
    share: Finite = None
    comparison_unseen: Comparison | None = None


class Evaluation(Evidence):
    """What ``champion_comparison.evaluate`` found; ``champion_*`` are None without a
    champion that could be scored, and ``note`` says why."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    metrics: dict[str, Finite]
    intervals: dict[str, Interval]
    champion_metrics: dict[str, Finite] | None = None
    champion_intervals: dict[str, Interval] | None = None
    comparison: Comparison | None = None
    overlap: Overlap | None = None
    note: str = ""
    challenger_scores: np.ndarray = Field(exclude=True, repr=False)
    champion_scores: np.ndarray | None = Field(default=None, exclude=True, repr=False)
