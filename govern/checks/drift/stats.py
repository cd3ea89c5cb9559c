"""Evidently's two default drift statistics, computed directly on all rows.

Over 1,000 reference rows Evidently measures a numeric column by the Wasserstein
distance normed by the reference's standard deviation (floored at 0.001) and a
categorical one (or a numeric one with at most 5 values) by the Jensen-Shannon distance
of value frequencies, both scipy's (the Wasserstein distance here is scipy's formula
on arrays sorted once per column), both with threshold 0.1
(``evidently/legacy/calculations/stattests/``).  Running its Report for them costs each
column twice and copies the frames; these are the same scipy calls on the same values
(infinities and missing values dropped, categories compared as strings), so the verdicts
are Evidently's (tests/test_drift_fast.py compares them).  Any other method, and the
p-value tests Evidently picks for 1,000 rows or fewer, are left to Evidently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import distance

DIRECT = {"wasserstein": "Wasserstein distance (normed)", "jensenshannon": "Jensen-Shannon distance"}
DEFAULT_THRESHOLD = 0.1
_SMALL = 1000


@dataclass(frozen=True)
class ColumnDrift:
    method: str
    score: float
    threshold: float

    @property
    def drifted(self) -> bool:
        return self.score >= self.threshold


def numbers(series: pd.Series) -> np.ndarray:
    values = series.to_numpy(dtype=float, na_value=np.nan)
    return values[np.isfinite(values)]


def _distinct(sorted_values: np.ndarray) -> int:
    return int(np.count_nonzero(np.diff(sorted_values))) + 1 if len(sorted_values) else 0


@dataclass(frozen=True)
class Numbers:
    """A numeric column's finite values on both sides, each sorted once, and their merge
    (which side each merged value came from), reused by every statistic below."""

    ref: np.ndarray
    cur: np.ndarray
    merged: np.ndarray
    from_ref: np.ndarray

    @classmethod
    def of(cls, ref: pd.Series, cur: pd.Series) -> Numbers:
        r, c = np.sort(numbers(ref)), np.sort(numbers(cur))
        both = np.concatenate([r, c])
        order = np.argsort(both, kind="stable")  # two sorted runs: a merge
        return cls(r, c, both[order], order < len(r))

    def wasserstein(self) -> float:
        """scipy's ``wasserstein_distance``: the area between the two empirical CDFs.
        Between consecutive merged values each CDF is the share of its side seen so far
        (tied values add zero width, so where within a tie the count is taken is moot)."""
        cdf_ref = np.cumsum(self.from_ref)[:-1] / len(self.ref)
        cdf_cur = np.cumsum(~self.from_ref)[:-1] / len(self.cur)
        return float(np.sum(np.abs(cdf_ref - cdf_cur) * np.diff(self.merged)))


def strings(series: pd.Series) -> pd.Series:
    counts = series.value_counts(dropna=True)
    counts.index = counts.index.map(str)
    return counts.groupby(level=0).sum()


def default_method(ref: pd.Series, cur: pd.Series, categorical: bool, values: Numbers | None = None) -> str | None:
    """Evidently's choice for a column when the spec names none; None for its p-value tests."""
    if categorical:
        return "jensenshannon" if int(ref.notna().sum()) > _SMALL else None
    if values is None:
        raise ValueError("a numeric column's default method needs its values")
    if len(values.ref) <= _SMALL:
        return None
    return "jensenshannon" if _distinct(values.merged) <= 5 else "wasserstein"


def _frequencies(ref: pd.Series, cur: pd.Series, values: Numbers | None) -> tuple[np.ndarray, np.ndarray]:
    """Evidently's ``get_binned_data`` without zero filling: value shares, or Sturges
    histogram shares for a numeric column with more than 20 reference values."""
    if values is not None:
        r, c = values.ref, values.cur
        if _distinct(r) > 20:
            edges = np.histogram_bin_edges(values.merged, bins="sturges")
            return np.histogram(r, edges)[0] / len(r), np.histogram(c, edges)[0] / len(c)
        ref, cur = pd.Series(r), pd.Series(c)
    r_counts, c_counts = strings(ref), strings(cur)
    keys = r_counts.index.union(c_counts.index)
    n_ref, n_cur = int(ref.notna().sum()), int(cur.notna().sum())
    return r_counts.reindex(keys, fill_value=0).to_numpy() / n_ref, c_counts.reindex(keys, fill_value=0).to_numpy() / n_cur


def measure(ref: pd.Series, cur: pd.Series, *, method: str, threshold: float | None, values: Numbers | None = None) -> ColumnDrift:
    """One column's distance by ``method`` ("wasserstein" or "jensenshannon");
    ``values`` is given for a numeric column, None for a categorical one."""
    threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    if method == "wasserstein":
        if values is None:
            raise ValueError("the Wasserstein distance is for numeric columns: their values are needed")
        score = values.wasserstein() / max(float(np.std(values.ref)), 0.001)
    else:
        score = distance.jensenshannon(*_frequencies(ref, cur, values))
    return ColumnDrift(method, float(score), threshold)
