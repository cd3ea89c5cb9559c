"""A seeded synthetic customer base whose ground truth is known.

The demo needs data where the answers are known in advance: which features drive
churn, how much drift a later period carries, how unfair the labels are.  Every
outcome here comes from an explicit formula, so a model, a drift report or a
fairness check can be judged against the truth.

Features are drawn from one fixed sequence of random numbers per seed, and the
``drift`` and ``bias`` knobs only transform those numbers.  The same seed with a
different knob therefore gives the same customers, changed only where documented.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import poisson

PLANS = ("basic", "standard", "premium")
CHANNELS = ("web", "app", "store", "partner")
REGIONS = ("north", "south", "east", "west")
AGE_BANDS = ("18-29", "30-44", "45-59", "60+")
GENDERS = ("female", "male")

COLUMNS = (
    "customer_id",
    "snapshot_date",
    "tenure_months",
    "plan",
    "monthly_spend",
    "sessions_per_week",
    "support_tickets",
    "payment_failures",
    "channel",
    "region",
    "age_band",
    "gender",
    "churned",
    "clv_12m",
)

DRIFTED_COLUMNS = ("tenure_months", "monthly_spend", "sessions_per_week", "channel")

_PLAN_P = np.array([0.45, 0.35, 0.20])
_PLAN_SPEND = np.array([22.0, 45.0, 79.0])
_PLAN_CLV = np.array([1.00, 1.05, 1.15])
_AGE_P = np.array([0.22, 0.30, 0.28, 0.20])
_AGE_SESSIONS = np.array([1.20, 1.05, 0.90, 0.75])
_CHANNEL_P_BY_AGE = np.array(
    [
        [0.30, 0.45, 0.10, 0.15],
        [0.38, 0.30, 0.17, 0.15],
        [0.40, 0.20, 0.25, 0.15],
        [0.35, 0.10, 0.40, 0.15],
    ]
)
_REGION_SPEND = np.array([1.00, 0.95, 1.05, 1.00])
_CHURN_INTERCEPT = -1.55


def _pick(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Index of the category each uniform falls into; ``probs`` is per row or shared."""
    cumulative = np.cumsum(np.atleast_2d(probs), axis=1)
    cumulative[:, -1] = 1.0
    return (u[:, None] >= cumulative).sum(axis=1)


