"""Monitoring a file of any size: the same checks as :func:`govern.monitoring.check.check`,
with the new data read chunk by chunk.

Drift keeps, per column, sums that add exactly (:mod:`govern.checks.drift.streamed`);
a column whose method needs every value (a p-value test on a small reference, a method
the spec names other than the two distances, a stated error bound reaching across the
threshold) is read again on its own, one column at a time.  The labelled checks of a
binary champion keep counts per (sensitive groups, distinct score) that merge exactly
(:mod:`govern.monitoring.labelled`), so metrics, intervals and fairness are the in-memory
path's numbers without a row kept; a regression champion's keep label, prediction and
groups per row.  Evidently's HTML is drawn from a seeded
sample of about 10,000 current rows taken across the chunks.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from govern.checks.drift import assess as drift_assess
from govern.checks.drift import stats as drift_stats
from govern.checks.drift import streamed
from govern.core.errors import DataValidationError, GovernError
from govern.data import validation
from govern.evidence.drift import ColumnDrift, DriftEvidence, DriftSummary, ReportRows
from govern.evidence.io import write_evidence
from govern.evidence.monitoring import MonitoringOutcome
from govern.gates import rules as gates
from govern.monitoring import labelled
from govern.monitoring.check import Reference, label_checks, performance_table, unmeasured_checks
from govern.spec.model import ModelSpec
from govern.training import tuning

CHUNK_ROWS = 250_000
SAMPLE_ROWS = 10_000


def chunks(path: Path, columns: list[str], chunk_rows: int, groups: list[int] | None = None):
    """Parquet row groups streamed (``groups``: only those); a CSV by pandas' chunks."""
    if path.suffix.lower() == ".csv":
        yield from pd.read_csv(path, usecols=lambda c: c in columns, chunksize=chunk_rows)
        return
    names = pq.ParquetFile(path).schema_arrow.names
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows, row_groups=groups, columns=[c for c in columns if c in names]):
        yield batch.to_pandas()


def file_columns(path: Path) -> list[str]:
    path = Path(path)
    if not path.is_file():
        raise DataValidationError(f"data file not found: {path}")
    if path.suffix.lower() == ".csv":
        return list(pd.read_csv(path, nrows=0).columns)
    if path.suffix.lower() not in (".parquet", ".pq"):
        raise DataValidationError(f"unsupported data file type '{path.suffix or '(none)'}' for {path}: use .parquet or .csv")
    return pq.ParquetFile(path).schema_arrow.names


def _chunk_spec(spec: ModelSpec) -> ModelSpec:
    """The spec a chunk is validated with: min_rows is checked on the whole file instead."""
    return spec.model_copy(update={"data": spec.data.model_copy(update={"min_rows": 1})})


