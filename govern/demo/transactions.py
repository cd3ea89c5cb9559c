"""A seeded synthetic transaction log whose generating process is known.

The CLV demo starts from purchases, as a retailer's data would.  Customers follow
the process BG/NBD assumes (purchases at a personal Poisson rate, a personal chance
of leaving after each purchase, spend per purchase around a personal mean), with
attributes that shape those rates, so both the probabilistic baseline and CatBoost
have something true to find.  As in :mod:`govern.demo.customers`, all random numbers are
drawn once per seed and the ``drift`` and ``bias`` knobs only transform them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govern.demo.customers import AGE_BANDS, CHANNELS, GENDERS, REGIONS, _pick

_AGE_P = np.array([0.22, 0.30, 0.28, 0.20])
_AGE_RATE = np.array([1.20, 1.05, 0.90, 0.75])
_CHANNEL_P = np.array([0.35, 0.30, 0.20, 0.15])
_CHANNEL_DROPOUT = np.array([1.0, 0.9, 0.8, 1.6])
_REGION_SPEND = np.array([1.00, 0.90, 1.15, 1.00])
_MAX_PURCHASES = 150


def generate_transactions(
    n: int = 4000,
    *,
    start: str = "2023-01-01",
    end: str = "2027-12-31",
    acquired_until: str = "2026-12-31",
    drift: float = 0.0,
    drift_from: str = "2026-07-01",
    bias: float = 0.0,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A transaction log (customer_id, order_date, amount) and a customer attribute table.

    Customers arrive uniformly between ``start`` and ``acquired_until`` with a first
    purchase.  Each buys at a rate drawn from Gamma(1.5) with mean one purchase per
    30 days, times an age-band factor (younger buy more often); after every purchase
    they leave with a probability drawn from Beta(1, 6), times a channel factor
    (partner customers leave 1.6 times as often).  Amounts are Gamma(6) around a
    personal mean drawn from Gamma(4, 12), times a region factor (east spends more).
    Gender has no effect at ``bias`` 0.

    ``drift`` (0..1) changes purchases dated on or after ``drift_from``: a share
    0.4*drift of them is dropped (fewer purchases) and amounts rise by a factor
    (1 + 0.35*drift).  ``bias`` (0..1) raises the chance that customers with gender
    "female" and age band "60+" leave after a purchase by 0.3*bias of what remains,
    which lowers their future spend.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    if not 0.0 <= drift <= 1.0 or not 0.0 <= bias <= 1.0:
        raise ValueError("drift and bias must lie in [0, 1]")
    first, last, until = pd.Timestamp(start), pd.Timestamp(end), pd.Timestamp(acquired_until)
    if not first < until <= last:
        raise ValueError("need start < acquired_until <= end")

    rng = np.random.default_rng(seed)
    u_age, u_gender, u_region, u_channel, u_arrival, u_leave = rng.random((6, n))
    rate_noise = rng.standard_gamma(1.5, n) / 1.5
    dropout_noise = rng.beta(1.0, 6.0, n)
    spend_noise = rng.standard_gamma(4.0, n) * 12.0
    gaps = rng.standard_exponential((n, _MAX_PURCHASES - 1))
    amount_noise = rng.standard_gamma(6.0, (n, _MAX_PURCHASES)) / 6.0
    u_thin = rng.random((n, _MAX_PURCHASES))

    age, gender = _pick(u_age, _AGE_P), _pick(u_gender, np.array([0.5, 0.5]))
    region, channel = _pick(u_region, np.full(4, 0.25)), _pick(u_channel, _CHANNEL_P)
    group = (gender == GENDERS.index("female")) & (age == AGE_BANDS.index("60+"))
    rate = rate_noise * _AGE_RATE[age] / 30.0
    dropout = np.clip(dropout_noise * _CHANNEL_DROPOUT[channel], 1e-4, 0.95)
    dropout = dropout + 0.3 * bias * group * (1.0 - dropout)
    purchases = np.minimum(np.ceil(np.log1p(-u_leave) / np.log1p(-dropout)), _MAX_PURCHASES).clip(min=1)

    span = (until - first).days
    arrival = np.floor(u_arrival * span)
    days = arrival[:, None] + np.concatenate([np.zeros((n, 1)), np.cumsum(gaps / rate[:, None], axis=1)], axis=1)
    days = np.floor(days)
    dates = first + pd.to_timedelta(days.clip(max=(last - first).days + 1).ravel(), unit="D")
    dates = np.asarray(dates, dtype="datetime64[ns]").reshape(days.shape)
    amount = spend_noise[:, None] * _REGION_SPEND[region][:, None] * amount_noise
    drifted = dates >= np.datetime64(pd.Timestamp(drift_from))
    amount = np.where(drifted, amount * (1.0 + 0.35 * drift), amount)
    keep = (np.arange(_MAX_PURCHASES)[None, :] < purchases[:, None]) & (dates <= np.datetime64(last))
    keep &= ~(drifted & (u_thin < 0.4 * drift))

    ids = np.array([f"C{i:06d}" for i in range(n)], dtype=object)
    rows, cols = np.nonzero(keep)
    log = pd.DataFrame({"customer_id": ids[rows], "order_date": dates[rows, cols], "amount": np.round(amount[rows, cols], 2)})
    log = log.sort_values(["order_date", "customer_id"], kind="stable").reset_index(drop=True)
    log["customer_id"] = log["customer_id"].astype(str)
    attributes = pd.DataFrame(
        {
            "customer_id": ids.astype(str),
            "channel": np.array(CHANNELS, dtype=object)[channel].astype(str),
            "region": np.array(REGIONS, dtype=object)[region].astype(str),
            "age_band": np.array(AGE_BANDS, dtype=object)[age].astype(str),
            "gender": np.array(GENDERS, dtype=object)[gender].astype(str),
        }
    )
    return log, attributes
