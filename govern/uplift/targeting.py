"""What a targeting rule is worth: incremental value per 1,000 customers, measured on the experiment.

A rule offers to the top ``share`` of a pool of customers by its score (risk or uplift).
Its incremental value per customer of the pool is ``share x (uplift x value - cost)``,
where the uplift among the chosen is the control arm's outcome rate minus the treated
arm's among them (both arms were chosen alike, so the difference is causal) and value is
the value of one outcome prevented.  Intervals resample customers within each arm; two
rules compared on the same pool share their resamples.  Where the truth is known (the
demo's simulated campaign keeps each customer's outcome with and without the offer) the
true value of the same choice is set beside it.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from govern.evidence.io import Evidence, Finite, Interval
from govern.uplift.qini import _arm_weights, percentile_interval

PER = 1000


class TargetingValue(Evidence):
    rule: str
    share: float
    chosen: int
    pool: int
    uplift: Finite = Field(None, description="Outcome rate reduction among the chosen (control - treated)")
    value_per_1000: Finite = None
    interval: Interval = None
    true_value_per_1000: Finite = Field(None, description="Known only in a simulation: the value the same choice truly has")


def top_share(score, share: float) -> np.ndarray:
    """The chosen: the ``share`` of customers with the highest score (ties by position)."""
    score = np.asarray(score, float)
    k = int(round(share * len(score)))
    chosen = np.zeros(len(score), dtype=bool)
    chosen[np.argsort(-score, kind="stable")[:k]] = True
    return chosen


def _value(w: np.ndarray, y: np.ndarray, t: np.ndarray, chosen: np.ndarray, value: float, cost: float) -> np.ndarray:
    ws = w * chosen
    n_t, n_c = (ws * t).sum(axis=-1), (ws * (1 - t)).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        uplift = (ws * (1 - t) * y).sum(axis=-1) / n_c - (ws * t * y).sum(axis=-1) / n_t
        share = ws.sum(axis=-1) / w.sum(axis=-1)
    return PER * share * (uplift * value - cost), uplift


def compare(outcome, treated, scores: dict[str, np.ndarray], *, share: float, value: float, cost: float, resamples: int = 500,
            seed: int = 0, confidence: float = 0.95, true_effect=None) -> list[TargetingValue]:
    """Each rule's value per 1,000 customers of the pool; ``true_effect`` (per customer,
    the change in the outcome the offer causes: -1 saved, +1 pushed) adds the truth."""
    y, t = np.asarray(outcome, float), np.asarray(treated, float)
    w = _arm_weights(t.astype(int), resamples, np.random.default_rng(seed))
    out = []
    for rule, score in scores.items():
        chosen = top_share(score, share)
        point, uplift = _value(np.ones(len(y)), y, t, chosen, value, cost)
        draws, _ = _value(w, y, t, chosen, value, cost)
        truth = None
        if true_effect is not None:
            truth = PER * float(np.sum(chosen * (-np.asarray(true_effect, float) * value - cost))) / len(y)
        out.append(TargetingValue(rule=rule, share=share, chosen=int(chosen.sum()), pool=len(y), uplift=float(uplift),
                                  value_per_1000=float(point), interval=percentile_interval(draws, confidence), true_value_per_1000=truth))
    return out
