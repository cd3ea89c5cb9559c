"""A retention campaign with a known true effect, for the demo and the tests.

Each day a cohort of customers is due for scoring; whether each would churn without
an offer comes from :func:`govern.demo.customers.generate_customers`.  A customer in the
day's audience file (treatment arm, above the threshold) receives the offer.  By
default the offer prevents a share ``offer_effect`` of the churn a customer would
otherwise have had, the same for everyone: the true effect among targeted customers is
``-offer_effect x`` (their churn rate without the offer).  With :class:`Segments` the
effect differs by customer, as Ascarza (JMR 2018) found it does: each customer is a
persuadable (churns unless offered), a sure thing (stays either way), a lost cause
(churns either way) or a sleeping dog (stays unless offered), with probabilities
set by features the models see, and both outcomes (with and without the offer) are
kept, so every targeting rule can be judged against the truth.  A churn happens on a day within the outcome window; the
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


PERSUADABLE, SURE_THING, LOST_CAUSE, SLEEPING_DOG = "persuadable", "sure_thing", "lost_cause", "sleeping_dog"


@dataclass(frozen=True)
class Segments:
    """Who the offer changes.  Among customers who would churn without it, a share is
    persuadable: high for those with a support ticket and no payment failure (a service
    problem the offer fixes), low for those whose payments fail (they leave whatever is
    done).  Among those who would stay, a share are sleeping dogs: high on the basic plan
    with little use (the offer reminds them what they pay for)."""

    persuadable_with_ticket: float = 0.8
    persuadable_with_payment_failure: float = 0.1
    persuadable_otherwise: float = 0.55
    sleeping_dog_basic_low_use: float = 0.3
    sleeping_dog_otherwise: float = 0.02
    low_use_sessions: float = 2.5

    def draw(self, frame: pd.DataFrame, u: np.ndarray) -> np.ndarray:
        """Each customer's segment, from its features, its churn without the offer and a uniform."""
        tickets, failures = frame["support_tickets"].to_numpy(), frame["payment_failures"].to_numpy()
        low_use = (frame["plan"].eq("basic") & (frame["sessions_per_week"] < self.low_use_sessions)).to_numpy()
        persuadable = np.where(failures >= 1, self.persuadable_with_payment_failure,
                               np.where(tickets >= 1, self.persuadable_with_ticket, self.persuadable_otherwise))
        dog = np.where(low_use, self.sleeping_dog_basic_low_use, self.sleeping_dog_otherwise)
        churns = frame["churned"].to_numpy() == 1
        return np.where(churns, np.where(u < persuadable, PERSUADABLE, LOST_CAUSE), np.where(u < dog, SLEEPING_DOG, SURE_THING))


@dataclass
class Campaign:
    """Daily cohorts, who was treated, and the outcomes as they would be observed."""

    offer_effect: float
    window_days: int
    seed: int = 0
    drift: float = 0.0
    segments: Segments | None = None
    cohorts: list[pd.DataFrame] = field(default_factory=list)

    def cohort(self, day: date, rows: int) -> pd.DataFrame:
        """The customers due on ``day``: features as the models see them (no outcome columns)."""
        k = len(self.cohorts)
        frame = demo_data.generate_customers(rows, start=day.isoformat(), months=1, drift=self.drift, seed=self.seed * 1000 + k,
                                             id_offset=50_000_000 + k * rows)
        frame["customer_id"] = "L" + frame["customer_id"].str[1:]
        rng = np.random.default_rng(self.seed * 7919 + k)
        churned = frame["churned"].to_numpy()
        u_offer = rng.random(rows)
        if self.segments is None:
            segment = np.full(rows, "")
            if_offered = churned * (u_offer >= self.offer_effect)
        else:
            segment = self.segments.draw(frame, u_offer)
            if_offered = np.isin(segment, (LOST_CAUSE, SLEEPING_DOG)).astype(int)
        hidden = pd.DataFrame({
            "customer_id": frame["customer_id"], "as_of": pd.Timestamp(day), "churned": churned, "churned_if_offered": if_offered,
            "segment": segment, "churn_day": rng.integers(1, self.window_days + 1, rows), "lag": rng.integers(0, 4, rows),
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
        frame["observed"] = np.where(frame["treated"], frame["churned_if_offered"], frame["churned"]).astype(bool)
        frame["effect"] = frame["churned_if_offered"] - frame["churned"]
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
        if self.segments is not None:  # the effect these very customers had: each one's two outcomes are known
            effect = float(targeted["effect"].mean()) if len(targeted) else float("nan")
            return Truth(float(-effect / rate) if rate else float("nan"), int(len(targeted)), rate, effect)
        return Truth(self.offer_effect, int(len(targeted)), rate, -self.offer_effect * rate)

    def effects(self) -> pd.DataFrame:
        """Per customer and day: segment, the true effect of the offer on churn (-1 saved,
        +1 pushed to leave, 0 none), whether the champion targeted it and whether it was treated."""
        return self._all()[["customer_id", "as_of", "segment", "effect", "targeted", "treated"]].copy()

    def segment_shares(self, *, targeted: bool = False) -> dict[str, float]:
        """The realised share of each segment (among targeted customers if asked)."""
        frame = self._all()
        frame = frame[frame["targeted"]] if targeted else frame
        return {k: float(v) for k, v in frame["segment"].value_counts(normalize=True).sort_index().items()}

    def all_labels(self, target: str = "churned", date_column: str = "outcome_date") -> pd.DataFrame:
        """Every outcome once every window has passed (the day after the last one matures)."""
        frame = self._all()
        last = (frame["as_of"] + pd.to_timedelta(self.window_days + frame["lag"], unit="D")).max()
        return self.labels(last.date(), target, date_column)


def write_cohort(frame: pd.DataFrame, root: Path, day: date) -> Path:
    folder = Path(root) / "data" / "demo" / "live"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"customers_{day.isoformat()}.parquet"
    frame.to_parquet(path, index=False)
    return path


def days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]
