"""Scores where downstream systems read them: each complete batch in a Feast feature view.

A CRM or a campaign tool asks Feast for a customer's current score by id instead of
opening batch files.  For every scored batch the champion's rows become one Parquet file
under ``mlruns/feature_store/data/<model>_scores/`` (the feature view's offline source,
streamed by row groups) and the batch's as-of day is materialised to the online store.
``actionable`` is what a campaign tool may act on: the batch's audience (the champion's
positive decision outside the control arm), so a control customer is never actionable.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from govern.core.errors import GovernError
from govern.live import assignment
from govern.live.scoring import ScoringResult
from govern.stores import feature_store
from govern.stores.predictions import CHAMPION_ROLE

FEATURE_SCHEMA = pa.schema([
    ("customer_id", pa.string()), ("score", pa.float64()), ("decision", pa.int64()), ("reasons", pa.string()), ("arm", pa.string()),
    ("policy", pa.string()), ("version", pa.string()), ("batch_id", pa.string()), ("as_of", pa.string()), ("actionable", pa.bool_()),
    ("event_timestamp", pa.timestamp("us", tz="UTC")), ("scored_at", pa.timestamp("us", tz="UTC")),
])
READ_COLUMNS = ["customer_id", "score", "decision", "reasons", "role", "version", "batch_id", "as_of", "scored_at", "arm", "policy"]


def feature_rows(batch: pa.RecordBatch) -> pa.Table:
    """The champion's rows of one scored chunk in the feature view's columns."""
    rows = batch.filter(pc.equal(batch.column("role"), CHAMPION_ROLE))
    arm, decision = rows.column("arm"), rows.column("decision")
    actionable = pc.and_(pc.not_equal(arm, assignment.CONTROL), pc.equal(decision, 1))
    stamp = pa.timestamp("us", tz="UTC")
    return pa.table({
        "customer_id": rows.column("customer_id"), "score": rows.column("score"), "decision": decision, "reasons": rows.column("reasons"),
        "arm": arm, "policy": rows.column("policy"), "version": rows.column("version"), "batch_id": rows.column("batch_id"),
        "as_of": pc.cast(rows.column("as_of"), pa.string()), "actionable": actionable,
        "event_timestamp": pc.cast(rows.column("as_of"), stamp), "scored_at": pc.cast(rows.column("scored_at"), stamp),
    }, schema=FEATURE_SCHEMA)


def write_source(all_scores: Path, target: Path, batch_rows: int = 100_000) -> dict:
    """Stream a batch's ``all.parquet`` into the feature view's file for that batch (complete, or absent)."""
    partial = target.with_name(f".{target.name}.partial")
    rows = actionable = control = 0
    with pq.ParquetWriter(partial, FEATURE_SCHEMA, compression="zstd") as writer:
        for batch in pq.ParquetFile(all_scores).iter_batches(batch_size=batch_rows, columns=READ_COLUMNS):
            table = feature_rows(batch)
            writer.write_table(table)
            rows += table.num_rows
            actionable += pc.sum(table.column("actionable")).as_py() or 0
            control += pc.sum(pc.equal(table.column("arm"), assignment.CONTROL)).as_py() or 0
    os.replace(partial, target)
    return {"rows": rows, "actionable": actionable, "control": control}


def publish(result: ScoringResult, mlruns: Path) -> dict:
    """Put a complete batch where downstream systems read it; says why not when Feast is not installed."""
    repo = feature_store.repo_path(mlruns)
    if feature_store.feast_python() is None:
        return {"published": False, "reason": "no Feast environment (.venv-feast): run make install"}
    source = repo / "data" / feature_store.view_name(result.model)
    source.mkdir(parents=True, exist_ok=True)
    all_scores = Path(result.folder) / "all.parquet"
    if not all_scores.is_file():
        raise GovernError(f"{result.model} batch {result.batch_id}: no scores at {all_scores} to publish")
    batch_file = source / f"{feature_store.slug(result.batch_id)}.parquet"
    written = write_source(all_scores, batch_file)
    answer = feature_store.publish(repo, result.model, batch_file, result.as_of)
    return {"published": True, "view": feature_store.view_name(result.model), "repo": str(repo), **written, **answer}
