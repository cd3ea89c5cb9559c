"""A retention campaign with a known true effect, for the demo and the tests.

Each day a cohort of customers is due for scoring; whether each would churn without
an offer comes from :func:`govern.demo.customers.generate_customers`.  A customer in the
day's audience file (treatment arm, above the threshold) receives the offer, which
prevents a share ``offer_effect`` of the churn it would otherwise have had: the
knob.  The true effect among targeted customers is therefore
``-offer_effect x`` (their churn rate without the offer), known exactly from the
counterfactual labels.  A churn happens on a day within the outcome window; the
matured outcome (churned or not) arrives a few days after the window ends, and a
churn already seen is delivered early as a provisional outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from govern.demo import customers as demo_data


@dataclass(frozen=True)
class Truth:
    offer_effect: float
    targeted: int
    churn_rate_without_offer: float
    absolute_effect: float


@dataclass
class Campaign:
    """Daily cohorts, who was treated, and the outcomes as they would be observed."""

    offer_effect: float
    window_days: int
    seed: int = 0
    drift: float = 0.0
    cohorts: list[pd.DataFrame] = field(default_factory=list)

    def cohort(self, day: date, rows: int) -> pd.DataFrame:
        """The customers due on ``day``: features as the models see them (no outcome columns)."""
        k = len(self.cohorts)
        frame = demo_data.generate_customers(rows, start=day.isoformat(), months=1, drift=self.drift, seed=self.seed * 1000 + k,
                                             id_offset=50_000_000 + k * rows)
        frame["customer_id"] = "L" + frame["customer_id"].str[1:]
        rng = np.random.default_rng(self.seed * 7919 + k)
        hidden = pd.DataFrame({
            "customer_id": frame["customer_id"], "as_of": pd.Timestamp(day), "churned": frame["churned"].to_numpy(),
            "u_offer": rng.random(rows), "churn_day": rng.integers(1, self.window_days + 1, rows), "lag": rng.integers(0, 4, rows),
            "treated": False, "targeted": False,
        })
        self.cohorts.append(hidden)
        return frame.drop(columns=["churned", "clv_12m"])

    def act(self, scored: pd.DataFrame, audience_ids) -> None:
        """Record the day's targeting (every arm) and who received the offer (the audience file)."""
        cohort = self.cohorts[-1]
        targeted = set(scored.loc[(scored["role"] == "champion") & (scored["decision"] == 1), "customer_id"])
        cohort["targeted"] = cohort["customer_id"].isin(targeted)
        cohort["treated"] = cohort["customer_id"].isin(set(audience_ids))

    def _all(self) -> pd.DataFrame:
        frame = pd.concat(self.cohorts, ignore_index=True)
        frame["observed"] = frame["churned"].astype(bool) & ~(frame["treated"] & (frame["u_offer"] < self.offer_effect))
        return frame

    def labels(self, today: date, target: str = "churned", date_column: str = "outcome_date") -> pd.DataFrame:
        """Every outcome observable by ``today``: matured ones after the window, churns seen early as provisional."""
        frame = self._all()
        now = pd.Timestamp(today)
        matured_on = frame["as_of"] + pd.to_timedelta(self.window_days + frame["lag"], unit="D")
        churned_on = frame["as_of"] + pd.to_timedelta(frame["churn_day"], unit="D")
        matured = frame[matured_on <= now].assign(**{date_column: matured_on[matured_on <= now]})
        early = frame[(matured_on > now) & frame["observed"] & (churned_on <= now)]
        early = early.assign(**{date_column: churned_on[early.index]})
        labels = pd.concat([matured, early])
        return pd.DataFrame({"customer_id": labels["customer_id"], target: labels["observed"].astype(int), date_column: labels[date_column]})

    def truth(self, today: date | None = None) -> Truth:
        """The injected effect among targeted customers whose outcome has matured by ``today`` (all if None)."""
        frame = self._all()
        if today is not None:
            frame = frame[frame["as_of"] + pd.to_timedelta(self.window_days + frame["lag"], unit="D") <= pd.Timestamp(today)]
        targeted = frame[frame["targeted"]]
        rate = float(targeted["churned"].mean()) if len(targeted) else float("nan")
        return Truth(self.offer_effect, int(len(targeted)), rate, -self.offer_effect * rate)


def write_cohort(frame: pd.DataFrame, root: Path, day: date) -> Path:
    folder = Path(root) / "data" / "demo" / "live"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"customers_{day.isoformat()}.parquet"
    frame.to_parquet(path, index=False)
    return path


def days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]