def generate_customers(
    n: int = 4000,
    *,
    start: str = "2026-01-01",
    months: int = 6,
    drift: float = 0.0,
    bias: float = 0.0,
    seed: int = 0,
    id_offset: int = 0,
) -> pd.DataFrame:
    """One snapshot row per customer, spread evenly over ``months`` monthly dates.

    Churn (``churned``) is drawn from a logistic model: log-odds fall with
    log-tenure, premium and standard plans and more sessions per week, and rise
    with payment failures, support tickets and the partner channel; the base rate
    is about 25%.  ``clv_12m`` is the expected revenue of the next 12 months:
    ``monthly_spend`` times the expected number of paying months under the
    customer's true monthly churn probability, times a plan uplift and a small
    tenure loyalty uplift, times log-normal noise (sigma 0.25).

    ``drift`` (0..1) models a later period with a new cohort.  Exactly these
    columns move, the others keep their distribution (and, for the same seed,
    their values): ``tenure_months`` shrinks (gamma scale x (1 - 0.6*drift)),
    ``monthly_spend`` scales up by (1 + 0.35*drift), ``sessions_per_week`` scales
    down by (1 - 0.4*drift), and ``channel`` mixes a share 0.6*drift toward
    "app".  The outcome formulas do not change, so ``churned`` and ``clv_12m``
    move only through those features (no concept drift).

    ``bias`` (0..1) makes outcomes depend on group: for customers with
    gender "female" and age_band "60+" the churn log-odds rise by 3*bias and a
    share 0.3*bias of their labels is replaced by a coin flip; their higher churn
    risk also lowers their ``clv_12m``.  Features are untouched, so a model learns
    the gap from ``gender`` and ``age_band`` (or their proxies).  The group is
    about a tenth of customers (a fifth of women, half of the 60+ band), so gaps
    across age band grow much faster than gaps across gender.  At bias 0 gender
    has no effect on anything; age band shapes only channel and sessions (and
    outcomes through them), region only spend.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    if months < 1:
        raise ValueError("months must be at least 1")
    if not 0.0 <= drift <= 1.0 or not 0.0 <= bias <= 1.0:
        raise ValueError("drift and bias must lie in [0, 1]")

    rng = np.random.default_rng(seed)
    u_age, u_gender, u_region, u_plan, u_channel = rng.random((5, n))
    tenure_noise = rng.standard_gamma(1.6, n)
    spend_noise = rng.standard_normal(n)
    session_noise = rng.standard_gamma(2.2, n)
    month_index = rng.permutation(np.arange(n) % months)
    u_tickets, u_failures, u_churn, u_flip, u_coin = rng.random((5, n))
    clv_noise = rng.standard_normal(n)

    age = _pick(u_age, _AGE_P)
    gender = _pick(u_gender, np.array([0.5, 0.5]))
    region = _pick(u_region, np.full(4, 0.25))
    plan = _pick(u_plan, _PLAN_P)
    app = np.eye(len(CHANNELS))[CHANNELS.index("app")]
    channel_p = (1.0 - 0.6 * drift) * _CHANNEL_P_BY_AGE[age] + 0.6 * drift * app
    channel = _pick(u_channel, channel_p)

    tenure = np.minimum(1 + np.floor(tenure_noise * 15.0 * (1.0 - 0.6 * drift)), 120).astype(int)
    spend = _PLAN_SPEND[plan] * _REGION_SPEND[region] * np.exp(0.25 * spend_noise) * (1.0 + 0.35 * drift)
    spend = np.round(spend, 2)
    premium = plan == PLANS.index("premium")
    sessions = session_noise * 2.3 * _AGE_SESSIONS[age] * (1.0 + 0.15 * premium) * (1.0 - 0.4 * drift)
    sessions = np.round(sessions, 1)
    tickets = poisson.ppf(u_tickets, 0.8).astype(int)
    failures = poisson.ppf(u_failures, 0.25 + 0.2 * (plan == PLANS.index("basic"))).astype(int)

    group = (gender == GENDERS.index("female")) & (age == AGE_BANDS.index("60+"))
    logit = (
        _CHURN_INTERCEPT
        - 1.0 * (np.log1p(tenure) - np.log1p(18))
        + 0.7 * failures
        + 0.35 * tickets
        - np.array([0.0, 0.35, 0.9])[plan]
        - 0.28 * (sessions - 5.0)
        + 0.2 * (channel == CHANNELS.index("partner"))
        + 3.0 * bias * group
    )
    p_churn = 1.0 / (1.0 + np.exp(-logit))
    churned = (u_churn < p_churn).astype(int)
    noisy = group & (u_flip < 0.3 * bias)
    churned = np.where(noisy, (u_coin < 0.5).astype(int), churned)

    paying_months = np.where(p_churn > 1e-9, (1.0 - (1.0 - p_churn) ** 12) / np.maximum(p_churn, 1e-9), 12.0)
    loyalty = 1.0 + 0.004 * np.minimum(tenure, 48)
    clv = spend * paying_months * _PLAN_CLV[plan] * loyalty * np.exp(0.25 * clv_noise - 0.5 * 0.25**2)
    clv = np.round(np.maximum(clv, 0.0), 2)

    first = pd.Timestamp(start)
    dates = pd.DatetimeIndex([first + pd.DateOffset(months=k) for k in range(months)])
    frame = pd.DataFrame(
        {
            "snapshot_date": dates[month_index].astype("datetime64[ns]"),
            "tenure_months": tenure,
            "plan": np.array(PLANS, dtype=object)[plan],
            "monthly_spend": spend.astype(float),
            "sessions_per_week": sessions.astype(float),
            "support_tickets": tickets,
            "payment_failures": failures,
            "channel": np.array(CHANNELS, dtype=object)[channel],
            "region": np.array(REGIONS, dtype=object)[region],
            "age_band": np.array(AGE_BANDS, dtype=object)[age],
            "gender": np.array(GENDERS, dtype=object)[gender],
            "churned": churned,
            "clv_12m": clv.astype(float),
        }
    )
    frame = frame.sort_values("snapshot_date", kind="stable").reset_index(drop=True)
    frame.insert(0, "customer_id", [f"C{i:06d}" for i in range(id_offset, id_offset + n)])
    for column in ("customer_id", "plan", "channel", "region", "age_band", "gender"):
        frame[column] = frame[column].astype(str)
    return frame[list(COLUMNS)]
