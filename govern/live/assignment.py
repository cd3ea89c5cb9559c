"""The holdout control group: a salted hash of the customer id picks each customer's arm.

A hash rather than a random draw keeps a customer in the same arm in every daily
batch and under every model version, and lets anyone recompute the assignment from
the id and the spec's salt alone.  The balance report shows the arms' sizes and
feature distributions, so a broken assignment (a salt that correlates with a
feature, ids that are not what they seem) is visible rather than silent.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

TREATMENT, CONTROL = "treatment", "control"
_SCALE = float(2**64)


def unit_hash(ids, salt: str) -> np.ndarray:
    """Each id mapped to a uniform number in [0, 1) by SHA-256 of ``salt:id``."""
    prefix = f"{salt}:".encode()
    return np.fromiter(
        (int.from_bytes(hashlib.sha256(prefix + str(i).encode()).digest()[:8], "big") / _SCALE for i in ids),
        dtype=float,
        count=len(ids),
    )


def control_mask(ids, salt: str, share: float) -> np.ndarray:
    return unit_hash(ids, salt) < share


def assign(ids, salt: str, share: float) -> np.ndarray:
    """``"control"`` or ``"treatment"`` per id."""
    return np.where(control_mask(ids, salt, share), CONTROL, TREATMENT).astype(object)


def arm_order(arms: dict[str, float]) -> list[tuple[str, float]]:
    """The arms as consecutive slices of [0, 1): control first, so ``{treatment: 1 - s,
    control: s}`` draws exactly the two-arm assignment, then the others by name, so
    reordering the spec's lines reshuffles nobody."""
    return [(CONTROL, arms[CONTROL])] * (CONTROL in arms) + sorted((k, v) for k, v in arms.items() if k != CONTROL)


def assign_arms(ids, salt: str, arms: dict[str, float]) -> np.ndarray:
    """The named arm of each id: the slice of [0, 1) its salted hash falls in (shares
    declared in the spec's ``experiment.arms``, summing to one)."""
    u = unit_hash(ids, salt)
    order = arm_order(arms)
    edges = np.cumsum([share for _, share in order])
    which = np.minimum(np.searchsorted(edges, u, side="right"), len(order) - 1)
    return np.array([name for name, _ in order], dtype=object)[which]


def arms_of(ids, experiment) -> np.ndarray:
    """Each id's arm under the spec's experiment: its named arms when declared, else
    treatment and control at ``control_share``."""
    named = getattr(experiment, "arms", None)
    if named:
        return assign_arms(ids, experiment.salt, named)
    return assign(ids, experiment.salt, experiment.control_share)


@dataclass(frozen=True)
class FeatureBalance:
    feature: str
    kind: str
    treatment: dict
    control: dict
    difference: float
    note: str


@dataclass(frozen=True)
class Balance:
    """Arm sizes and feature distributions; ``standardized difference`` for numbers,
    the largest gap in a level's share for categories."""

    treatment: int
    control: int
    expected_control_share: float
    features: list[FeatureBalance] = field(default_factory=list)

    @property
    def control_share(self) -> float:
        total = self.treatment + self.control
        return self.control / total if total else float("nan")

    def to_dict(self) -> dict:
        return {**asdict(self), "control_share": self.control_share}


class BalanceCounter:
    """Sufficient statistics per arm, added chunk by chunk so a large batch is never
    held whole: counts, sums and squares for numbers, level counts for categories."""

    def __init__(self, features: list[str], expected_share: float):
        self.features, self.expected_share = features, expected_share
        self.sizes = {TREATMENT: 0, CONTROL: 0}
        self.moments: dict[str, dict[str, np.ndarray]] = {}
        self.levels: dict[str, dict[str, pd.Series]] = {}

    def add(self, frame: pd.DataFrame, arms) -> None:
        arms = np.asarray(arms)
        for arm in (TREATMENT, CONTROL):
            mask = arms == arm
            self.sizes[arm] += int(mask.sum())
            for feature in self.features:
                values = frame[feature][mask]
                if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                    x = values.to_numpy(dtype=float)
                    x = x[np.isfinite(x)]
                    stats = np.array([len(x), x.sum(), (x**2).sum()])
                    held = self.moments.setdefault(feature, {})
                    held[arm] = held.get(arm, np.zeros(3)) + stats
                else:
                    counts = values.astype(str).value_counts()
                    held = self.levels.setdefault(feature, {})
                    held[arm] = held[arm].add(counts, fill_value=0) if arm in held else counts

    def result(self) -> Balance:
        rows = []
        for feature in self.features:
            if feature in self.moments:
                stats = self.moments[feature]
                t, c = stats.get(TREATMENT, np.zeros(3)), stats.get(CONTROL, np.zeros(3))
                mean = lambda s: s[1] / s[0] if s[0] else float("nan")  # noqa: E731
                var = lambda s: max(s[2] / s[0] - (s[1] / s[0]) ** 2, 0.0) if s[0] else float("nan")  # noqa: E731
                pooled = np.sqrt((var(t) + var(c)) / 2)
                diff = (mean(t) - mean(c)) / pooled if np.isfinite(pooled) and pooled > 0 else 0.0
                rows.append(FeatureBalance(feature, "numeric", {"mean": mean(t)}, {"mean": mean(c)}, float(diff), "standardized mean difference"))
            else:
                counts = self.levels.get(feature, {})
                shares = {arm: (counts[arm] / counts[arm].sum()) if arm in counts and counts[arm].sum() else pd.Series(dtype=float)
                          for arm in (TREATMENT, CONTROL)}
                levels = shares[TREATMENT].index.union(shares[CONTROL].index)
                gap = (shares[TREATMENT].reindex(levels, fill_value=0) - shares[CONTROL].reindex(levels, fill_value=0)).abs()
                rows.append(FeatureBalance(feature, "categorical", {k: float(v) for k, v in shares[TREATMENT].items()},
                                           {k: float(v) for k, v in shares[CONTROL].items()},
                                           float(gap.max()) if len(gap) else 0.0, "largest gap in a level's share"))
        return Balance(self.sizes[TREATMENT], self.sizes[CONTROL], self.expected_share, rows)


def balance(frame: pd.DataFrame, arms, features: list[str], expected_share: float) -> Balance:
    """The balance of one frame (see :class:`BalanceCounter`)."""
    counter = BalanceCounter(features, expected_share)
    counter.add(frame, arms)
    return counter.result()
