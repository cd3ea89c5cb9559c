"""The classic probabilistic baseline for CLV: BG/NBD with Gamma-Gamma (``lifetimes``).

A tuned CatBoost model has to earn its complexity against the textbook model of
repeat purchases.  BG/NBD predicts how many purchases each customer makes in the
horizon from their frequency, recency and age; Gamma-Gamma predicts the spend per
purchase; their product is the expected spend in the horizon.  Both are fitted on
purchase history before the cutoff only, so they need no target and see nothing the
holdout is judged on.  CatBoost and the baseline are then compared on the same
holdout customers with the paired bootstrap the champion gate uses (its metric too),
and the baseline gate judges that comparison.

Spend in a horizon is zero for most customers, so the result also reports, for
CatBoost, BG/NBD, the flow's mean baseline and predicting no spend at all, MAE, RMSE
and the share of spend captured by the top decile, each with its bootstrap interval:
a model can win on RMSE by predicting little for everyone and still rank badly.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from govern.data.transactions import _clean_log
from govern.data.validation import load_table
from govern.evidence.evaluation import Comparison
from govern.spec.model import ModelSpec
from govern.stats.evaluation import bootstrap_interval, holdout_metrics, metric_values, paired_bootstrap

PENALIZER = 0.001
MODEL = "BG/NBD with Gamma-Gamma (lifetimes {version}, penalizer {penalizer})"
REPORTED = ("mae", "rmse", "top_decile_capture")


@dataclass(frozen=True)
class BaselineResult:
    """CatBoost against the baseline on the same customers; ``comparison`` is None when
    the baseline could not be measured, and ``reason`` says why."""

    model: str
    cutoffs: list[str]
    customers: int
    metrics: dict[str, float]
    parameters: dict[str, dict[str, float]]
    comparison: Comparison | None
    reason: str = ""
    side_by_side: dict[str, dict[str, dict[str, float]]] | None = None

    @property
    def measured(self) -> bool:
        return self.comparison is not None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["comparison"] = self.comparison.to_dict() if self.comparison else None
        out["measured"] = self.measured
        return out

    def summary(self) -> str:
        if not self.measured:
            return f"baseline {self.model}: not measured ({self.reason})"
        c = self.comparison
        return (
            f"CatBoost vs {self.model} on {c.rows} holdout customers: {c.metric} {c.challenger:.4f} vs {c.champion:.4f},"
            f" gain {c.delta:+.4f} [{c.lower:+.4f}, {c.upper:+.4f}] at {c.confidence:.0%}"
        )


def history_summary(log: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """``lifetimes``' per-customer frequency, recency, T and monetary value from purchases
    before ``cutoff`` (daily periods; T counts to the day before the cutoff)."""
    from lifetimes.utils import summary_data_from_transaction_data

    before = log[log["date"] < cutoff]
    return summary_data_from_transaction_data(
        before, "id", "date", "amount", observation_period_end=cutoff - pd.Timedelta(days=1), freq="D"
    )


def predict_spend(log: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int) -> tuple[pd.Series, dict]:
    """Expected spend per customer in the ``horizon_days`` from ``cutoff``, and the fitted parameters."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    summary = history_summary(log, cutoff)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bgf = BetaGeoFitter(penalizer_coef=PENALIZER).fit(summary["frequency"], summary["recency"], summary["T"])
        repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        if len(repeat) < 10:
            raise ValueError(f"Gamma-Gamma needs repeat customers with positive spend; {len(repeat)} at {cutoff:%Y-%m-%d}")
        ggf = GammaGammaFitter(penalizer_coef=PENALIZER).fit(repeat["frequency"], repeat["monetary_value"])
        purchases = bgf.conditional_expected_number_of_purchases_up_to_time(horizon_days, summary["frequency"], summary["recency"], summary["T"])
        spend_per_purchase = ggf.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"].clip(lower=0))
    params = {"bg_nbd": {k: float(v) for k, v in bgf.params_.items()}, "gamma_gamma": {k: float(v) for k, v in ggf.params_.items()}}
    return (purchases * spend_per_purchase).rename("baseline"), params


