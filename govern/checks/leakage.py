"""Leakage: signal too strong to be true, caught before a reviewer trusts it.

A column that is the label in disguise (recorded after the outcome, copied from it)
gives a model that looks excellent on every holdout drawn from the same file and
fails in production.  Three symptoms betray it, each judged against a ceiling in
``spec.gates.leakage``:

- one feature predicts the target on its own (ROC AUC for a binary task, folded so a
  reversed column counts too; |Spearman correlation| for regression);
- one feature carries most of CatBoost's importance;
- the challenger beats the champion by more than any honest improvement could;
- one feature is far stronger than every other, even under those ceilings (see
  ``leakage_ablation``, which also reports what dropping the strongest feature costs).

Columns the spec acknowledges are still reported but do not fail the gate.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from govern.checks.leakage_ablation import Ablation, ablate, dominance
from govern.evidence.evaluation import Comparison
from govern.evidence.verdict import FAILED, NOT_MEASURED, PASSED, GateResult
from govern.spec.model import ModelSpec

ENCODING_FOLDS = 5
ENCODING_SMOOTHING = 10.0


@dataclass(frozen=True)
class ColumnSignal:
    column: str
    kind: str
    univariate: float | None
    importance_share: float | None
    acknowledged: bool


@dataclass(frozen=True)
class LeakageFinding:
    signal: str
    column: str | None
    value: float
    ceiling: float
    acknowledged: bool
    message: str


@dataclass(frozen=True)
class LeakageReport:
    enabled: bool
    task: str
    measure: str
    rows: int
    ceilings: dict
    acknowledged: list[str] = field(default_factory=list)
    columns: list[ColumnSignal] = field(default_factory=list)
    findings: list[LeakageFinding] = field(default_factory=list)
    gain_over_champion: float | None = None
    ablation: Ablation | None = None
    ablation_note: str | None = None
    seconds: float = 0.0

    @property
    def failures(self) -> list[LeakageFinding]:
        return [f for f in self.findings if not f.acknowledged]

    @property
    def status(self) -> str:
        if self.failures:
            return FAILED
        return PASSED if self.enabled and self.columns else NOT_MEASURED

    def top(self, n: int = 5) -> list[ColumnSignal]:
        """The columns with the strongest single-feature signal, for the card."""
        return self.columns[:n]

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "enabled": self.enabled,
            "task": self.task,
            "measure": self.measure,
            "rows": self.rows,
            "ceilings": dict(self.ceilings),
            "acknowledged": list(self.acknowledged),
            "columns": [asdict(c) for c in self.columns],
            "findings": [asdict(f) for f in self.findings],
            "gain_over_champion": self.gain_over_champion,
            "ablation": self.ablation.to_dict() if self.ablation else None,
            "ablation_note": self.ablation_note,
            "seconds": self.seconds,
        }


def _numeric_matrix(train: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Numeric columns as floats, missing values as +inf.

    +inf ranks every missing value together after every observed one, so a column
    whose missingness alone reveals the target is still caught, and nothing crashes.
    """
    matrix = np.empty((len(train), len(columns)))
    for j, column in enumerate(columns):
        values = pd.to_numeric(train[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        matrix[:, j] = np.where(np.isnan(values), np.inf, values)
    return matrix


def out_of_fold_target_mean(values: pd.Series, target: np.ndarray, *, seed: int, folds: int = ENCODING_FOLDS) -> np.ndarray:
    """Each row's category encoded by the target mean of the *other* folds.

    Encoding a category by its own rows' mean makes an id-like column (one row per
    value) reproduce the target exactly; out of fold, a value never seen elsewhere
    falls back to the overall mean and carries no signal.  Means are smoothed toward
    the overall mean by ``ENCODING_SMOOTHING`` pseudo-rows so rare values stay quiet.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    n, k = len(codes), len(uniques)
    fold = np.random.default_rng(seed).permutation(n) % folds
    cell = fold * k + codes
    fold_sum = np.bincount(cell, weights=target, minlength=folds * k)
    fold_count = np.bincount(cell, minlength=folds * k).astype(float)
    total_sum = fold_sum.reshape(folds, k).sum(axis=0)
    total_count = fold_count.reshape(folds, k).sum(axis=0)
    other_sum = total_sum[codes] - fold_sum[cell]
    other_count = total_count[codes] - fold_count[cell]
    prior = float(target.mean())
    return (other_sum + ENCODING_SMOOTHING * prior) / (other_count + ENCODING_SMOOTHING)


def folded_auc(matrix: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ROC AUC of each column alone (ties averaged), folded: max(a, 1 - a)."""
    positives = y == 1
    pos, neg = int(positives.sum()), int((~positives).sum())
    if pos == 0 or neg == 0:
        return np.full(matrix.shape[1], np.nan)
    ranks = rankdata(matrix, axis=0)
    auc = (ranks[positives].sum(axis=0) - pos * (pos + 1) / 2) / (pos * neg)
    return np.maximum(auc, 1 - auc)


def absolute_rank_correlation(matrix: np.ndarray, y: np.ndarray) -> np.ndarray:
    """|Spearman correlation| of each column with ``y``; 0 for a constant column."""
    ranks = rankdata(matrix, axis=0)
    ranks -= ranks.mean(axis=0)
    target = rankdata(y)
    target -= target.mean()
    scale = np.sqrt((ranks**2).sum(axis=0) * (target**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.abs(target @ ranks) / scale
    return np.where(scale > 0, rho, 0.0)


def univariate_signal(spec: ModelSpec, train: pd.DataFrame, features: list[str], categorical: list[str]) -> dict[str, float | None]:
    """Each feature's signal on its own: numeric by value, categorical out of fold."""
    if not features:
        return {}
    y = train[spec.data.target].to_numpy(dtype=float)
    categories = set(categorical)
    numeric = [c for c in features if c not in categories]
    encoded = [c for c in features if c in categories]
    matrix = np.empty((len(train), len(features)))
    matrix[:, : len(numeric)] = _numeric_matrix(train, numeric)
    for j, column in enumerate(encoded, start=len(numeric)):
        matrix[:, j] = out_of_fold_target_mean(train[column], y, seed=spec.split.seed)
    signal = folded_auc(matrix, y) if spec.task == "binary" else absolute_rank_correlation(matrix, y)
    by_column = dict(zip(numeric + encoded, signal.tolist()))
    return {c: (None if np.isnan(by_column[c]) else float(by_column[c])) for c in features}


def importance_shares(model) -> dict[str, float]:
    """Each feature's share of CatBoost's importance (PredictionValuesChange), 0..1."""
    importance = np.asarray(model.get_feature_importance(), dtype=float)
    total = importance.sum()
    shares = importance / total if total > 0 else np.zeros_like(importance)
    return dict(zip(model.feature_names_, shares.tolist()))


def _ceilings(spec: ModelSpec) -> dict:
    gate = spec.gates.leakage
    univariate = gate.max_univariate_auc if spec.task == "binary" else gate.max_rank_correlation
    return {"univariate": univariate, "importance_share": gate.max_importance_share, "gain_over_champion": gate.max_gain_over_champion}


def assess_leakage(
    spec: ModelSpec,
    train: pd.DataFrame,
    features: list[str],
    categorical: list[str],
    model,
    comparison: Comparison | None,
    holdout: pd.DataFrame | None = None,
) -> LeakageReport:
    """Measure every leakage signal of a refitted challenger on its training rows, and what
    dropping its strongest feature costs on ``holdout`` (or on held-out training rows)."""
    start = time.perf_counter()
    gate = spec.gates.leakage
    binary = spec.task == "binary"
    ceilings = _ceilings(spec)
    base: dict[str, Any] = dict(
        task=spec.task, measure="roc_auc" if binary else "spearman", rows=int(len(train)), ceilings=ceilings, acknowledged=list(gate.acknowledged),
    )
    if not gate.enabled:
        return LeakageReport(enabled=False, **base)

    acknowledged = set(gate.acknowledged)
    univariate = univariate_signal(spec, train, features, categorical)
    shares = importance_shares(model)
    categories = set(categorical)
    columns = [
        ColumnSignal(c, "categorical" if c in categories else "numeric", univariate[c], shares.get(c), c in acknowledged)
        for c in features
    ]
    columns.sort(key=lambda s: (-(s.univariate or 0.0), -(s.importance_share or 0.0), s.column))

    findings: list[LeakageFinding] = []
    label = "AUC" if binary else "rank correlation"
    for s in columns:
        if s.univariate is not None and s.univariate > ceilings["univariate"]:
            text = f"{s.column} alone has {label} {s.univariate:.2f} > {ceilings['univariate']:.2f}"
            findings.append(LeakageFinding("univariate", s.column, s.univariate, ceilings["univariate"], s.acknowledged, text))
    for s in sorted(columns, key=lambda s: -(s.importance_share or 0.0)):
        if s.importance_share is not None and s.importance_share > ceilings["importance_share"]:
            text = f"{s.column} carries {s.importance_share:.0%} of importance > {ceilings['importance_share']:.0%}"
            findings.append(LeakageFinding("importance", s.column, s.importance_share, ceilings["importance_share"], s.acknowledged, text))
    gain = float(comparison.delta) if comparison is not None else None
    ceiling = ceilings["gain_over_champion"]
    if comparison is not None and gain is not None and ceiling is not None and gain > ceiling:
        text = f"{comparison.metric} gain over the champion {gain:+.4g} > {ceiling:g}"
        findings.append(LeakageFinding("gain_over_champion", None, gain, ceiling, False, text))
    dominant = dominance(univariate, {c: shares.get(c) for c in features}, binary)
    if dominant and not any(f.column == dominant[0] for f in findings):
        column, value, bound, why = dominant
        findings.append(LeakageFinding("dominance", column, value, bound, column in acknowledged, f"{why}: far stronger than every other feature"))
    strongest = max(features, key=lambda c: (shares.get(c) or 0.0, c), default=None)
    ablation, note = None, None
    try:
        ablation = ablate(spec, train, features, categorical, model, strongest, holdout) if strongest else None
    except Exception as exc:  # noqa: BLE001 -- the evidence says the ablation is missing and why; the ceilings still judge
        note = f"ablation not measured ({exc.__class__.__name__}: {' '.join(str(exc).split())[:120]})"
    return LeakageReport(
        enabled=True, columns=columns, findings=findings, gain_over_champion=gain, ablation=ablation, ablation_note=note,
        seconds=round(time.perf_counter() - start, 3), **base,
    )


def _bound(report: LeakageReport) -> str:
    ceilings = report.ceilings
    label = "univariate AUC" if report.measure == "roc_auc" else "|rank correlation|"
    parts = [f"{label} <= {ceilings['univariate']:g}", f"importance share <= {ceilings['importance_share']:.0%}"]
    if ceilings["gain_over_champion"] is not None:
        parts.append(f"gain over champion <= {ceilings['gain_over_champion']:g}")
    return ", ".join(parts)


def leakage_gates(spec: ModelSpec, report: LeakageReport) -> list[GateResult]:
    """One gate result: failed on any unacknowledged finding, naming the columns."""
    bound = _bound(report)
    if not report.enabled:
        return [GateResult("leakage", "leakage", NOT_MEASURED, None, bound, "not measured: disabled by the spec (gates.leakage.enabled: false)")]
    measured = [s.univariate for s in report.columns if s.univariate is not None]
    observed = max(measured) if measured else None
    accepted = [f.message for f in report.findings if f.acknowledged]
    suffix = f"; acknowledged by the spec: {'; '.join(accepted)}" if accepted else ""
    ablated = report.ablation.describe() if report.ablation else report.ablation_note
    suffix += f"; {ablated}" if ablated else ""
    if report.status == FAILED:
        reason = "possible leak: " + "; ".join(f.message for f in report.failures) + suffix
        return [GateResult("leakage", "leakage", FAILED, observed, bound, reason)]
    if report.status == NOT_MEASURED:
        return [GateResult("leakage", "leakage", NOT_MEASURED, None, bound, "not measured: no feature columns to measure")]
    ceilings = report.ceilings
    label = "AUC" if report.measure == "roc_auc" else "rank correlation"
    strongest = report.columns[0]
    top_share = max(report.columns, key=lambda s: s.importance_share or 0.0)
    parts = []
    if strongest.univariate is not None:
        parts.append(f"strongest single feature {strongest.column} {label} {strongest.univariate:.2f} <= {ceilings['univariate']:.2f}")
    if top_share.importance_share is not None:
        parts.append(f"largest importance share {top_share.column} {top_share.importance_share:.0%} <= {ceilings['importance_share']:.0%}")
    if report.gain_over_champion is not None:
        parts.append(f"gain over the champion {report.gain_over_champion:+.4g}")
    reason = "no leak signal: " + ", ".join(parts) + suffix
    return [GateResult("leakage", "leakage", PASSED, observed, bound, reason)]
