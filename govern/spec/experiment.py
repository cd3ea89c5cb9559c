"""What the spec says about the live experiment: arms, the control group, the outcome
window, the sequential plan, the sample-ratio check, guardrails and the economics."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from govern.spec.base import Strict


class Guardrail(Strict):
    """A metric the offer must not harm beyond ``max`` (non-inferiority), judged on its
    sequential bound: ``cost_per_retained_customer`` (offer cost per outcome prevented),
    ``rate_increase`` (treatment minus control rate of a 0/1 ``column`` of the live data,
    e.g. an opt-out flag) or ``treated_disparity`` (largest gap in outcome rate between the
    groups of ``column`` among treated customers).  Not measured blocks."""

    metric: Literal["cost_per_retained_customer", "rate_increase", "treated_disparity"]
    column: str | None = Field(None, description="The 0/1 column (rate_increase) or the group column (treated_disparity)")
    max: float = Field(gt=0.0, description="Non-inferiority margin: the bound must stay at or below it")

    @model_validator(mode="after")
    def _column(self) -> Guardrail:
        if self.metric != "cost_per_retained_customer" and not self.column:
            raise ValueError(f"guardrail {self.metric} needs a column")
        return self


class ExperimentSpec(Strict):
    """The live experiment: a holdout control group chosen by a salted hash of the
    customer id, the outcome window, and the economics of acting on a score."""

    control_share: float = Field(0.1, gt=0.0, lt=0.5, description="Share of customers held out of every audience")
    salt: str = Field(min_length=1, description="Changing it reshuffles the arms: keep it for the experiment's life")
    outcome_window_days: int = Field(30, ge=1, description="Days after scoring before an outcome counts as matured")
    outcome_date_column: str = "outcome_date"
    min_effect: float = Field(0.02, gt=0.0, lt=1.0, description="Smallest absolute change in outcome rate worth detecting")
    power: float = Field(0.8, gt=0.5, lt=1.0)
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    offer_cost: float = Field(0.0, ge=0.0, description="Cost of acting on one customer")
    value_per_saved_customer: float = Field(gt=0.0, description="Value of one outcome prevented (e.g. a customer's CLV)")
    capacity: int | None = Field(None, ge=1, description="Most customers that can be acted on per daily batch")
    planned_days: int = Field(28, ge=1, description="Daily batches the experiment is planned to run: the group-sequential test spends its alpha over them")
    spending: Literal["obrien_fleming", "pocock"] = Field("obrien_fleming", description="Lan-DeMets alpha-spending function of the sequential test")
    srm_p_value: float = Field(0.001, gt=0.0, lt=0.5, description="Sample-ratio mismatch below this p-value blocks the report's conclusions and the live gate")
    guardrails: list[Guardrail] = Field(default_factory=list)
    arms: dict[Literal["control", "risk", "uplift"], float] | None = Field(
        None, description="Policies compared live on arms drawn by the salted hash, e.g. {risk: 0.4, uplift: 0.4, control: 0.2}:"
        " risk acts by the champion's recorded policy, uplift by incremental value from the <model>-uplift champion, control never;"
        " control_share follows the control arm")

    @model_validator(mode="before")
    @classmethod
    def _control_share_from_arms(cls, data):
        if isinstance(data, dict) and isinstance(data.get("arms"), dict) and "control" in data["arms"] and "control_share" not in data:
            data = {**data, "control_share": data["arms"]["control"]}
        return data

    @model_validator(mode="after")
    def _arms_add_up(self) -> ExperimentSpec:
        if self.arms is None:
            return self
        if "control" not in self.arms or len(self.arms) < 2:
            raise ValueError("experiment.arms needs a control arm and at least one policy arm")
        if any(share <= 0 for share in self.arms.values()) or abs(sum(self.arms.values()) - 1) > 1e-9:
            raise ValueError(f"experiment.arms shares must be positive and sum to 1 (they sum to {sum(self.arms.values()):g})")
        if abs(self.arms["control"] - self.control_share) > 1e-12:
            raise ValueError(f"experiment.control_share {self.control_share:g} differs from arms.control {self.arms['control']:g}")
        return self
