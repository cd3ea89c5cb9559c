"""Sequential inference for the lift: the boundaries agree with published values and
with a simulation of the statistic, and on simulated A/A experiments looked at daily the
group-sequential test's false-positive rate is alpha while the fixed-horizon one's is
inflated (the numbers are printed: run with -s to see them)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from govern.live import sequential

ALPHA = 0.05


def test_pocock_type_boundaries_match_the_published_values():
    # Lan-DeMets Pocock-type spending, 5 equally spaced looks, two-sided 0.05 (gsDesign sfLDPocock, rpact asP)
    t = np.arange(1, 6) / 5
    assert np.allclose(sequential.boundaries(t, t, ALPHA, "pocock"), [2.4380, 2.4268, 2.4101, 2.3966, 2.3859], atol=2e-3)


def test_obrien_fleming_type_boundaries_spend_what_the_function_says():
    info = np.arange(1, 11, dtype=float)
    bounds = sequential.boundaries(info, info / 10, ALPHA)
    assert bounds[0] == pytest.approx(norm.isf(ALPHA / 2) / np.sqrt(0.1), rel=1e-7)  # first look: z_{1-a/2} / sqrt(t), exactly
    assert np.all(np.diff(bounds) < 0) and 1.96 < bounds[-1] < 2.2
    z = np.cumsum(np.random.default_rng(1).standard_normal((200_000, 10)), axis=1) / np.sqrt(info)
    crossed = np.abs(z) >= bounds
    first = np.where(crossed.any(axis=1), crossed.argmax(axis=1), -1)
    per_look = np.bincount(first[first >= 0], minlength=10) / len(z)
    spend = np.diff(np.r_[0, sequential.spent(info / 10, ALPHA)])
    assert np.allclose(np.cumsum(per_look), np.cumsum(spend), atol=3 * np.sqrt(ALPHA / len(z)))
    assert crossed.any(axis=1).mean() == pytest.approx(ALPHA, abs=0.002)


def test_looks_beyond_the_plan_have_no_alpha_left_and_information_must_grow():
    bounds = sequential.boundaries([1.0, 2.0, 3.0], [0.5, 1.0, 1.0], ALPHA)
    assert np.isfinite(bounds[:2]).all() and bounds[2] == np.inf
    with pytest.raises(ValueError, match="strictly increasing"):
        sequential.boundaries([1.0, 1.0], [0.5, 1.0], ALPHA)


DAYS, PER_DAY, CONTROL_SHARE, RATE, REPLICATIONS = 42, 100, 0.2, 0.3, 4000


def _aa_z(rng) -> tuple[np.ndarray, np.ndarray]:
    """z of treatment minus control at each daily look of REPLICATIONS A/A experiments, and the information."""
    nc_day = int(PER_DAY * CONTROL_SHARE)
    nt_day = PER_DAY - nc_day
    et = np.cumsum(rng.binomial(nt_day, RATE, (REPLICATIONS, DAYS)), axis=1)
    ec = np.cumsum(rng.binomial(nc_day, RATE, (REPLICATIONS, DAYS)), axis=1)
    nt, nc = nt_day * np.arange(1, DAYS + 1), nc_day * np.arange(1, DAYS + 1)
    pt, pc = et / nt, ec / nc
    se = np.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
    return (pt - pc) / se, 1 / (1 / nt + 1 / nc)


def test_aa_daily_looks_sequential_false_positives_are_alpha_and_fixed_horizon_ones_inflated():
    z, info = _aa_z(np.random.default_rng(2026))
    bounds = sequential.boundaries(info, np.arange(1, DAYS + 1) / DAYS, ALPHA)
    sequential_fp = (np.abs(z) >= bounds).any(axis=1).mean()
    fixed = sequential.fixed_bound(ALPHA)
    fixed_final = (np.abs(z[:, -1]) >= fixed).mean()
    fixed_peeking = (np.abs(z[:, 6:]) >= fixed).any(axis=1).mean()  # a daily look from day 7 on
    error = np.sqrt(ALPHA * (1 - ALPHA) / REPLICATIONS)
    print(f"\nA/A, {REPLICATIONS} replications, {DAYS} daily looks: group-sequential {sequential_fp:.4f};"
          f" fixed-horizon at the final look {fixed_final:.4f}, at some look from day 7 on {fixed_peeking:.4f} (MC error {error:.4f})")
    assert abs(sequential_fp - ALPHA) <= 3 * error
    assert abs(fixed_final - ALPHA) <= 3 * error
    assert fixed_peeking > ALPHA + 10 * error  # peeking at the fixed-horizon interval inflates it several-fold


def _frame(rng, days: int, effect: float) -> pd.DataFrame:
    rows = []
    for d in range(days):
        arm = np.where(rng.random(PER_DAY) < CONTROL_SHARE, "control", "treatment")
        y = rng.random(PER_DAY) < RATE + np.where(arm == "treatment", effect, 0.0)
        rows.append(pd.DataFrame({"as_of": pd.Timestamp(date(2026, 8, 1) + timedelta(days=d)), "arm": arm, "outcome": y.astype(float)}))
    return pd.concat(rows, ignore_index=True)


def test_the_lift_test_on_logged_units_agrees_with_the_hand_computation_and_finds_a_real_effect():
    rng = np.random.default_rng(3)
    frame = _frame(rng, 20, -0.12)
    result = sequential.lift_test(frame, date(2026, 8, 1), 20, ALPHA)
    last = result.looks[-1]
    t, c = frame.loc[frame["arm"] == "treatment", "outcome"], frame.loc[frame["arm"] == "control", "outcome"]
    assert last.difference == pytest.approx(t.mean() - c.mean()) and last.treated == len(t) and last.fraction == 1.0
    assert last.z == pytest.approx(last.difference / np.sqrt(t.mean() * (1 - t.mean()) / len(t) + c.mean() * (1 - c.mean()) / len(c)))
    assert result.crossed_on is not None and result.direction == "lower" and result.upper < 0
    assert result.lower == pytest.approx(last.difference - last.bound * last.se)
    later = sequential.lift_test(_frame(np.random.default_rng(3), 25, -0.12), date(2026, 8, 1), 20, ALPHA)
    assert [k.bound for k in later.looks[:20]] == pytest.approx([k.bound for k in result.looks])  # later data never move an earlier boundary
    assert later.looks[-1].bound is None and "no alpha is left" in later.note
    assert sequential.lift_test(frame.iloc[:0], date(2026, 8, 1), 20, ALPHA).note.startswith("not measured")
