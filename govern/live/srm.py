"""Sample-ratio mismatch: do the arms hold the shares the salted hash should give them?

A chi-squared goodness-of-fit test of the arm counts against the configured control
share, per batch and over distinct customers (a customer keeps its arm across batches,
so counting rows would count the same draw many times).  The per-batch p-values are
Bonferroni-adjusted over the batches, so a long experiment is not blocked by chance
alone more often than a short one.  Below ``experiment.srm_p_value`` (0.001, as at
Microsoft) the assignment or the logging is broken and no comparison of the arms can be
trusted: the report withholds its conclusions and the live gate is blocked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chisquare

from govern.evidence.live import SampleRatio
from govern.live.assignment import CONTROL, TREATMENT


def p_value(treatment: int, control: int, share: float) -> float:
    """Chi-squared (1 degree of freedom) p-value of the counts against ``share`` in control."""
    total = treatment + control
    if total == 0:
        return float("nan")
    return float(chisquare([control, treatment], f_exp=[total * share, total * (1 - share)]).pvalue)


def counts(frame: pd.DataFrame) -> tuple[int, int, pd.DataFrame]:
    """Treatment and control customers (each at its first row) and each batch's rows by arm
    (columns ``t``, ``c``, indexed by batch in order) of a live frame."""
    customers = frame.drop_duplicates("customer_id")
    nt, nc = int((customers["arm"] == TREATMENT).sum()), int((customers["arm"] == CONTROL).sum())
    batches = frame.groupby("batch_id")["arm"].agg(t=lambda a: int((a == TREATMENT).sum()), c=lambda a: int((a == CONTROL).sum()))
    return nt, nc, batches


def check(frame: pd.DataFrame, share: float, threshold: float) -> SampleRatio:
    """The test on a live frame (``batch_id``, ``customer_id``, ``arm`` per scored row)."""
    return check_counts(*counts(frame), share, threshold)


def check_counts(nt: int, nc: int, batches: pd.DataFrame, share: float, threshold: float) -> SampleRatio:
    """The test on the counts :func:`counts` gives (or DuckDB, on the Parquet log); no
    batch means nothing was scored."""
    if batches.empty:
        return SampleRatio(expected_control_share=share, treatment=0, control=0, p_value=None, worst_batch=None, worst_batch_p_value=None,
                           threshold=threshold, mismatch=False, note="not measured: nothing scored yet")
    overall = p_value(nt, nc, share)
    batch_p = np.array([p_value(int(r.t), int(r.c), share) for r in batches.itertuples()])
    adjusted = np.minimum(batch_p * len(batch_p), 1.0)
    worst = int(np.nanargmin(adjusted)) if np.isfinite(adjusted).any() else None
    worst_p = float(adjusted[worst]) if worst is not None else None
    mismatch = bool(overall < threshold or (worst_p is not None and worst_p < threshold))
    note = ""
    if mismatch:
        where = (f"over {nt + nc} customers (p = {overall:.2g})" if overall < threshold
                 else f"in batch {batches.index[worst]} (Bonferroni p = {worst_p:.2g})")
        note = (f"sample-ratio mismatch {where}: control holds {nc / (nt + nc):.1%} of customers where {share:.0%} was configured;"
                " conclusions are withheld until the assignment or the logging is fixed")
    return SampleRatio(expected_control_share=share, treatment=nt, control=nc, p_value=overall,
                       worst_batch=str(batches.index[worst]) if worst is not None else None, worst_batch_p_value=worst_p,
                       threshold=threshold, mismatch=mismatch, note=note)
