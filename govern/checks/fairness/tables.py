"""One feature's block of the fairness report: groups, evidence, disparities, intervals.

Built as a :class:`~govern.evidence.fairness.FeatureFairness` (NaN becomes None, an
interval with an undefined end is None).  A value measured on a group under the
evidence rule is still shown, beside the reason it does not count ("8 positives < 10"),
so nothing is silently dropped.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from govern.checks.fairness.intervals import BETWEEN_GROUPS, EVIDENCE, disparities, percentile_interval
from govern.evidence.fairness import BinaryGroup, BinaryOverall, FeatureFairness, GroupsCounted, RegressionGroup, RegressionOverall
from govern.stats.group_metrics import BINARY_GROUP_METRICS, REGRESSION_GROUP_METRICS


def plain(value: Any) -> Any:
    """A JSON-safe scalar: numpy numbers to Python ones, NaN and infinities to None."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return None if value is None else bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def _interval(value, low, high) -> list[float] | None:
    if plain(value) is None or plain(low) is None or plain(high) is None:
        return None
    return [float(low), float(high)]


def _rule_text(rule: str, rules: dict) -> str:
    if rule == "rows":
        return f"at least {rules['min_group_size']} rows"
    return f"at least {rules['min_class_size']} positives and {rules['min_class_size']} negatives"


def _evidence(task: str, point: dict, rules: dict) -> tuple[np.ndarray, np.ndarray, list[str | None], list[str | None]]:
    """Which groups meet each evidence rule, and why each that does not falls short."""
    sizes = np.asarray(point["count"], dtype=np.int64)
    rows_ok = sizes >= rules["min_group_size"]
    rows_why = [None if ok else f"{n} rows < {rules['min_group_size']}" for n, ok in zip(sizes, rows_ok)]
    if task != "binary":
        return rows_ok, rows_ok, rows_why, rows_why
    need = rules["min_class_size"]
    pos, neg = np.asarray(point["positives"], dtype=np.int64), np.asarray(point["negatives"], dtype=np.int64)
    classes_ok = (pos >= need) & (neg >= need)
    classes_why = []
    for p, q in zip(pos, neg):
        short = [f"{p} positives < {need}"] * int(p < need) + [f"{q} negatives < {need}"] * int(q < need)
        classes_why.append("; ".join(short) or None)
    return rows_ok, classes_ok, rows_why, classes_why


def _disparity_note(name: str, used: int, rule: str, rules: dict, point_value) -> str | None:
    if plain(point_value) is not None:
        return None
    needed = 2 if name in BETWEEN_GROUPS else 1
    if used < needed:
        have = "no group has" if used == 0 else f"only {used} group has"
        return f"{have} {_rule_text(rule, rules)}" + ("; a difference needs two" if needed == 2 else "")
    if name == "worst_group_roc_auc":
        return "no scores given, or ROC AUC undefined in every group that counts"
    return "undefined in the groups that count (a rate with no rows to divide by)"


DECIDED = ("demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference", "equalized_odds_ratio", "worst_group_recall")


def vacuous_decisions(point: dict, compared: np.ndarray, labels: list[str], need: int) -> str | None:
    """Why decisions cannot be compared across groups: a policy that flags fewer than
    ``need`` customers (or leaves fewer than ``need`` unflagged) in a compared group makes
    every disparity of decisions trivially small, so it is not measured, never passed."""
    sizes = np.asarray(point["count"], dtype=float)
    flagged = np.rint(np.nan_to_num(np.asarray(point["selection_rate"], dtype=float)) * sizes).astype(np.int64)
    short = [f"{label}: {k} of {int(n)} flagged" for label, k, n, ok in zip(labels, flagged, sizes, compared)
             if ok and (k < need or n - k < need)]
    if not short:
        return None
    return f"the decision policy flags too few or too many to compare ({'; '.join(short)}; each compared group needs {need} flagged and {need} not)"


def feature_block(task: str, labels: list[str], point: dict, draws: dict, overall: tuple[dict, dict], rules: dict) -> FeatureFairness:
    """The report of one sensitive feature (or intersection) from point values and resample draws."""
    binary = task == "binary"
    names = BINARY_GROUP_METRICS if binary else REGRESSION_GROUP_METRICS
    group_model, overall_model = (BinaryGroup, BinaryOverall) if binary else (RegressionGroup, RegressionOverall)
    confidence = rules["confidence"]
    bounds = {m: percentile_interval(np.asarray(draws[m]), confidence) for m in names}
    rows_ok, classes_ok, rows_why, classes_why = _evidence(task, point, rules)
    records, insufficient = [], {}
    for i, label in enumerate(labels):
        size = int(point["count"][i])
        counts = {"positives": int(point["positives"][i]), "negatives": int(point["negatives"][i])} if binary else {}
        why = {"rows": rows_why[i], "classes": classes_why[i]}
        records.append(group_model(
            group=label, size=size, count=size, **counts, small=not bool(rows_ok[i]),
            insufficient={m: why[EVIDENCE[m]] for m in names if why[EVIDENCE[m]]},
            **{m: plain(point[m][i]) for m in names},
            intervals={m: _interval(point[m][i], bounds[m][0][i], bounds[m][1][i]) for m in names},
        ))
        reasons = list(dict.fromkeys(r for r in (rows_why[i], classes_why[i]) if r))
        if reasons:
            insufficient[label] = "; ".join(reasons)

    values = disparities(task, point, rows_ok, classes_ok)
    samples = disparities(task, draws, rows_ok, classes_ok)
    vacuous = vacuous_decisions(point, rows_ok, labels, rules["min_class_size"]) if binary else None
    used = {"rows": [lab for lab, ok in zip(labels, rows_ok) if ok], "classes": [lab for lab, ok in zip(labels, classes_ok) if ok]}
    measured, spreads, notes = {}, {}, {}
    for name, value in values.items():
        rule = EVIDENCE[name]
        measured[name] = plain(value)
        low, high = percentile_interval(np.asarray(samples[name])[:, None], confidence)
        spreads[name] = _interval(value, low[0], high[0])
        note = _disparity_note(name, len(used[rule]), rule, rules, value)
        if vacuous and name in DECIDED and measured[name] is not None:
            measured[name], spreads[name], note = None, None, vacuous
        if note:
            notes[name] = note
    overall_point, overall_draws = overall
    whole = overall_model(
        **{m: plain(overall_point[m]) for m in names}, count=int(overall_point["count"]),
        intervals={m: _interval(overall_point[m], *(b[0] for b in percentile_interval(np.asarray(overall_draws[m])[:, None], confidence))) for m in names},
    )
    sentences = [f"insufficient evidence for {label} ({why})" for label, why in insufficient.items()]
    sentences += [f"{name} not measured: {note}" for name, note in notes.items()]
    return FeatureFairness(
        groups=records, disparities=measured, intervals=spreads, notes=notes, overall=whole,
        groups_counted=GroupsCounted(**used), small_groups=[lab for lab, ok in zip(labels, rows_ok) if not ok],
        insufficient_evidence=insufficient, excluded_from_disparities=list(insufficient),
        note="; ".join(sentences) or None,
    )
