"""The fairness report as typed values: one block per sensitive feature (and their
intersection), each with its group rows, disparities, intervals and the reasons a
group or a disparity does not count.

Built by :func:`govern.checks.fairness.assess.assess_fairness`, kept in ``record.json`` and
``fairness.json`` with the same field names the report had as plain JSON, and read by
attribute by the gates, the card, the pictures and monitoring.  A group's metric that
is not a finite number is ``null`` (``Finite``), so a rate with nothing to divide by is
never read as 0.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from pydantic import Field

from govern.evidence.io import Evidence, Finite, Interval

INTERSECTION_SEPARATOR = "&"


class BinaryOverall(Evidence):
    """The rates over every row of the holdout, with their intervals."""

    selection_rate: Finite
    true_positive_rate: Finite
    false_positive_rate: Finite
    precision: Finite
    roc_auc: Finite
    count: int
    intervals: dict[str, Interval] = Field(default_factory=dict)


class RegressionOverall(Evidence):
    """The means over every row of the holdout, with their intervals."""

    mae: Finite
    mean_prediction: Finite
    mean_target: Finite
    count: int
    intervals: dict[str, Interval] = Field(default_factory=dict)


class BinaryGroup(Evidence):
    """One group's rates; ``insufficient`` names each metric the evidence rule does not
    let count in a disparity, with the reason ("8 positives < 10")."""

    group: str
    size: int
    count: int
    positives: int
    negatives: int
    small: bool
    insufficient: dict[str, str] = Field(default_factory=dict)
    selection_rate: Finite
    true_positive_rate: Finite
    false_positive_rate: Finite
    precision: Finite
    roc_auc: Finite
    intervals: dict[str, Interval] = Field(default_factory=dict)


class RegressionGroup(Evidence):
    """One group's means of absolute error, prediction and target."""

    group: str
    size: int
    count: int
    small: bool
    insufficient: dict[str, str] = Field(default_factory=dict)
    mae: Finite
    mean_prediction: Finite
    mean_target: Finite
    intervals: dict[str, Interval] = Field(default_factory=dict)


class GroupsCounted(Evidence):
    """The groups that meet each evidence rule: enough rows, enough of each class."""

    rows: list[str] = Field(default_factory=list)
    classes: list[str] = Field(default_factory=list)


class FeatureFairness(Evidence):
    """One sensitive feature's (or intersection's) block; a disparity left with too few
    groups is ``null`` with a note, and a gate on it fails as not measured."""

    groups: list[BinaryGroup] | list[RegressionGroup]
    disparities: dict[str, Finite] = Field(default_factory=dict)
    intervals: dict[str, Interval] = Field(default_factory=dict)
    notes: dict[str, str] = Field(default_factory=dict)
    overall: BinaryOverall | RegressionOverall
    groups_counted: GroupsCounted = Field(default_factory=GroupsCounted)
    small_groups: list[str] = Field(default_factory=list)
    insufficient_evidence: dict[str, str] = Field(default_factory=dict)
    excluded_from_disparities: list[str] = Field(default_factory=list)
    note: str | None = None

    def group(self, label: str) -> BinaryGroup | RegressionGroup | None:
        return next((g for g in self.groups if g.group == label), None)


class DisparityEvidence(NamedTuple):
    """What a gate on one disparity reads: the value, its interval, and why either is missing."""

    value: float | None
    interval: tuple[float, float] | None
    note: str | None


class FairnessReport(Evidence):
    """Per-group metrics, disparities and bootstrap intervals of one model's outputs."""

    task: Literal["binary", "regression"]
    min_group_size: int
    min_class_size: int
    confidence: float
    resamples: int
    seed: int
    interval_method: str = ""
    features: dict[str, FeatureFairness] = Field(default_factory=dict)

    def feature(self, name: str) -> FeatureFairness | None:
        """The block of ``name``; an intersection may be named in any column order."""
        if name in self.features:
            return self.features[name]
        wanted = frozenset(name.split(INTERSECTION_SEPARATOR))
        return next((b for n, b in self.features.items() if frozenset(n.split(INTERSECTION_SEPARATOR)) == wanted), None)

    def evidence(self, feature: str, metric: str) -> DisparityEvidence:
        """The disparity ``metric`` by ``feature``, or None with the reason it was not measured."""
        block = self.feature(feature)
        if block is None:
            known = ", ".join(self.features) or "none"
            return DisparityEvidence(None, None, f"'{feature}' was not assessed (assessed: {known})")
        if metric not in block.disparities:
            return DisparityEvidence(None, None, f"'{metric}' does not apply to a {self.task} task")
        value = block.disparities[metric]
        note = block.notes.get(metric)
        if value is None and not note:
            note = "undefined for the groups assessed"
        return DisparityEvidence(value, block.intervals.get(metric), note)


def fairness_evidence(report: FairnessReport | None, feature: str, metric: str) -> DisparityEvidence:
    """What a gate on ``metric`` by ``feature`` reads: ``value``, ``interval`` and, when
    either is missing, a ``note`` saying why.  Never raises for missing evidence."""
    if report is None:
        return DisparityEvidence(None, None, "no fairness report (no sensitive feature in the scored rows)")
    return report.evidence(feature, metric)
