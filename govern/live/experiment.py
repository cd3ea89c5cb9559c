"""The live experiment's statistics, on outcomes joined to logged predictions.

One unit per customer: the earliest prediction whose outcome is known, so a customer
scored on many days counts once.  *Targeted* means the champion's decision was
positive; treatment customers above the threshold received the action, control
customers above it did not, so their difference in outcome rate is the action's
effect (lift).  Models are compared on control customers only: their outcomes were
not changed by any action, so neither model is judged on the champion's own effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from govern.evidence.evaluation import Comparison
from govern.evidence.live import Lift, Power, ThresholdAdvice, ThresholdRow, Value
from govern.live.assignment import CONTROL, TREATMENT
from govern.spec.model import ExperimentSpec, LiveGate, ModelSpec
from govern.stats.evaluation import paired_bootstrap


def units(frame: pd.DataFrame, *, matured: bool = True) -> pd.DataFrame:
    """One row per customer with a (matured, or else provisional) outcome: its earliest batch."""
    known = frame[frame["outcome"].notna()]
    known = known[known["matured"].fillna(False).astype(bool) == matured]
    return known.sort_values(["as_of", "batch_id"]).drop_duplicates("customer_id", keep="first").reset_index(drop=True)


def pending_units(frame: pd.DataFrame, matured: pd.DataFrame) -> pd.DataFrame:
    """Customers without a matured outcome, at their earliest prediction, with the outcome
    observed so far (an outcome not yet seen counts as none): provisional figures only."""
    rest = frame[~frame["customer_id"].isin(matured["customer_id"])]
    rest = rest.sort_values(["as_of", "batch_id"]).drop_duplicates("customer_id", keep="first").reset_index(drop=True)
    return rest.assign(outcome=rest["outcome"].fillna(0.0))


def rate_interval(events: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson interval of one rate (used for the pictures and per-arm rates)."""
    if n == 0:
        return float("nan"), float("nan")
    z = norm.ppf(0.5 + confidence / 2)
    p = events / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def lift(y_treated, y_control, confidence: float) -> Lift:
    """Difference of two proportions with a Wald interval, and the ratio's interval by
    the delta method on its logarithm."""
    t, c = np.asarray(y_treated, float), np.asarray(y_control, float)
    if len(t) < 2 or len(c) < 2:
        return Lift(treated=len(t), control=len(c), treatment_rate=None, control_rate=None, difference=None, lower=None, upper=None,
                    relative=None, relative_lower=None, relative_upper=None, confidence=confidence,
                    note="not measured: fewer than 2 targeted customers in an arm")
    z = norm.ppf(0.5 + confidence / 2)
    pt, pc = t.mean(), c.mean()
    se = np.sqrt(pt * (1 - pt) / len(t) + pc * (1 - pc) / len(c))
    diff = pt - pc
    rel = rel_lo = rel_hi = None
    if pt > 0 and pc > 0:
        log_se = np.sqrt((1 - pt) / (pt * len(t)) + (1 - pc) / (pc * len(c)))
        ratio = pt / pc
        rel, rel_lo, rel_hi = ratio - 1, ratio * np.exp(-z * log_se) - 1, ratio * np.exp(z * log_se) - 1
    note = "" if se > 0 else "no variation in outcomes: the interval is degenerate"
    return Lift(treated=len(t), control=len(c), treatment_rate=pt, control_rate=pc, difference=diff, lower=diff - z * se, upper=diff + z * se,
                relative=rel, relative_lower=rel_lo, relative_upper=rel_hi, confidence=confidence, note=note)


def arm_lift(units_frame: pd.DataFrame, confidence: float) -> Lift:
    """:func:`lift` of the targeted units by arm (masks, not copies of the frame: it holds ten million units)."""
    targeted = (units_frame["decision"] == 1).to_numpy()
    outcome = units_frame["outcome"].to_numpy(float)
    arm = units_frame["arm"]
    return lift(outcome[targeted & (arm == TREATMENT).to_numpy()], outcome[targeted & (arm == CONTROL).to_numpy()], confidence)


def incremental_value(result: Lift, exp: ExperimentSpec) -> Value:
    cost = result.treated * exp.offer_cost
    if result.difference is None:
        return Value(prevented=None, prevented_lower=None, prevented_upper=None, value=None, value_lower=None, value_upper=None, offer_cost=cost)
    saved = lambda d: -d * result.treated  # noqa: E731 (a fall in the outcome rate is customers kept)
    lo, mid, hi = saved(result.upper), saved(result.difference), saved(result.lower)
    worth = lambda s: s * exp.value_per_saved_customer - cost  # noqa: E731
    return Value(prevented=mid, prevented_lower=lo, prevented_upper=hi, value=worth(mid), value_lower=worth(lo), value_upper=worth(hi), offer_cost=cost)


