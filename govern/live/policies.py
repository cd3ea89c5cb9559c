"""Policies compared live: each policy arm against the control arm, in value per 1,000 customers.

Every arm is a random slice of the salted hash, so the arm's customers and the control
arm's are alike; what differs is only the policy that chose whom to offer.  Comparing
every customer of the arm with every customer of control (not only the offered ones)
measures the whole policy: offers to sure things and lost causes cost without saving
anyone, offers to sleeping dogs push customers out, and both show in the arm's outcome
rate.  Value per 1,000 customers is ``1000 x (-(arm rate - control rate) x value -
offered share x cost)``; the offered share is known exactly, so the value's interval is
the difference's, rescaled.  The difference gets the same group-sequential test as the
lift (:mod:`govern.live.sequential`), with alpha split over the policy arms, so its
repeated interval holds at every daily look and jointly over the arms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chisquare, norm

from govern.evidence.live import PolicyArm, PolicyComparison
from govern.live import sequential
from govern.live.assignment import CONTROL, TREATMENT
from govern.spec.model import ExperimentSpec

PER = 1000


def _value(difference: float, offered_share: float, value: float, cost: float) -> float:
    return PER * (-difference * value - offered_share * cost)


def arm_against_control(units: pd.DataFrame, arm: str, exp: ExperimentSpec, alpha: float, start) -> PolicyArm:
    """One policy arm against control on matured ``units`` (one row per customer with
    ``arm``, ``decision`` (offered), ``outcome``, ``as_of``)."""
    mine, control = units[units["arm"] == arm], units[units["arm"] == CONTROL]
    n, nc = len(mine), len(control)
    offered = int((mine["decision"] == 1).sum())
    if n < 2 or nc < 2:
        return PolicyArm(arm=arm, customers=n, control=nc, offered=offered, offered_share=offered / n if n else None, outcome_rate=None,
                         control_rate=None, difference=None, value_per_1000=None, note="not measured: fewer than 2 matured customers in an arm")
    share = offered / n
    pa, pc = float(mine["outcome"].mean()), float(control["outcome"].mean())
    diff = pa - pc
    se = float(np.sqrt(pa * (1 - pa) / n + pc * (1 - pc) / nc))
    z = norm.isf(alpha / 2)
    worth = lambda d: _value(d, share, exp.value_per_saved_customer, exp.offer_cost)  # noqa: E731 (a fall in the rate is worth value)
    both = pd.concat([mine.assign(arm=TREATMENT), control])
    seq = sequential.lift_test(both, start, exp.planned_days, alpha, exp.spending)
    measured = seq.lower is not None and seq.upper is not None
    return PolicyArm(arm=arm, customers=n, control=nc, offered=offered, offered_share=share, outcome_rate=pa, control_rate=pc, difference=diff,
                     value_per_1000=worth(diff), lower=worth(diff + z * se), upper=worth(diff - z * se),
                     sequential_lower=worth(seq.upper) if measured else None, sequential_upper=worth(seq.lower) if measured else None,
                     sequential=seq, note=seq.note)


def compare(units: pd.DataFrame, exp: ExperimentSpec, start, *, scored: pd.DataFrame | None = None,
            customers: dict[str, int] | None = None) -> PolicyComparison | None:
    """Every policy arm of ``exp.arms`` against control; None for a two-arm experiment.
    ``scored`` (one row per scored customer with ``arm``; default ``units``) is where the
    arms' shares are checked by a chi-squared test over customers; ``customers`` gives those
    counts by arm instead (each customer at its first row, as :func:`first_arms`)."""
    if not exp.arms:
        return None
    alpha = (1 - exp.confidence) / (len(exp.arms) - 1)
    if customers is None:
        customers = first_arms(scored if scored is not None else units)
    counts = {name: int(customers.get(name, 0)) for name in exp.arms}
    total = sum(counts.values())
    p = float(chisquare(list(counts.values()), f_exp=[total * s for s in exp.arms.values()]).pvalue) if total else None
    mismatch = p is not None and p < exp.srm_p_value
    note = (f"sample-ratio mismatch over the arms (p = {p:.2g}): the policies' comparison is withheld" if mismatch
            else "" if total else "not measured: nothing scored yet")
    arms = [] if mismatch else [arm_against_control(units, name, exp, alpha, start) for name in sorted(exp.arms) if name != CONTROL]
    return PolicyComparison(shares=dict(exp.arms), customers=counts, p_value=p, mismatch=mismatch, alpha_per_arm=alpha,
                            value_per_saved_customer=exp.value_per_saved_customer, offer_cost=exp.offer_cost, arms=arms, note=note)


def first_arms(frame: pd.DataFrame) -> dict[str, int]:
    """Customers by the arm of their first row."""
    return {str(k): int(v) for k, v in frame.drop_duplicates("customer_id")["arm"].value_counts().items()}


def risk_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The live frame as a two-arm experiment of the risk policy: the risk arm as treatment
    beside control (whose decisions are the risk champion's), so the lift, its sequential
    test, CUPED, guardrails and the live gate keep measuring the champion's own policy."""
    kept = frame[frame["arm"].isin(["risk", CONTROL])]
    return kept.assign(arm=kept["arm"].where(kept["arm"] == CONTROL, TREATMENT))


def view_control_share(exp: ExperimentSpec) -> float:
    """The control arm's share of the customers :func:`risk_view` keeps."""
    if not exp.arms:
        return exp.control_share
    shares = {str(k): v for k, v in exp.arms.items()}
    return shares[CONTROL] / (shares[CONTROL] + shares.get("risk", 0.0))


def markdown(result: PolicyComparison | None) -> list[str]:
    """The report's section: each policy arm's value per 1,000 customers against control."""
    if result is None:
        return []
    f = lambda v, s=",.0f": "not measured" if v is None else format(v, s)  # noqa: E731
    lines = ["## Policies compared (value per 1,000 customers against control)", "",
             f"Arms {', '.join(f'{k} {v:.0%}' for k, v in result.shares.items())} by the salted hash; customers"
             f" {', '.join(f'{k} {v}' for k, v in result.customers.items())} (chi-squared p = {f(result.p_value, '.3g')});"
             f" a prevented outcome is worth {result.value_per_saved_customer:g}, an offer costs {result.offer_cost:g};"
             f" alpha {result.alpha_per_arm:.3g} per arm.", ""]
    if result.note:
        lines += [f"**{result.note}**" if result.mismatch else f"- {result.note}", ""]
    if result.arms:
        lines += ["| policy arm | customers | offered | outcome rate (control) | value per 1,000 | fixed-horizon interval | sequential interval |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {a.arm} | {a.customers} | {a.offered} ({f(a.offered_share, '.1%')}) | {f(a.outcome_rate, '.3f')} ({f(a.control_rate, '.3f')}) |"
                  f" {f(a.value_per_1000, '+,.0f')} | [{f(a.lower, '+,.0f')}, {f(a.upper, '+,.0f')}] |"
                  f" [{f(a.sequential_lower, '+,.0f')}, {f(a.sequential_upper, '+,.0f')}] |" for a in result.arms]
        lines.append("")
    return lines
