"""The gates section of a model spec: what a challenger must meet, and how each rule
fails closed when its evidence is missing or too thin to decide.

Every gate judged on an estimate with an interval (metric, champion, baseline,
fairness) is three-way: passed when the interval lies wholly on the good side of the
bound, failed when wholly on the bad side, inconclusive when it straddles the bound.
``on_inconclusive`` says what an inconclusive verdict does: ``fail`` (the version is
not eligible), ``acknowledge`` (eligible only with an approval that names the gate) or
``warn`` (shown, no effect).  The defaults are fail-closed for promotion: ``fail`` for
metric, champion and baseline gates (a floor or a non-inferiority the holdout cannot
show is not met, as before), ``acknowledge`` for fairness gates (small groups make wide
intervals; a reviewer decides, on the record).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from govern.spec.base import Strict

OnInconclusive = Literal["warn", "fail", "acknowledge"]
INCONCLUSIVE_HELP = "What an interval straddling the bound does: fail (not eligible), acknowledge (needs the reviewer to name the gate), warn"


class MetricGate(Strict):
    """A floor or ceiling on a holdout metric, judged on its bootstrap interval."""

    metric: str
    min: float | None = None
    max: float | None = None
    on_inconclusive: OnInconclusive = Field("fail", description=INCONCLUSIVE_HELP)

    @model_validator(mode="after")
    def _bound(self) -> MetricGate:
        if self.min is None and self.max is None:
            raise ValueError(f"gate on {self.metric} needs min or max")
        return self


class ChampionGate(Strict):
    """The challenger must not be worse than the champion by more than ``margin``,
    judged on the lower confidence bound of a paired bootstrap of the difference."""

    metric: str
    margin: float = Field(0.0, ge=0.0, description="Tolerated loss, in metric units")
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    resamples: int = Field(1000, ge=100)
    on_inconclusive: OnInconclusive = Field("fail", description=INCONCLUSIVE_HELP)


class FairnessGate(Strict):
    """A ceiling or floor on one disparity, judged three-way on its bootstrap interval.

    ``judge`` is superseded and has no effect on how the interval is read; it is accepted
    so older specs load.  ``judge: bound`` without ``on_inconclusive`` keeps its old
    verdicts by meaning ``on_inconclusive: fail``; otherwise the default is ``acknowledge``.
    """

    feature: str
    metric: str
    max: float | None = None
    min: float | None = None
    judge: Literal["point", "bound"] = Field("point", description="Superseded by three-way verdicts (no effect); bound without on_inconclusive means fail")
    on_inconclusive: OnInconclusive = Field("acknowledge", description=INCONCLUSIVE_HELP)

    @model_validator(mode="before")
    @classmethod
    def _old_judge(cls, data):
        if isinstance(data, dict) and data.get("judge") == "bound" and "on_inconclusive" not in data:
            data = {**data, "on_inconclusive": "fail"}
        return data

    @model_validator(mode="after")
    def _bound(self) -> FairnessGate:
        if self.min is None and self.max is None:
            raise ValueError(f"fairness gate on {self.metric} by {self.feature} needs min or max")
        return self


class DriftGate(Strict):
    max_drifted_share: float = Field(0.5, ge=0.0, le=1.0)
    must_not_drift: list[str] = Field(default_factory=list)
    numerical_method: str | None = Field(None, description="Evidently stattest for numeric columns, e.g. wasserstein, psi, ks")
    categorical_method: str | None = Field(None, description="Evidently stattest for categorical columns, e.g. jensenshannon, psi, chisquare")
    threshold: float | None = Field(None, gt=0.0, description="Drift threshold for both methods (a distance, or a p-value for tests)")
    when_unmeasured: Literal["warn", "fail"] = Field(
        "warn", description="What the gate does when there is no later data to compare with (a random split, no --recent)"
    )


class LeakageGate(Strict):
    """Signal too strong to be true: one feature that alone predicts the target, one
    feature that carries the model, or a gain over the champion beyond belief."""

    enabled: bool = True
    max_univariate_auc: float = Field(0.9, gt=0.5, le=1.0, description="Binary: ceiling on one feature's ROC AUC (folded: max(a, 1-a)) on training rows")
    max_rank_correlation: float = Field(0.9, gt=0.0, le=1.0, description="Regression: ceiling on one feature's |Spearman correlation| with the target")
    max_importance_share: float = Field(
        0.7,
        gt=0.0,
        le=1.0,
        description=(
            "Ceiling on one feature's share of CatBoost's feature importance. 0.7, not 0.6: across the demo search spaces"
            " an honest feature reaches 0.60 (clv's monthly_spend with shallow trees) and a copy of the label 0.83 or more"
        ),
    )
    max_gain_over_champion: float | None = Field(None, gt=0.0, description="Ceiling on the primary metric's gain over the champion, in metric units")
    acknowledged: list[str] = Field(default_factory=list, description="Columns reviewed and accepted despite strong signal")


SuccessMetric = Literal["lift", "challenger"]


def _lift_only() -> list[SuccessMetric]:
    return ["lift"]


class LiveGate(Strict):
    """A challenger watched silently on live customers must have been watched long
    enough, on enough matured outcomes, and its live difference from the champion
    (lower confidence bound, paired bootstrap, widened to the sequential boundary) must not
    fall below ``-margin``; a success metric must improve and every guardrail of the
    experiment be non-inferior."""

    min_silent_days: int = Field(14, ge=1, description="Distinct daily batches the challenger must have scored silently")
    min_matured_outcomes: int = Field(500, ge=10, description="Matured outcomes of untreated (control) customers scored by both models")
    metric: str = "roc_auc"
    margin: float = Field(0.0, ge=0.0, description="Tolerated loss, in metric units")
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    resamples: int = Field(500, ge=100)
    success: list[SuccessMetric] = Field(
        default_factory=_lift_only, min_length=1, exclude_if=lambda v: v == ["lift"],  # left out at its default: records keep their digest
        description="At least one must improve: lift (the offer lowers the outcome rate beyond the sequential boundary)"
        " or challenger (its live metric above the champion's); every experiment guardrail must also be non-inferior",
    )


class BaselineGate(Strict):
    """The challenger against each simple baseline on the same holdout (logistic
    regression; the mean and a linear model; BG/NBD with Gamma-Gamma for a table built
    from transactions), judged three-way on the paired difference's interval (the
    champion gate's metric, resamples and confidence): passed wholly above ``-margin``,
    failed wholly below, inconclusive across it.  On unless the spec turns it off, since
    a tuned model that cannot beat the simple one has not earned its complexity."""

    enabled: bool = True
    margin: float = Field(0.0, ge=0.0, description="Tolerated loss against each baseline, in metric units")
    on_inconclusive: OnInconclusive = Field("fail", description=INCONCLUSIVE_HELP)


class GatesSpec(Strict):
    metrics: list[MetricGate] = Field(default_factory=list)
    champion: ChampionGate | None = None
    fairness: list[FairnessGate] = Field(default_factory=list)
    drift: DriftGate | None = None
    leakage: LeakageGate = LeakageGate()
    baseline: BaselineGate = BaselineGate()
    live: LiveGate | None = None
