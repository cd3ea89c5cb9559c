"""How a binary model's scores become decisions: the policy is part of the governed rules.

Customers meet decisions, not scores: a fixed 0.5 threshold flags nobody on a table
with 5% positives, and every gate judged on flagged rows then passes on nothing.  The
spec declares how the team acts, and training fits the threshold that policy implies on
validation rows (never the holdout), so a changed policy is a changed rule: a new
version through the same gates and approval.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from govern.spec.base import Strict

PolicyKind = Literal["threshold", "top_k", "share", "expected_value", "incremental_value"]
POLICY_KINDS: tuple[str, ...] = ("threshold", "top_k", "share", "expected_value", "incremental_value")


class DecisionPolicy(Strict):
    """``threshold``: act above a fixed score.  ``top_k``: act on the ``top_k`` highest of
    every batch of ``batch_size`` customers (a capacity).  ``share``: act on a fixed share of
    customers (the validation base rate when ``share`` is left out).  ``expected_value``:
    act where the benefit of a true positive outweighs the cost of a false one, with the
    threshold that maximises the value on validation rows.  ``incremental_value``: act where
    the offer is worth its cost, by the reduction in the outcome it causes (the promoted
    ``<model>-uplift`` champion's prediction) times ``value_per_outcome_prevented`` minus
    ``offer_cost``, highest first and at most ``capacity`` per batch; until an uplift model
    is promoted the risk model acts on the top share equal to the base rate."""

    kind: PolicyKind = Field("share", description="threshold, top_k, share, expected_value or incremental_value")
    threshold: float | None = Field(None, gt=0.0, lt=1.0, description="kind threshold: act on scores at or above it")
    top_k: int | None = Field(None, ge=1, description="kind top_k: customers acted on per batch (the team's capacity)")
    batch_size: int | None = Field(None, ge=1, description="kind top_k: customers scored per batch")
    share: float | None = Field(None, gt=0.0, lt=1.0, description="kind share: share of customers acted on (default: the base rate)")
    benefit_true_positive: float | None = Field(None, gt=0.0, description="kind expected_value: value of acting on a positive")
    cost_false_positive: float | None = Field(None, ge=0.0, description="kind expected_value: cost of acting on a negative")
    cost_false_negative: float = Field(0.0, ge=0.0, description="kind expected_value: cost of not acting on a positive")
    value_per_outcome_prevented: float | None = Field(None, gt=0.0, description="kind incremental_value: value of one outcome the offer prevents")
    offer_cost: float | None = Field(None, ge=0.0, description="kind incremental_value: cost of making the offer to one customer")
    capacity: int | None = Field(None, ge=1, description="kind incremental_value: most customers acted on per batch (none: no limit)")

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> DecisionPolicy:
        needs = {
            "threshold": ("threshold",),
            "top_k": ("top_k", "batch_size"),
            "share": (),
            "expected_value": ("benefit_true_positive", "cost_false_positive"),
            "incremental_value": ("value_per_outcome_prevented", "offer_cost"),
        }[self.kind]
        missing = [f for f in needs if getattr(self, f) is None]
        if missing:
            raise ValueError(f"kind {self.kind} needs {' and '.join(missing)}")
        if self.kind == "top_k" and self.top_k is not None and self.batch_size is not None and self.top_k >= self.batch_size:
            raise ValueError(f"top_k {self.top_k} must be below batch_size {self.batch_size} (acting on everyone decides nothing)")
        return self

    def incremental_decisions(self, reduction) -> np.ndarray:
        """Whom the ``incremental_value`` rule acts on in one batch: predicted ``reduction``
        of the outcome x value - cost above zero, the highest values first, at most
        ``capacity`` of them (ties at the capacity broken by position)."""
        gain = np.asarray(reduction, float) * float(self.value_per_outcome_prevented or 0) - float(self.offer_cost or 0)
        act = np.zeros(len(gain), dtype=bool)
        order = np.argsort(-gain, kind="stable")
        order = order[gain[order] > 0]
        act[order[: self.capacity] if self.capacity else order] = True
        return act

    def describe(self) -> str:
        """The policy in one phrase, for the card and the CLI."""
        if self.kind == "threshold":
            return f"act on scores at or above {self.threshold:g}"
        if self.kind == "top_k":
            return f"act on the top {self.top_k} of every {self.batch_size} customers scored"
        if self.kind == "share":
            return f"act on the top {self.share:.1%} of customers" if self.share else "act on the top share equal to the base rate"
        if self.kind == "incremental_value":
            return (f"act where the predicted reduction x {self.value_per_outcome_prevented:g} - {self.offer_cost:g} > 0, highest first"
                    + (f", at most {self.capacity} per batch" if self.capacity else ""))
        return (f"act where expected value is highest: {self.benefit_true_positive:g} per true positive, "
                f"{self.cost_false_positive:g} per false positive, {self.cost_false_negative:g} per missed positive")