class _Drift:
    """Per column, the current side's sums (or its whole values where the method needs them)."""

    def __init__(self, spec: ModelSpec, reference: pd.DataFrame, features: list[str]):
        options = drift_assess.method_options(spec.gates.drift)
        self.num_method, self.cat_method, self.threshold = options.get("num_method"), options.get("cat_method"), options.get("threshold")
        self.reference, self.features = reference, features
        self.num, self.cat = drift_assess._split_types(reference, features, validation.categorical_columns(reference, features))
        self.wasserstein = {c: streamed.Wasserstein(np.sort(drift_stats.numbers(reference[c]))) for c in self.num}
        self.shares = {c: streamed.Shares() for c in features}
        self.whole: dict[str, list] = {c: [] for c in features if self._needs_values(c)}

    def _needs_values(self, col: str) -> bool:
        ref = self.reference[col]
        small = (int(ref.notna().sum()) if col in self.cat else len(drift_stats.numbers(ref))) <= drift_stats._SMALL
        chosen = self.cat_method if col in self.cat else self.num_method
        if chosen is not None and chosen not in drift_stats.DIRECT:
            return True
        if chosen == "jensenshannon" and col in self.num and len(np.unique(drift_stats.numbers(self.reference[col]))) > 20:
            return True  # Sturges bins over both sides' range
        return chosen is None and small

    def add(self, frame: pd.DataFrame) -> None:
        for col in self.features:
            if col in self.whole:
                self.whole[col].append(frame[col])
            elif col in self.num:
                values = drift_stats.numbers(frame[col])
                self.wasserstein[col].add(values)
                if len(self.wasserstein[col].edges) <= 20:
                    self.shares[col].add(pd.Series(values))
            else:
                self.shares[col].add(frame[col])

    def merge(self, other: _Drift) -> None:
        """Add another partition's sums (exact) and whole columns (in partition order)."""
        for col, w in other.wasserstein.items():
            self.wasserstein[col].merge(w)
        for col, shares in other.shares.items():
            self.shares[col].merge(shares)
        for col, parts in other.whole.items():
            self.whole[col].extend(parts)

    def columns(self, path: Path, chunk_rows: int) -> tuple[dict[str, dict], dict[str, str | None]]:
        per_column: dict[str, dict] = {}
        methods: dict[str, str | None] = {}
        exact: list[str] = []
        for col in self.features:
            if col in self.whole:
                continue
            ref = self.reference[col]
            is_cat = col in self.cat
            if is_cat:
                method = self.cat_method or "jensenshannon"
            else:
                w = self.wasserstein[col]
                merged = set(np.unique(w.ref).tolist()) | w.distinct
                method = self.num_method or ("jensenshannon" if len(merged) <= 5 else "wasserstein")
            methods[col] = method
            threshold = drift_stats.DEFAULT_THRESHOLD if self.threshold is None else float(self.threshold)
            if method == "wasserstein":
                distance, bound = self.wasserstein[col].distance()
                scale = max(float(np.std(self.wasserstein[col].ref)), 0.001)
                score, bound = distance / scale, bound / scale
                if streamed.needs_exact(score, bound, threshold):
                    exact.append(col)
                    continue
            else:
                score = self.shares[col].jensenshannon(ref if is_cat else pd.Series(self.wasserstein[col].ref))
            per_column[col] = {"method": method, "method_label": drift_stats.DIRECT[method], "kind": "distance",
                               "score": drift_assess._finite(score), "threshold": threshold, "drifted": bool(score >= threshold)}
        for col in exact:
            self.whole[col] = [part[col] for part in chunks(path, [col], chunk_rows)]
        rest = {c: pd.concat(parts, ignore_index=True) for c, parts in self.whole.items()}
        for col, values in rest.items():
            is_cat = col in self.cat
            numbers = None if is_cat else drift_stats.Numbers.of(self.reference[col], values)
            method = (self.cat_method if is_cat else self.num_method) or drift_stats.default_method(self.reference[col], values, is_cat, numbers)
            methods[col] = method
            if method in drift_stats.DIRECT:
                found = drift_stats.measure(self.reference[col], values, method=method, threshold=self.threshold, values=numbers)
                per_column[col] = {"method": method, "method_label": drift_stats.DIRECT[method], "kind": "distance",
                                   "score": drift_assess._finite(found.score), "threshold": found.threshold, "drifted": found.drifted}
        others = [c for c in rest if c not in per_column]
        if others:
            frame = pd.DataFrame(rest)
            per_column.update(drift_assess._evidently(self.reference, frame, others, self.num, self.cat, methods, self.threshold, "")[0])
        return per_column, methods


def _summary(drift: _Drift, per_column, methods, sample: pd.DataFrame, rows: int, title: str, out_dir: Path) -> DriftSummary:
    """assess_drift's summary and files, from the columns measured on every row."""
    from govern.checks.drift import html as report_assets
    from govern.core.settings import load_settings

    features = drift.features
    sample_ref = drift_assess._sample(drift.reference, drift_assess._REPORT_ROWS)
    shown = title + (f" (drawn from a sample of {len(sample_ref)} reference and {len(sample)} current rows; "
                     "the gate's figures, on all rows, are in drift.json)")
    report_columns, snapshot = drift_assess._evidently(sample_ref, sample, features, drift.num, drift.cat, methods, drift.threshold, shown)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out_dir / "drift.html", out_dir / "drift.json"
    drifted = [c for c in features if per_column[c]["drifted"]]
    summary = DriftSummary(
        title=title, reference_rows=len(drift.reference), current_rows=rows, drifted_share=len(drifted) / len(features),
        drifted_count=len(drifted), column_count=len(features), columns={c: ColumnDrift.model_validate(per_column[c]) for c in features},
        drifted_columns=drifted, report_rows=ReportRows(reference=len(sample_ref), current=len(sample)),
        report_agrees=all(report_columns[c]["drifted"] == per_column[c]["drifted"] for c in features),
        html_path=str(html_path), json_path=str(json_path),
    )
    report_assets.ensure_assets(load_settings().cards_dir / "_assets")
    html_path.write_text(report_assets.html_without_script(snapshot), encoding="utf-8")
    write_evidence(json_path, DriftEvidence(summary=summary, evidently=json.loads(snapshot.json())))
    return summary


def precheck(spec: ModelSpec, path: Path) -> int:
    """What the command checks before the flow starts, without reading the file whole: its
    columns, its ids (DuckDB), its row count and its first chunk; returns the rows."""
    from govern.live.ids import check_ids

    names = file_columns(Path(path))
    first = next(chunks(Path(path), names, 10_000), pd.DataFrame(columns=names))
    validation.validate_frame(first, _chunk_spec(spec), require_target=False)
    ids = check_ids(Path(path), spec.data.id_column)
    if ids.missing:
        raise DataValidationError(f"id column '{spec.data.id_column}' has {ids.missing} missing ids")
    if ids.duplicated:
        raise DataValidationError(f"id column '{spec.data.id_column}' has {ids.duplicated} duplicate ids (e.g. {ids.example})")
    if ids.rows < spec.data.min_rows:
        raise DataValidationError(f"too few rows: {ids.rows} rows, data.min_rows is {spec.data.min_rows}")
    return ids.rows


