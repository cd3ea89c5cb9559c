"""Group-sequential inference for a lift that is looked at every day.

Why group-sequential rather than an always-valid confidence sequence: outcomes arrive
in daily batches, the experiment's length is planned (``experiment.planned_days``), and
the looks are fixed by the data, not by who asks: look *k* is every matured outcome of
the batches scored up to day *k*, whether the report is made once or at each promotion
attempt.  With the plan known, a Lan-DeMets spending function spends exactly alpha over
the planned days (an always-valid sequence spends less than alpha over any finite
horizon, so it is wider for the same guarantee).  Spotify's Confidence makes the same
choice for the same reason.

Alpha is spent by calendar time (day *k* of the planned days; nothing is left beyond
them), while the boundaries are solved on the information actually observed at each
look (``1 / (1/n_t + 1/n_c)``), by the recursive numerical integration of Armitage,
McPherson and Rowe (Jennison and Turnbull, ch. 19).  A look's boundary depends only on
the looks before it, so later data never move an earlier conclusion.  At each look the
repeated confidence interval ``estimate +/- b_k * se`` holds its coverage jointly over
all looks.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import norm

from govern.evidence.live import Look, Sequential
from govern.live.assignment import CONTROL, TREATMENT

Spending = Literal["obrien_fleming", "pocock"]
_GRID = 801  # Simpson points per look: error of the spent alpha below 1e-5 for 60 daily looks
_SPAN = 9.0  # standard deviations of W_k kept on the grid; mass beyond is below 1e-18


def spent(fraction, alpha: float, kind: Spending = "obrien_fleming"):
    """Two-sided alpha spent by ``fraction`` of the plan (Lan-DeMets): O'Brien-Fleming-type
    ``2 - 2 Phi(z_{1-alpha/2} / sqrt(t))`` or Pocock-type ``alpha ln(1 + (e - 1) t)``."""
    t = np.clip(np.asarray(fraction, float), 0.0, 1.0)
    if kind == "pocock":
        return alpha * np.log1p((np.e - 1) * t)
    with np.errstate(divide="ignore"):
        return np.where(t > 0, 2 - 2 * norm.cdf(norm.ppf(1 - alpha / 2) / np.sqrt(np.maximum(t, 1e-300))), 0.0)


def _simpson(lo: float, hi: float, m: int = _GRID) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(lo, hi, m)
    w = np.ones(m)
    w[1:-1:2], w[2:-1:2] = 4, 2
    return x, w * (hi - lo) / (3 * (m - 1))


def boundaries(information, fractions, alpha: float, kind: Spending = "obrien_fleming") -> np.ndarray:
    """Two-sided z boundaries ``b_k`` for looks with cumulative ``information`` (strictly
    increasing) at plan ``fractions``; ``inf`` where a look has no alpha left to spend."""
    info = np.asarray(information, float)
    increments = np.diff(np.r_[0.0, spent(fractions, alpha, kind)])
    if len(info) == 0:
        return np.array([])
    if np.any(np.diff(info) <= 0) or info[0] <= 0:
        raise ValueError("information must be positive and strictly increasing over the looks")
    bounds = np.full(len(info), np.inf)
    if increments[0] > 1e-15:
        bounds[0] = norm.isf(increments[0] / 2)
    half = min(bounds[0], _SPAN) * np.sqrt(info[0])
    u, w = _simpson(-half, half)
    density = w * norm.pdf(u / np.sqrt(info[0])) / np.sqrt(info[0])  # sub-density of W_1 on the continuation region, times weights
    for k in range(1, len(info)):
        step = np.sqrt(info[k] - info[k - 1])

        spend = increments[k]

        def excess(c: float, density=density, u=u, step=step, spend=spend) -> float:
            """Probability of first crossing |W_k| >= c at this look, minus the alpha to spend."""
            return float(density @ (norm.cdf((-c - u) / step) + norm.sf((c - u) / step))) - spend

        if spend > 1e-15 and excess(0.0) > 0:
            bounds[k] = brentq(excess, 0.0, (_SPAN + 40) * np.sqrt(info[k]), xtol=1e-10) / np.sqrt(info[k])
        half = min(bounds[k], _SPAN) * np.sqrt(info[k])
        x, wx = _simpson(-half, half)
        density = wx * (norm.pdf((x[:, None] - u[None, :]) / step) / step @ density)
        u = x
    return bounds


def fixed_bound(alpha: float) -> float:
    """The fixed-horizon two-sided z bound, for comparison."""
    return float(norm.isf(alpha / 2))


def lift_test(targeted: pd.DataFrame, start: date, planned_days: int, alpha: float, kind: Spending = "obrien_fleming") -> Sequential:
    """The sequential test of the lift on matured targeted ``units`` (one row per customer:
    ``as_of``, ``arm``, ``outcome``); ``start`` is the experiment's first batch day."""
    days = np.asarray(targeted["as_of"].to_numpy(), "datetime64[D]")
    looks_on = np.sort(pd.unique(days))
    at = np.searchsorted(looks_on, days)  # each unit's look; counts and sums by look, then cumulated (exact: outcomes are 0/1)
    y = targeted["outcome"].to_numpy(float)
    by_arm = {}
    for name in (TREATMENT, CONTROL):
        mine = (targeted["arm"] == name).to_numpy()
        by_arm[name] = (np.cumsum(np.bincount(at[mine], minlength=len(looks_on))), np.cumsum(np.bincount(at[mine], weights=y[mine], minlength=len(looks_on))))
    rows = []
    for i, d in enumerate(looks_on):
        (nt, st), (nc, sc) = ((int(n[i]), float(s[i])) for n, s in (by_arm[TREATMENT], by_arm[CONTROL]))
        if nt < 2 or nc < 2:
            continue
        pt, pc = st / nt, sc / nc
        info = 1 / (1 / nt + 1 / nc)
        if rows and info <= rows[-1]["info"]:
            continue
        rows.append(dict(day=pd.Timestamp(d).date(), nt=nt, nc=nc, diff=pt - pc, se=np.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc), info=info))
    if not rows:
        return Sequential(spending=kind, alpha=alpha, planned_days=planned_days, looks=[], crossed_on=None, direction=None, lower=None, upper=None,
                          note="not measured: fewer than 2 matured targeted customers in an arm")
    fractions = [min(((r["day"] - start).days + 1) / planned_days, 1.0) for r in rows]
    bounds = boundaries([r["info"] for r in rows], fractions, alpha, kind)
    looks = []
    for r, t, b in zip(rows, fractions, bounds):
        z = r["diff"] / r["se"] if r["se"] > 0 else float("nan")
        half = b * r["se"] if np.isfinite(b) else float("nan")
        looks.append(Look(day=r["day"].isoformat(), fraction=t, treated=r["nt"], control=r["nc"], difference=r["diff"], se=r["se"], z=z, bound=b,
                          lower=r["diff"] - half, upper=r["diff"] + half, crossed=bool(np.isfinite(z) and abs(z) >= b)))
    first = next((look for look in looks if look.crossed), None)
    final = next((look for look in reversed(looks) if look.bound is not None), None)
    note = ""
    if final is None:
        note = "no alpha spent yet at these looks: the interval is not measured"
    elif final is not looks[-1]:
        note = f"beyond the planned {planned_days} days no alpha is left: the interval of {final.day} stands"
    return Sequential(spending=kind, alpha=alpha, planned_days=planned_days, looks=looks, crossed_on=first.day if first else None,
                      direction=None if first is None else ("lower" if first.difference < 0 else "higher"),
                      lower=final.lower if final else None, upper=final.upper if final else None, note=note)


def current_bound(result: Sequential) -> float | None:
    """The boundary of the latest look with alpha to spend (None before any)."""
    return next((look.bound for look in reversed(result.looks) if look.bound is not None), None)
