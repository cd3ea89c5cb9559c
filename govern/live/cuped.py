"""CUPED/CUPAC: the lift estimated with regression adjustment on pre-treatment covariates.

The champion's score is computed before any offer is made and is logged for every
customer, and it is itself a model's prediction of the outcome from pre-treatment
features, which makes the adjustment CUPAC (Tang et al.) with CUPED's estimator (Deng
et al. 2013): ``y - theta (x - mean x)`` with ``theta`` fitted on both arms pooled, so
the adjustment is the same in both and cannot create an effect.  The variance of the
difference falls by about ``1 - rho^2`` (``rho`` the correlation of the covariate with
the outcome), so the interval narrows by its square root for the same customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from govern.evidence.live import Adjusted
from govern.live.assignment import CONTROL, TREATMENT


def adjusted_difference(y, x, treated) -> tuple[float, float, float, float]:
    """Difference of means treated minus control, raw and adjusted, with their standard
    errors: ``(raw, raw_se, adjusted, adjusted_se)``; ``x`` is one covariate or a matrix."""
    y, treated = np.asarray(y, float), np.asarray(treated, bool)
    centred = np.asarray(x, float).reshape(len(y), -1)
    centred = centred - centred.mean(axis=0)
    # Least squares with an intercept, by its normal equations on centred covariates (the
    # intercept is then the mean of y): a k x k system, not a copy of an n x (k+1) design.
    theta = np.linalg.lstsq(centred.T @ centred, centred.T @ (y - y.mean()), rcond=None)[0]
    adjusted = y - centred @ theta

    def diff(v):
        a, b = v[treated], v[~treated]
        return a.mean() - b.mean(), np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))

    (raw, raw_se), (adj, adj_se) = diff(y), diff(adjusted)
    return float(raw), float(raw_se), float(adj), float(adj_se)


def lift(targeted: pd.DataFrame, covariates: list[str], confidence: float, bound: float | None) -> Adjusted:
    """The adjusted lift on matured targeted units; ``bound`` is the sequential boundary of
    the current look (None: no sequential interval yet)."""
    treated = (targeted["arm"] == TREATMENT).to_numpy()
    x = targeted[covariates].to_numpy(float)
    keep = (treated | (targeted["arm"] == CONTROL).to_numpy()) & ~np.isnan(x).any(axis=1)
    treated = treated[keep]
    if treated.sum() < 3 or (~treated).sum() < 3:
        return Adjusted(covariates=covariates, difference=None, lower=None, upper=None, sequential_lower=None, sequential_upper=None,
                        raw_lower=None, raw_upper=None, variance_reduction=None, note="not measured: fewer than 3 targeted customers in an arm")
    raw, raw_se, adj, adj_se = adjusted_difference(targeted["outcome"].to_numpy(float)[keep], x[keep], treated)
    z = norm.ppf(0.5 + confidence / 2)
    seq = (adj - bound * adj_se, adj + bound * adj_se) if bound is not None else (None, None)
    reduction = 1 - (adj_se / raw_se) ** 2 if raw_se > 0 else None
    return Adjusted(covariates=covariates, difference=adj, lower=adj - z * adj_se, upper=adj + z * adj_se, sequential_lower=seq[0],
                    sequential_upper=seq[1], raw_lower=raw - z * raw_se, raw_upper=raw + z * raw_se, variance_reduction=reduction)
