"""Fit both learners on the training customers and judge every ranking on the held-out ones.

The rankings compared on the same held-out customers and the same resamples: the
DR-learner (the model that is registered), the T-learner beside it, and the risk
model's own score (the champion's ranking the campaign targets by today).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from govern.evidence.io import Evidence, Finite, Interval
from govern.uplift import qini
from govern.uplift.learners import DRLearner, Settings, TLearner
from govern.uplift.table import UpliftTable

MODEL, BESIDE, RISK = "dr_learner", "t_learner", "risk_score"
CURVE_POINTS = 41


class Ranking(Evidence):
    qini: Finite = None
    qini_interval: Interval = None
    auuc: Finite = None
    auuc_interval: Interval = None
    auuc_random: Finite = None


class Decile(Evidence):
    decile: int
    customers: int
    treated: int
    control: int
    predicted_uplift: Finite = None
    treated_rate: Finite = None
    control_rate: Finite = None
    observed_uplift: Finite = None
    lower: Finite = None
    upper: Finite = None


class UpliftEvaluation(Evidence):
    """Held-out evidence of an uplift model (``uplift.json`` holds it)."""

    customers: int
    treated: int
    control: int
    resamples: int
    confidence: float
    ate: Finite = Field(None, description="Outcome reduction among the held-out customers (control rate - treated rate)")
    rankings: dict[str, Ranking]
    qini_over_risk: Finite = None
    qini_over_risk_interval: Interval = None
    deciles: list[Decile] = Field(default_factory=list)
    curves: dict[str, list[list[float]]] = Field(default_factory=dict, description="Qini curve points (share, qini) per ranking, thinned")


@dataclass
class Fitted:
    model: DRLearner
    beside: TLearner
    evaluation: UpliftEvaluation
    predictions: dict[str, np.ndarray]


def _thin(c: qini.Curves) -> list[list[float]]:
    picks = np.unique(np.searchsorted(c.share, np.linspace(0, 1, CURVE_POINTS)).clip(0, len(c.share) - 1))
    return [[round(float(c.share[i]), 4), round(float(c.qini[i]), 5)] for i in picks]


def judge_rankings(outcome, treated, scores: dict[str, np.ndarray], *, resamples: int, confidence: float, seed: int,
                   model: str = MODEL, risk: str = RISK) -> UpliftEvaluation:
    """Qini and AUUC of each ranking with intervals, the model's paired Qini gain over the
    risk ranking, and the model's deciles."""
    y, t = np.asarray(outcome, float), np.asarray(treated, int)
    draws = qini.bootstrap_areas(y, t, scores, resamples=resamples, seed=seed)
    rankings, shapes = {}, {}
    for name, score in scores.items():
        c = qini.curves(y, t, score)
        point = qini.areas(c)
        rankings[name] = Ranking(qini=point["qini"], qini_interval=qini.percentile_interval(draws[name]["qini"], confidence),
                                 auuc=point["auuc"], auuc_interval=qini.percentile_interval(draws[name]["auuc"], confidence),
                                 auuc_random=point["auuc_random"])
        shapes[name] = _thin(c)
    over, over_interval = None, None
    if model in scores and risk in scores:
        over = rankings[model].qini - rankings[risk].qini
        over_interval = qini.percentile_interval(draws[model]["qini"] - draws[risk]["qini"], confidence)
    ate = float(y[t == 0].mean() - y[t == 1].mean()) if (t == 0).any() and (t == 1).any() else None
    return UpliftEvaluation(
        customers=len(y), treated=int(t.sum()), control=int((1 - t).sum()), resamples=resamples, confidence=confidence, ate=ate,
        rankings=rankings, qini_over_risk=over, qini_over_risk_interval=over_interval,
        deciles=[Decile(**row) for row in qini.deciles(y, t, scores[model])] if model in scores else [], curves=shapes,
    )


def fit_and_judge(table: UpliftTable, *, settings: Settings | None = None, resamples: int = 500, confidence: float = 0.95) -> Fitted:
    """Both learners fitted on the training customers, every ranking judged on the held-out ones."""
    settings = settings or Settings()
    train, held = table.train, table.holdout
    model = DRLearner(table.features, table.categorical, settings).fit(train, train["treated"], train["outcome"])
    beside = TLearner(table.features, table.categorical, settings).fit(train, train["treated"], train["outcome"])
    predictions = {MODEL: model.predict(held), BESIDE: beside.predict(held), RISK: held["champion_score"].to_numpy(float)}
    evaluation = judge_rankings(held["outcome"], held["treated"], predictions, resamples=resamples, confidence=confidence, seed=settings.seed)
    return Fitted(model, beside, evaluation, predictions)