def power_needed(result: Lift, exp: ExperimentSpec, fallback_rate: float | None = None) -> Power:
    """Normal-approximation sample size of a two-sided test of two proportions with
    unequal arms (control share ``s``): N = (z_a + z_b)^2 (p1 q1 / s + p2 q2 / (1 - s)) / d^2."""
    base = result.control_rate if result.control_rate not in (None, 0.0, 1.0) else fallback_rate
    note = "" if base == result.control_rate else "control rate not yet measured: the overall outcome rate stands in"
    if base is None or not 0 < base < 1:
        base, note = 0.5, "no outcome rate yet: 0.5 (the most demanding) stands in"
    other = min(max(base - exp.min_effect, 1e-6), 1 - 1e-6)
    s = exp.control_share
    z = norm.ppf(1 - (1 - exp.confidence) / 2) + norm.ppf(exp.power)
    needed = int(np.ceil(z**2 * (base * (1 - base) / s + other * (1 - other) / (1 - s)) / exp.min_effect**2))
    have = result.treated + result.control
    return Power(min_effect=exp.min_effect, base_rate=float(base), needed=needed, have=have, further=max(needed - have, 0), note=note)


def live_comparison(spec: ModelSpec, units_frame: pd.DataFrame, gate: LiveGate | None, thresholds: tuple[float, float]) -> Comparison | None:
    """Challenger against champion on the same untreated (control) customers, by the offline
    gate's paired bootstrap; ``thresholds`` are the challenger's and the champion's recorded ones."""
    both = units_frame[(units_frame["arm"] == CONTROL) & units_frame["challenger_score"].notna()]
    y = both["outcome"].to_numpy(float)
    if len(both) < 10 or y.min() == y.max():
        return None
    metric = gate.metric if gate else spec.primary_metric
    resamples = gate.resamples if gate else 500
    chunk = max(1, min(200, int(2e7 // len(both))))
    return paired_bootstrap(spec.task, metric, y, both["challenger_score"], both["champion_score"], resamples=resamples,
                            confidence=gate.confidence if gate else 0.95, threshold=thresholds, chunk=chunk)


def threshold_advice(spec: ModelSpec, units_frame: pd.DataFrame, result: Lift, current: float) -> ThresholdAdvice:
    """The threshold that maximises expected value per batch: for each customer above it,
    the observed outcome rate of untreated customers at that score times the measured
    relative effect times the value of a prevented outcome, minus the offer's cost;
    thresholds that would exceed the capacity per batch are not allowed.  ``current`` is
    the champion's recorded threshold; acting on the advice means declaring it as the
    spec's decision policy and training a new version through the same gates."""
    exp = spec.experiment
    control = units_frame.loc[units_frame["arm"] == CONTROL, ["champion_score", "outcome"]]
    if result.relative is None or len(control) < 20:
        return ThresholdAdvice(current=current, recommended=None, current_value=None, recommended_value=None, relative_effect=None, capacity=exp.capacity,
                               table=[], note="not measured: no relative effect or too few control outcomes yet")
    effect = -result.relative
    bins = np.unique(np.quantile(control["champion_score"], np.linspace(0, 1, 11)))
    which = np.clip(np.searchsorted(bins, control["champion_score"], side="right") - 1, 0, len(bins) - 2)
    rate_by_bin = pd.Series(control["outcome"].to_numpy()).groupby(which).mean().reindex(range(len(bins) - 1)).ffill().bfill().to_numpy()
    everyone = units_frame["champion_score"].to_numpy()
    customer_rate = rate_by_bin[np.clip(np.searchsorted(bins, everyone, side="right") - 1, 0, len(bins) - 2)]
    batches = max(units_frame["batch_id"].nunique(), 1)

    def targeted_and_value(t: float) -> tuple[float, float]:
        """Customers per batch at or above ``t`` and their expected value per batch."""
        above = everyone >= t
        return (float(np.count_nonzero(above) / batches),
                float((customer_rate[above] * effect * exp.value_per_saved_customer - exp.offer_cost).sum() / batches))

    rows = []
    for t in np.round(np.arange(0.05, 0.96, 0.05), 2):
        per_batch, value = targeted_and_value(t)
        rows.append(ThresholdRow(threshold=float(t), targeted_per_batch=per_batch, expected_value_per_batch=value))
    allowed = [r for r in rows if exp.capacity is None or r.targeted_per_batch <= exp.capacity]
    measured = [r for r in allowed if r.expected_value_per_batch is not None]
    best = max(measured, key=lambda r: r.expected_value_per_batch) if measured else None
    current_value = targeted_and_value(current)[1]
    note = "" if best else f"every threshold on the grid targets more than the capacity of {exp.capacity} per batch"
    return ThresholdAdvice(current=current, recommended=best.threshold if best else None, current_value=current_value,
                           recommended_value=best.expected_value_per_batch if best else None, relative_effect=effect, capacity=exp.capacity,
                           table=rows, note=note)
