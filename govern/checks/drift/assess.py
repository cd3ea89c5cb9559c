"""Data drift between a reference frame (training data) and a current one, with Evidently.

Evidently's Report holds one ``ValueDrift`` per column (the count and share are ours);
the gate's figures for its two default distances are computed on all rows with the
same scipy calls (``govern.checks.drift.stats``), the report is drawn from a sample.
Evidently picks each column's method from the data (over 1000
reference rows: normed Wasserstein distance for numeric columns, Jensen-Shannon distance
for categorical ones, both with threshold 0.1; otherwise K-S, chi-square or Z-test
p-values with threshold 0.05).  Whether a column drifted is Evidently's own verdict, read
from the test it attaches to each ``ValueDrift``: a distance drifts when it reaches the
threshold, a p-value when it falls below it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from govern.checks.drift import evidently_internals
from govern.core.errors import DataValidationError
from govern.evidence.drift import ColumnDrift, DriftEvidence, DriftSummary, ReportRows, not_measured  # noqa: F401 (not_measured re-exported)
from govern.evidence.io import write_evidence

# Evidently methods whose score grows with drift; every other method reports a p-value.
_SCORE_GROWS_WITH_DRIFT = {
    "wasserstein",
    "jensenshannon",
    "psi",
    "kl_div",
    "hellinger",
    "ed",
    "perc_text_content_drift",
    "abs_text_content_drift",
}


def _method_names() -> dict[str, str]:
    """Evidently reports a method by display name ("K-S p_value"); map it to its short name ("ks")."""
    return evidently_internals.stattest_names()


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _split_types(frame: pd.DataFrame, columns: list[str], categorical: list[str] | None) -> tuple[list[str], list[str]]:
    """Declared categorical columns, plus any column that is not numeric (strings, booleans)."""
    declared = set(categorical or [])
    cat: list[str] = []
    num: list[str] = []
    for col in columns:
        dtype = frame[col].dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        (num if numeric and col not in declared else cat).append(col)
    return num, cat


def _prepare(frame: pd.DataFrame, columns: list[str], cat: list[str]) -> pd.DataFrame:
    out = frame[columns].reset_index(drop=True).copy()
    for col in cat:
        values = out[col].astype(object)
        out[col] = values.where(values.isna(), values.astype(str))
    return out


_REPORT_ROWS = 10_000


def _sample(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    return frame if len(frame) <= rows else frame.sample(rows, random_state=0)


def _evidently(reference, current, columns, num, cat, methods, threshold, title):
    """Evidently's Report of one ValueDrift per column, with its verdicts (the count and
    share are the gate's, in drift.json: a DriftedColumnsCount would measure every column again)."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift

    definition = DataDefinition(numerical_columns=[c for c in num if c in columns], categorical_columns=[c for c in cat if c in columns])
    prepared = [Dataset.from_pandas(_prepare(f, columns, [c for c in cat if c in columns]), data_definition=definition) for f in (reference, current)]
    report = Report(
        [ValueDrift(column=col, method=methods[col], threshold=threshold) for col in columns],
        metadata={"title": title} if title else None,
        include_tests=True,
    )
    snapshot = report.run(prepared[1], prepared[0], name=title or None)
    raw = snapshot.dict()
    verdicts = {
        test["metric_config"]["metric_id"]: test["status"]
        for test in raw.get("tests", [])
        if test.get("id") == "drift" and "metric_config" in test
    }
    names = _method_names()
    per_column: dict[str, dict] = {}
    for metric in raw["metrics"]:
        config = metric["config"]
        if not config.get("type", "").endswith(":ValueDrift"):
            continue
        label = config.get("method") or ""
        method = names.get(label, label)
        grows = method in _SCORE_GROWS_WITH_DRIFT
        score, limit = _finite(metric["value"]), _finite(config.get("threshold"))
        status = verdicts.get(metric["id"])
        if status is not None:
            drifted = status == "FAIL"
        elif score is None or limit is None:
            drifted = False
        else:
            drifted = score >= limit if grows else score < limit
        per_column[config["column"]] = {"method": method, "method_label": label, "kind": "distance" if grows else "p_value",
                                        "score": score, "threshold": limit, "drifted": bool(drifted)}
    return per_column, snapshot


