"""The live experiment's evidence as typed values: the lift against the holdout control
group, its value and power, the threshold advice, the live gate's evidence
(``live.json``) and the whole report (``experiment.json``).

Computed by :mod:`govern.live.experiment`, :mod:`govern.live.gate` and
:mod:`govern.live.report`, written by the one evidence writer with the same keys the
files had as plain JSON.  A rate or interval that could not be measured is ``null``
(``Finite``), never ``NaN``.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import ConfigDict, Field

from govern.evidence.evaluation import Comparison
from govern.evidence.io import Evidence, Finite, evidence_json
from govern.spec.gates import LiveGate


class Lift(Evidence):
    """Treatment minus control outcome rate among targeted customers (negative: fewer outcomes)."""

    treated: int
    control: int
    treatment_rate: Finite
    control_rate: Finite
    difference: Finite
    lower: Finite
    upper: Finite
    relative: Finite
    relative_lower: Finite
    relative_upper: Finite
    confidence: float
    note: str = ""

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")


class Value(Evidence):
    """Outcomes prevented among treated customers and what they are worth, with the lift's interval."""

    prevented: Finite
    prevented_lower: Finite
    prevented_upper: Finite
    value: Finite
    value_lower: Finite
    value_upper: Finite
    offer_cost: float


class Power(Evidence):
    """Targeted customers with matured outcomes needed to detect ``min_effect``, and how many more."""

    min_effect: float
    base_rate: float
    needed: int
    have: int
    further: int
    note: str


class ThresholdRow(Evidence):
    threshold: float
    targeted_per_batch: float
    expected_value_per_batch: Finite


class ThresholdAdvice(Evidence):
    """The threshold that maximises expected value per batch (``recommended`` is null when not measured)."""

    current: float
    recommended: Finite
    current_value: Finite
    recommended_value: Finite
    relative_effect: Finite
    capacity: int | None
    table: list[ThresholdRow]
    note: str


class Look(Evidence):
    """One look of the group-sequential test: matured targeted outcomes of the batches
    scored up to ``day``, the boundary ``bound`` on |z| (null: no alpha left) and the
    repeated confidence interval, which holds jointly over all looks."""

    day: str
    fraction: float
    treated: int
    control: int
    difference: Finite
    se: Finite
    z: Finite
    bound: Finite
    lower: Finite
    upper: Finite
    crossed: bool


class Sequential(Evidence):
    """The lift's group-sequential test (Lan-DeMets spending over the planned days)."""

    spending: str
    alpha: float
    planned_days: int
    looks: list[Look]
    crossed_on: str | None
    direction: str | None
    lower: Finite
    upper: Finite
    note: str = ""


class SampleRatio(Evidence):
    """Chi-squared test of the arms' counts against the configured control share, per batch
    (p-values Bonferroni-adjusted over the batches) and over distinct customers."""

    expected_control_share: float
    treatment: int
    control: int
    p_value: Finite
    worst_batch: str | None
    worst_batch_p_value: Finite
    threshold: float
    mismatch: bool
    note: str = ""


class Adjusted(Evidence):
    """The lift by regression adjustment on pre-treatment covariates (CUPED/CUPAC) beside the raw one."""

    covariates: list[str]
    difference: Finite
    lower: Finite
    upper: Finite
    sequential_lower: Finite
    sequential_upper: Finite
    raw_lower: Finite
    raw_upper: Finite
    variance_reduction: Finite
    note: str = ""


class GuardrailResult(Evidence):
    """One guardrail: its estimate, the sequential bound on the harmful side and the margin."""

    metric: str
    column: str | None
    estimate: Finite
    bound: Finite
    max: float
    status: str
    note: str = ""


class Cohort(Evidence):
    """One scored batch: how many were scored, whose outcomes are known and matured."""

    batch_id: str
    as_of: str
    scored: int
    matured: int
    known: int
    window_passed: bool


class LiveEvidence(Evidence):
    """``live.json``: what the live gate judges, bound to the challenger's version by :meth:`digest`.

    Days are ISO dates (``YYYY-MM-DD``); ``gate`` is the spec's live gate as it was when
    the evidence was gathered."""

    model_config = ConfigDict(frozen=True)

    model: str
    challenger_version: str
    champion_version: str
    silent_days: int
    first_silent_day: str | None
    last_batch_day: str | None
    matured_outcomes: int
    outcomes_expected_by: str | None
    comparison: Comparison | None
    gate: LiveGate
    made_on: str
    # Added later: left out of the file while empty, so earlier records keep their digest.
    comparison_lower: Finite = Field(None, exclude_if=lambda v: v is None)
    sequential: Sequential | None = Field(None, exclude_if=lambda v: v is None)
    srm: SampleRatio | None = Field(None, exclude_if=lambda v: v is None)
    guardrails: list[GuardrailResult] | None = Field(None, exclude_if=lambda v: v is None)

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")

    def digest(self) -> str:
        """SHA-256 of the evidence as strict JSON with sorted keys and no spaces: the same
        evidence has the same digest however its file was laid out (and the same digest
        as the plain-JSON ``live.json`` of earlier versions held)."""
        canonical = json.dumps(json.loads(evidence_json(self, indent=None)), sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


class PolicyArm(Evidence):
    """One policy arm against the control arm over every customer of both (not only those
    offered), so policies that offer to different customers are compared on equal terms:
    value per 1,000 customers = 1000 x (-(arm rate - control rate) x value - offered share x cost)."""

    arm: str
    customers: int
    control: int
    offered: int
    offered_share: Finite
    outcome_rate: Finite
    control_rate: Finite
    difference: Finite
    value_per_1000: Finite
    lower: Finite = Field(None, description="Fixed-horizon interval of the value per 1,000 (one look only)")
    upper: Finite = None
    sequential_lower: Finite = Field(None, description="Repeated interval of the value per 1,000, valid at every daily look")
    sequential_upper: Finite = None
    sequential: Sequential | None = None
    note: str = ""


class PolicyComparison(Evidence):
    """Policies run at once on arms drawn by the salted hash, each against control; alpha is
    split over the policy arms (Bonferroni), so the intervals hold jointly."""

    shares: dict[str, float]
    customers: dict[str, int]
    p_value: Finite = Field(None, description="Chi-squared test of the arms' customer counts against their shares")
    mismatch: bool = False
    alpha_per_arm: float
    value_per_saved_customer: float
    offer_cost: float
    arms: list[PolicyArm] = Field(default_factory=list)
    note: str = ""


class ExperimentReport(Evidence):
    """``experiment.json``: the live experiment's report beside the champion's card."""

    model: str
    made_on: str
    champion_version: str | None
    challenger_version: str | None
    predictions: int
    customers_matured: int
    customers_provisional: int
    lift: Lift
    provisional_lift: Lift
    value: Value
    power: Power
    comparison: Comparison | None
    threshold: ThresholdAdvice
    live: LiveEvidence | None
    live_gate: list[str] = Field(default_factory=list)
    cohorts: list[Cohort] = Field(default_factory=list)
    sequential: Sequential | None = None
    srm: SampleRatio | None = None
    adjusted: Adjusted | None = None
    guardrails: list[GuardrailResult] = Field(default_factory=list)
    policies: PolicyComparison | None = Field(None, exclude_if=lambda v: v is None)

    def to_dict(self) -> dict:
        return self.model_dump(mode="json")