def compare_with_baseline(
    spec: ModelSpec,
    root: Path,
    holdout: pd.DataFrame,
    predictions,
    *,
    source: Path | None = None,
    resamples: int | None = None,
    confidence: float | None = None,
    references: dict[str, np.ndarray] | None = None,
) -> BaselineResult:
    """CatBoost's holdout ``predictions`` against BG/NBD + Gamma-Gamma on the same rows.

    ``holdout`` is the built table's holdout (ids ``customer[@cutoff]``, the time column
    holding each row's cutoff); ``source`` is the transaction log it was built from
    (default the spec's).  The paired bootstrap uses the champion gate's settings.
    Positive gain means CatBoost is better.  ``references`` are other models' holdout
    predictions (e.g. the flow's mean baseline) reported beside them.
    """
    import lifetimes

    tx, data = spec.data.transactions, spec.data
    gate = spec.gates.champion
    resamples = resamples or (gate.resamples if gate else 1000)
    confidence = confidence or (gate.confidence if gate else 0.95)
    name = MODEL.format(version=lifetimes.__version__, penalizer=PENALIZER)
    cutoffs = sorted(pd.to_datetime(holdout[data.time_column]).unique()) if len(holdout) else []
    empty = BaselineResult(name, [f"{pd.Timestamp(c):%Y-%m-%d}" for c in cutoffs], 0, {}, {}, None)
    if tx is None:
        return _unmeasured(empty, "the spec builds no table from transactions")
    path = Path(source) if source is not None else spec.source_path(root)
    log = _clean_log(load_table(path), tx.id_column or data.id_column, tx, str(path))
    expected = pd.Series(np.nan, index=holdout.index)
    customers = holdout[data.id_column].astype(str).str.split("@").str[0]
    times = pd.to_datetime(holdout[data.time_column])
    params = {}
    for c in cutoffs:
        cutoff = pd.Timestamp(c)
        try:
            spend, params[f"{cutoff:%Y-%m-%d}"] = predict_spend(log, cutoff, tx.horizon_days)
        except Exception as exc:  # lifetimes raises its own convergence errors and numpy's
            return _unmeasured(empty, f"fit failed at {cutoff:%Y-%m-%d}: {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        rows = times == cutoff
        expected[rows] = customers[rows].map(spend).to_numpy()
    if expected.isna().any() or not np.isfinite(expected.to_numpy()).all():
        return _unmeasured(empty, f"{int(expected.isna().sum())} holdout customers have no purchase history in {path.name}")
    y = holdout[data.target].to_numpy(dtype=float)
    challenger, baseline = np.asarray(predictions, dtype=float), expected.to_numpy()
    comparison = paired_bootstrap(spec.task, gate.metric if gate else spec.primary_metric, y, challenger, baseline,
                                  resamples=resamples, confidence=confidence, seed=spec.split.seed)
    models = {"challenger": challenger, "BG/NBD with Gamma-Gamma": baseline, **(references or {}), "no spend": np.zeros(len(y))}
    return BaselineResult(
        name, empty.cutoffs, int(customers.nunique()), holdout_metrics(spec.task, y, baseline), params, comparison,
        side_by_side=side_by_side(y, models, confidence=confidence, seed=spec.split.seed),
    )


def side_by_side(y, models: dict[str, np.ndarray], *, confidence: float = 0.95, resamples: int = 500, seed: int = 0) -> dict[str, dict[str, dict[str, float]]]:
    """MAE, RMSE and top-decile capture of each model on the same rows, with bootstrap intervals."""
    out = {}
    for label, prediction in models.items():
        out[label] = {
            metric: {
                "value": float(metric_values("regression", metric, y, prediction)),
                **dict(zip(("lower", "upper"), bootstrap_interval("regression", metric, y, prediction, resamples=resamples, confidence=confidence, seed=seed))),
            }
            for metric in REPORTED
        }
    return out


def _unmeasured(result: BaselineResult, reason: str) -> BaselineResult:
    return BaselineResult(result.model, result.cutoffs, 0, {}, {}, None, reason)