def assess_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: list[str],
    out_dir: Path,
    categorical: list[str] | None = None,
    title: str = "",
    num_method: str | None = None,
    cat_method: str | None = None,
    threshold: float | None = None,
) -> DriftSummary:
    """Compare ``current`` with ``reference`` column by column and write the evidence.

    Writes ``out_dir/drift.html`` (Evidently's report) and ``out_dir/drift.json``
    (our summary beside Evidently's snapshot) and returns the summary.  Columns not in
    ``categorical`` are compared as numbers unless their dtype is not numeric.
    ``num_method``, ``cat_method`` and ``threshold`` override Evidently's per-column choice (its defaults
    flag sampling noise on a few hundred rows; a spec can ask for a coarser threshold).

    The gate reads Evidently's statistics computed on every row: Wasserstein and
    Jensen-Shannon directly with scipy (``govern.checks.drift.stats``, the same calls Evidently
    makes), any other method by Evidently itself on all rows.  Evidently draws the HTML
    from a seeded sample of at most ``_REPORT_ROWS`` rows per side with the gate's
    methods and thresholds; its figures are illustration, the gate's are in drift.json
    (``report_agrees`` says whether the sample's verdicts match).
    """
    from govern.checks.drift import html as report_assets
    from govern.checks.drift import stats as drift_stats

    columns = list(dict.fromkeys(columns))
    if not columns:
        raise DataValidationError("drift: no columns to compare")
    gaps = [
        f"missing from the {side} data: {', '.join(missing)}"
        for side, frame in (("reference", reference), ("current", current))
        if (missing := [c for c in columns if c not in frame.columns])
    ]
    if gaps:
        raise DataValidationError("drift: " + "; ".join(gaps))
    for side, frame in (("reference", reference), ("current", current)):
        if len(frame) == 0:
            raise DataValidationError(f"drift: the {side} data has no rows")

    num, cat = _split_types(reference, columns, categorical)
    methods: dict[str, str | None] = {}
    per_column: dict[str, dict] = {}
    for col in columns:
        is_cat = col in cat
        values = None if is_cat else drift_stats.Numbers.of(reference[col], current[col])
        method = (cat_method if is_cat else num_method) or drift_stats.default_method(reference[col], current[col], is_cat, values)
        methods[col] = method
        if method in drift_stats.DIRECT:
            found = drift_stats.measure(reference[col], current[col], method=method, threshold=threshold, values=values)
            per_column[col] = {"method": method, "method_label": drift_stats.DIRECT[method], "kind": "distance",
                               "score": _finite(found.score), "threshold": found.threshold, "drifted": found.drifted}
    rest = [c for c in columns if c not in per_column]
    if rest:
        per_column.update(_evidently(reference, current, rest, num, cat, methods, threshold, title)[0])

    sample_ref, sample_cur = _sample(reference, _REPORT_ROWS), _sample(current, _REPORT_ROWS)
    sampled = len(sample_ref) < len(reference) or len(sample_cur) < len(current)
    shown = title + (f" (drawn from a sample of {len(sample_ref)} reference and {len(sample_cur)} current rows; "
                     "the gate's figures, on all rows, are in drift.json)" if sampled else "")
    report_columns, snapshot = _evidently(sample_ref, sample_cur, columns, num, cat, methods, threshold, shown)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out_dir / "drift.html", out_dir / "drift.json"
    drifted_columns = [col for col in columns if per_column[col]["drifted"]]
    summary = DriftSummary(
        title=title,
        reference_rows=len(reference),
        current_rows=len(current),
        drifted_share=len(drifted_columns) / len(columns),
        drifted_count=len(drifted_columns),
        column_count=len(columns),
        columns={col: ColumnDrift.model_validate(per_column[col]) for col in columns},
        drifted_columns=drifted_columns,
        report_rows=ReportRows(reference=len(sample_ref), current=len(sample_cur)),
        report_agrees=all(report_columns[c]["drifted"] == per_column[c]["drifted"] for c in columns),
        html_path=str(html_path),
        json_path=str(json_path),
    )
    html_path.write_text(report_assets.report_html(snapshot), encoding="utf-8")
    write_evidence(json_path, DriftEvidence(summary=summary, evidently=json.loads(snapshot.json())))
    return summary


def method_options(gate) -> dict:
    """The drift methods and threshold a spec's drift gate asks for, as ``assess_drift`` keywords."""
    if gate is None:
        return {}
    return {"num_method": gate.numerical_method, "cat_method": gate.categorical_method, "threshold": gate.threshold}
