"""Guardrails: what the offer must not harm, judged as non-inferiority on sequential bounds.

The live gate ships a challenger only when at least one success metric improves and
every guardrail is non-inferior (Spotify's rule).  Each guardrail's bound is taken on
its harmful side with the boundary of the sequential test's current look (a repeated
confidence bound), so looking every day does not make a harm easier to miss.  A
guardrail that cannot be measured (its column is not in the live data, too few
customers, no effect to divide by) blocks: absence of evidence is not non-inferiority.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govern.evidence.live import GuardrailResult, Sequential
from govern.live.assignment import CONTROL, TREATMENT
from govern.live.sequential import current_bound
from govern.spec.model import ExperimentSpec, Guardrail

MIN_GROUP = 30


def _result(g: Guardrail, estimate, bound, note: str = "") -> GuardrailResult:
    if bound is None or not np.isfinite(bound):
        status = "not measured" if bound is None else "failed"
    else:
        status = "passed" if bound <= g.max else "failed"
    return GuardrailResult(metric=g.metric, column=g.column, estimate=estimate, bound=bound, max=g.max, status=status, note=note)


def _cost(g: Guardrail, exp: ExperimentSpec, seq: Sequential) -> GuardrailResult:
    """Offer cost per outcome prevented: ``offer_cost / -difference``, bounded by the
    least favourable end of the lift's repeated interval."""
    final = next((look for look in reversed(seq.looks) if look.bound is not None), None)
    if final is None or final.upper is None or final.difference is None:
        return _result(g, None, None, "not measured: the lift's sequential interval is not measured yet")
    estimate = exp.offer_cost / -final.difference if final.difference < 0 else None
    if final.upper >= 0:
        return _result(g, estimate, float("inf"), "the offer is not shown to prevent any outcome, so the cost per retained customer is unbounded")
    return _result(g, estimate, exp.offer_cost / -final.upper)


def _rate(g: Guardrail, units: pd.DataFrame, bound: float) -> GuardrailResult:
    values = units[g.column].astype(float)
    t, c = values[units["arm"] == TREATMENT].dropna(), values[units["arm"] == CONTROL].dropna()
    if len(t) < 2 or len(c) < 2:
        return _result(g, None, None, f"not measured: fewer than 2 customers with '{g.column}' in an arm")
    diff = t.mean() - c.mean()
    se = np.sqrt(t.var(ddof=1) / len(t) + c.var(ddof=1) / len(c))
    return _result(g, float(diff), float(diff + bound * se))


def _disparity(g: Guardrail, units: pd.DataFrame, bound: float) -> GuardrailResult:
    treated = units[units["arm"] == TREATMENT]
    rates = treated.groupby(treated[g.column].astype(str))["outcome"].agg(["mean", "size"])
    rates = rates[rates["size"] >= MIN_GROUP]
    if len(rates) < 2:
        return _result(g, None, None, f"not measured: fewer than 2 groups of '{g.column}' with {MIN_GROUP} treated customers")
    hi, lo = rates["mean"].idxmax(), rates["mean"].idxmin()
    gap = float(rates.loc[hi, "mean"] - rates.loc[lo, "mean"])
    se = np.sqrt(sum(rates.loc[k, "mean"] * (1 - rates.loc[k, "mean"]) / rates.loc[k, "size"] for k in (hi, lo)))
    return _result(g, gap, float(gap + bound * se), f"{hi} against {lo}")


def evaluate(exp: ExperimentSpec, targeted: pd.DataFrame, seq: Sequential) -> list[GuardrailResult]:
    """Every guardrail of ``exp`` on the matured targeted units."""
    bound = current_bound(seq)
    out = []
    for g in exp.guardrails:
        if g.metric == "cost_per_retained_customer":
            out.append(_cost(g, exp, seq))
        elif g.column not in targeted.columns:
            out.append(_result(g, None, None, f"not measured: the live data have no column '{g.column}'"))
        elif bound is None:
            out.append(_result(g, None, None, "not measured: the sequential test has spent no alpha yet"))
        else:
            out.append((_rate if g.metric == "rate_increase" else _disparity)(g, targeted, bound))
    return out