def _read(*, spec, frame, model, threshold, path, wanted, chunk_rows, share, groups, seed) -> dict:
    """One partition's (or the whole file's) sums, sample rows and labelled arrays."""
    features = list(model.feature_names_)
    target, sensitive = spec.data.target, [c for c in spec.fairness.sensitive_features if c in wanted]
    drift, chunk_spec, rng = _Drift(spec, frame, features), _chunk_spec(spec), np.random.default_rng(seed)
    out: dict = {"drift": drift, "samples": [], "labels": labelled.labels_for(spec, sensitive, threshold), "labelled": {True: 0, False: 0}}
    for raw in chunks(path, wanted, chunk_rows, groups):
        valid = validation.validate_frame(raw, chunk_spec, require_target=False)
        drift.add(valid)
        out["samples"].append(valid.loc[rng.random(len(valid)) < share, features])
        has = bool(target in valid.columns and valid[target].notna().all())
        out["labelled"][has] += len(valid)
        if has:
            out["labels"].add(valid[target].to_numpy(), tuning.predict(spec, model, valid), valid)
    return out


def _read_shared(read: dict, groups: list[int], seed: int) -> dict:
    return _read(**read, groups=groups, seed=seed)


def check_file(spec: ModelSpec, reference: Reference, path: Path, out_dir: Path, *, chunk_rows: int = CHUNK_ROWS,
               client=None) -> MonitoringOutcome:
    """:func:`govern.monitoring.check.check` on ``path`` read chunk by chunk; with a Dask
    ``client``, its row groups are read on the cluster's workers and the sums merged
    (exactly: counts and sums), the labelled arrays joined in the file's order."""
    path = Path(path)
    features = list(reference.model.feature_names_)
    names = file_columns(path)
    missing = [c for c in features if c not in names]
    if missing:
        raise GovernError(f"current data lacks the champion's features: {', '.join(missing)}")
    rows = precheck(spec, path)
    target = spec.data.target
    sensitive = [c for c in spec.fairness.sensitive_features if c in names]
    wanted = list(dict.fromkeys([spec.data.id_column, *features, target, *sensitive, *([spec.data.time_column] if spec.data.time_column else [])]))
    read = dict(spec=spec, frame=reference.frame, model=reference.model, threshold=reference.threshold, path=path, wanted=wanted, chunk_rows=chunk_rows,
                share=min(1.0, SAMPLE_ROWS / max(rows, 1)))
    if client is None:
        parts = [_read(**read, groups=None, seed=spec.split.seed)]
    elif path.suffix.lower() == ".csv":
        raise DataValidationError(f"--engine dask reads Parquet row groups: convert {path.name} to Parquet first")
    else:
        from govern.live.partitions import row_group_ranges

        shared = client.scatter(read, broadcast=True)
        ranges = row_group_ranges(path, 4 * max(len(client.scheduler_info()["workers"]), 1))
        parts = client.gather([client.submit(_read_shared, shared, groups, spec.split.seed + i, pure=False) for i, groups in enumerate(ranges)])
    drift = parts[0]["drift"]
    for part in parts[1:]:
        drift.merge(part["drift"])
    labelled = {flag: sum(p["labelled"][flag] for p in parts) for flag in (True, False)}
    samples = [s for p in parts for s in p["samples"]]
    labels = parts[0]["labels"]
    for part in parts[1:]:
        labels.merge(part["labels"])
    if labelled[True] and labelled[False]:
        raise DataValidationError(f"target '{target}' has {labelled[False]} missing values")
    per_column, methods = drift.columns(path, chunk_rows)
    sample = pd.concat(samples, ignore_index=True)
    summary = _summary(drift, per_column, methods, sample, rows, f"{spec.name} v{reference.version}: reference vs new data", Path(out_dir))
    drift_results = gates.drift_gates(spec, summary)
    gate = spec.gates.drift
    findings = gates.drift_gate_findings(summary, max_drifted_share=gate.max_drifted_share, must_not_drift=gate.must_not_drift) if gate else []
    outcome = MonitoringOutcome(
        model=spec.name, champion=reference.version, rows=rows, labelled=False, drift=summary,
        drift_gate=drift_results[0].status if drift_results else "not_gated", findings=findings, checks=drift_results,
        primary_metric=spec.primary_metric, retrain_data=spec.monitoring.retrain_data,
    )
    if not labelled[True]:
        outcome.checks = drift_results + unmeasured_checks(spec)
        return outcome
    metrics, rate, fairness, interval = labels.judge(spec, reference)
    outcome.labelled, outcome.performance, outcome.fairness, outcome.base_rate = True, metrics, fairness, rate
    outcome.auc_bound = getattr(labels, "auc_bound", None)
    outcome.performance_table = performance_table(spec, reference, metrics, interval)
    outcome.checks = drift_results + label_checks(spec, metrics, reference.holdout_value(spec.primary_metric), rate, fairness)
    return outcome
