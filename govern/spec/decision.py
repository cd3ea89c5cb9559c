"""How a binary model's scores become decisions: the policy is part of the governed rules.

Customers meet decisions, not scores: a fixed 0.5 threshold flags nobody on a table
with 5% positives, and every gate judged on flagged rows then passes on nothing.  The
spec declares how the team acts, and training fits the threshold that policy implies on
validation rows (never the holdout), so a changed policy is a changed rule: a new
version through the same gates and approval.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from govern.spec.base import Strict

PolicyKind = Literal["threshold", "top_k", "share", "expected_value"]
POLICY_KINDS: tuple[str, ...] = ("threshold", "top_k", "share", "expected_value")


class DecisionPolicy(Strict):
    """``threshold``: act above a fixed score.  ``top_k``: act on the ``top_k`` highest of
    every batch of ``batch_size`` customers (a capacity).  ``share``: act on a fixed share of
    customers (the validation base rate when ``share`` is left out).  ``expected_value``:
    act where the benefit of a true positive outweighs the cost of a false one, with the
    threshold that maximises the value on validation rows."""

    kind: PolicyKind = Field("share", description="threshold, top_k, share or expected_value")
    threshold: float | None = Field(None, gt=0.0, lt=1.0, description="kind threshold: act on scores at or above it")
    top_k: int | None = Field(None, ge=1, description="kind top_k: customers acted on per batch (the team's capacity)")
    batch_size: int | None = Field(None, ge=1, description="kind top_k: customers scored per batch")
    share: float | None = Field(None, gt=0.0, lt=1.0, description="kind share: share of customers acted on (default: the base rate)")
    benefit_true_positive: float | None = Field(None, gt=0.0, description="kind expected_value: value of acting on a positive")
    cost_false_positive: float | None = Field(None, ge=0.0, description="kind expected_value: cost of acting on a negative")
    cost_false_negative: float = Field(0.0, ge=0.0, description="kind expected_value: cost of not acting on a positive")

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> DecisionPolicy:
        needs = {
            "threshold": ("threshold",),
            "top_k": ("top_k", "batch_size"),
            "share": (),
            "expected_value": ("benefit_true_positive", "cost_false_positive"),
        }[self.kind]
        missing = [f for f in needs if getattr(self, f) is None]
        if missing:
            raise ValueError(f"kind {self.kind} needs {' and '.join(missing)}")
        if self.kind == "top_k" and self.top_k is not None and self.batch_size is not None and self.top_k >= self.batch_size:
            raise ValueError(f"top_k {self.top_k} must be below batch_size {self.batch_size} (acting on everyone decides nothing)")
        return self

    def describe(self) -> str:
        """The policy in one phrase, for the card and the CLI."""
        if self.kind == "threshold":
            return f"act on scores at or above {self.threshold:g}"
        if self.kind == "top_k":
            return f"act on the top {self.top_k} of every {self.batch_size} customers scored"
        if self.kind == "share":
            return f"act on the top {self.share:.1%} of customers" if self.share else "act on the top share equal to the base rate"
        return (f"act where expected value is highest: {self.benefit_true_positive:g} per true positive, "
                f"{self.cost_false_positive:g} per false positive, {self.cost_false_negative:g} per missed positive")
