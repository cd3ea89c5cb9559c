"""Qini and uplift (cumulative gain) curves, their areas, and bootstrap intervals.

Customers are ranked by a score (highest first).  At the first ``k`` of them, with
``n_t, n_c`` treated and control customers and ``r_t, r_c`` good responses among them
(a response here is an outcome prevented, i.e. ``1 - outcome``):

* Qini (Radcliffe 2007): ``Q(k) = r_t - r_c * n_t / n_c``, incremental responses on the
  treated arm's scale; divided by the treated arm's size it ends at the average effect.
* Uplift / cumulative gain (causalml's ``get_cumgain``): ``G(k) = (r_t/n_t - r_c/n_c) * k``,
  divided by the population: the responses gained per customer if the top ``k`` were treated.

Both curves run over the share targeted ``x = k / N`` from (0, 0) to (1, ATE); tied
scores count as one step (the curve is evaluated at the end of each tie), as in
scikit-uplift.  The **Qini coefficient** is the area between the Qini curve and the
random-targeting diagonal (zero: no better than random); **AUUC** is the area under the
gain curve, reported with its random baseline ATE / 2.  Intervals resample customers
within each arm (the arms' sizes were fixed by design) by multinomial weights over the
pre-sorted order, so no resample is sorted again and two rankings compared on the same
customers share their resamples (a paired interval).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RESAMPLE_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class Curves:
    share: np.ndarray  # x: share of customers targeted, starting at 0
    qini: np.ndarray  # Q(k) / n_t(N)
    gain: np.ndarray  # G(k) / N

    @property
    def ate(self) -> float:
        return float(self.gain[..., -1]) if self.gain.ndim == 1 else self.gain[..., -1]


def _order(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices by descending score (stable), and the positions ending each group of ties."""
    order = np.argsort(-np.asarray(score, float), kind="stable")
    ranked = np.asarray(score, float)[order]
    ends = np.flatnonzero(np.r_[ranked[1:] != ranked[:-1], True])
    return order, ends


def _curves_weighted(response: np.ndarray, treated: np.ndarray, weights: np.ndarray, ends: np.ndarray) -> Curves:
    """Curves for rows already in ranked order; ``weights`` is (resamples, rows) or (rows,)."""
    w = np.atleast_2d(weights).astype(float)
    wt, wc = w * treated, w * (1 - treated)
    n_t, n_c = np.cumsum(wt, axis=1)[:, ends], np.cumsum(wc, axis=1)[:, ends]
    r_t, r_c = np.cumsum(wt * response, axis=1)[:, ends], np.cumsum(wc * response, axis=1)[:, ends]
    n = np.cumsum(w, axis=1)[:, ends]
    with np.errstate(divide="ignore", invalid="ignore"):
        qini = np.where(n_c > 0, r_t - r_c * n_t / n_c, r_t) / n_t[:, -1:]
        rate_t = np.where(n_t > 0, r_t / n_t, 0.0)
        rate_c = np.where(n_c > 0, r_c / n_c, 0.0)
        gain = np.where((n_t > 0) & (n_c > 0), (rate_t - rate_c) * n, 0.0) / n[:, -1:]
        share = n / n[:, -1:]
    zero = np.zeros((w.shape[0], 1))
    out = Curves(np.hstack([zero, share]), np.hstack([zero, qini]), np.hstack([zero, gain]))
    if np.ndim(weights) == 1:
        return Curves(out.share[0], out.qini[0], out.gain[0])
    return out


def curves(outcome, treated, score) -> Curves:
    """Qini and gain curves of ranking by ``score``; ``outcome`` is the spec's 0/1 outcome
    (churn), whose prevention is the response."""
    response, t = 1.0 - np.asarray(outcome, float), np.asarray(treated, float)
    order, ends = _order(score)
    return _curves_weighted(response[order], t[order], np.ones(len(order)), ends)


def _trapezoid(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.sum((x[..., 1:] - x[..., :-1]) * (y[..., 1:] + y[..., :-1]) / 2, axis=-1)


def areas(c: Curves) -> dict[str, np.ndarray | float]:
    """Qini coefficient (area above the diagonal), AUUC, AUUC's random baseline, ATE."""
    ate = c.gain[..., -1]
    return {"qini": _trapezoid(c.share, c.qini) - ate / 2, "auuc": _trapezoid(c.share, c.gain), "auuc_random": ate / 2, "ate": ate}


def _arm_weights(treated: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Multinomial bootstrap counts drawn within each arm: (resamples, rows)."""
    w = np.zeros((resamples, len(treated)))
    for arm in (0, 1):
        idx = np.flatnonzero(treated == arm)
        if len(idx):
            w[:, idx] = rng.multinomial(len(idx), np.full(len(idx), 1 / len(idx)), size=resamples)
    return w


def bootstrap_areas(outcome, treated, scores: dict[str, np.ndarray], *, resamples: int, seed: int) -> dict[str, dict[str, np.ndarray]]:
    """The areas of each ranking in ``scores`` on the same ``resamples`` (paired)."""
    response, t = 1.0 - np.asarray(outcome, float), np.asarray(treated, float)
    rng = np.random.default_rng(seed)
    ordered = {name: _order(s) for name, s in scores.items()}
    out: dict[str, dict[str, list]] = {name: {} for name in scores}
    step = max(1, RESAMPLE_CHUNK_CELLS // max(len(t), 1))
    for start in range(0, resamples, step):
        w = _arm_weights(t.astype(int), min(step, resamples - start), rng)
        for name, (order, ends) in ordered.items():
            for key, value in areas(_curves_weighted(response[order], t[order], w[:, order], ends)).items():
                out[name].setdefault(key, []).append(np.asarray(value))
    return {name: {k: np.concatenate(v) for k, v in block.items()} for name, block in out.items()}


def percentile_interval(draws: np.ndarray, confidence: float) -> tuple[float, float]:
    draws = np.asarray(draws, float)
    draws = draws[np.isfinite(draws)]
    if len(draws) == 0:
        return float("nan"), float("nan")
    alpha = (1 - confidence) / 2
    return float(np.quantile(draws, alpha)), float(np.quantile(draws, 1 - alpha))


def deciles(outcome, treated, predicted, *, bins: int = 10, z: float = 1.959964) -> list[dict]:
    """Customers in ``bins`` groups by predicted uplift (highest first): sizes per arm,
    outcome rates, observed uplift (control rate - treated rate) with a Wald interval,
    and the mean predicted uplift."""
    y, t, p = np.asarray(outcome, float), np.asarray(treated, int), np.asarray(predicted, float)
    order = np.argsort(-p, kind="stable")
    rows = []
    for k, part in enumerate(np.array_split(order, bins), start=1):
        yt, yc = y[part][t[part] == 1], y[part][t[part] == 0]
        row = {"decile": k, "customers": int(len(part)), "treated": int(len(yt)), "control": int(len(yc)),
               "predicted_uplift": float(p[part].mean()) if len(part) else None,
               "treated_rate": float(yt.mean()) if len(yt) else None, "control_rate": float(yc.mean()) if len(yc) else None,
               "observed_uplift": None, "lower": None, "upper": None}
        if len(yt) >= 2 and len(yc) >= 2:
            diff = yc.mean() - yt.mean()
            se = np.sqrt(yt.mean() * (1 - yt.mean()) / len(yt) + yc.mean() * (1 - yc.mean()) / len(yc))
            row.update(observed_uplift=float(diff), lower=float(diff - z * se), upper=float(diff + z * se))
        rows.append(row)
    return rows
