"""Run by the Feast environment's Python, never imported by govern: registers a model's
scores as a Feast feature view, puts one batch in the online store, reads customers back.

Feast 0.67 requires pandas<3 and tenacity<9 while the stack runs on pandas 3, so Feast
lives in its own locked environment (``serving/``, installed as ``.venv-feast``) and
:mod:`govern.stores.feature_store` runs this file there (``python -I``: nothing from
govern on the path).  It prints one JSON line; a failure exits non-zero with one line on
stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

FIELDS = ("score", "decision", "reasons", "arm", "policy", "version", "batch_id", "as_of", "actionable")


def _definitions(model: str, view: str, source: str):
    from feast import Entity, FeatureView, Field, FileSource, ValueType
    from feast.types import Bool, Float64, Int64, String

    kinds = {"score": Float64, "decision": Int64, "actionable": Bool}
    customer = Entity(name="customer", join_keys=["customer_id"], value_type=ValueType.STRING, description="A scored customer, by the spec's id column")
    files = FileSource(name=f"{view}_batches", path=source, timestamp_field="event_timestamp", created_timestamp_column="scored_at",
                       description=f"{model}'s champion rows, one Parquet file per scored batch")
    scores = FeatureView(
        name=view, entities=[customer], ttl=timedelta(0), source=files, online=True,
        schema=[Field(name=name, dtype=kinds.get(name, String)) for name in FIELDS],
        description=f"{model}: the champion's score, decision and top reasons per customer; actionable is false in the control arm",
        tags={"model": model, "written_by": "govern score"},
    )
    return customer, scores


def publish(args) -> dict:
    """Apply the definitions; write the batch's rows to the online store chunk by chunk (Feast's
    ``materialize`` holds the whole window in memory: 6.4 GB and rising at 1M rows) and record the
    as-of day as materialised, unless a later day is already online."""
    import pyarrow.parquet as pq
    from feast import FeatureStore

    store = FeatureStore(repo_path=args.repo)
    customer, view = _definitions(args.model, args.view, str(args.source.parent))
    started = time.perf_counter()
    store.apply([customer, view])
    applied = time.perf_counter() - started
    day = datetime.fromisoformat(args.as_of).replace(tzinfo=UTC)
    ends = [end for _, end in store.get_feature_view(args.view).materialization_intervals]
    if ends and max(ends) > day + timedelta(days=1):
        return {"online": False, "applied_seconds": round(applied, 3),
                "reason": f"the online store keeps the later as-of {(max(ends) - timedelta(days=1)).date()}; this batch is in the offline files only"}
    started = time.perf_counter()
    for batch in pq.ParquetFile(args.source).iter_batches(batch_size=args.chunk_rows):
        store.write_to_online_store(args.view, batch.to_pandas())
    store.registry.apply_materialization(store.get_feature_view(args.view), store.project, day, day + timedelta(days=1))
    return {"online": True, "applied_seconds": round(applied, 3), "materialised_seconds": round(time.perf_counter() - started, 3)}


def read(args) -> dict:
    from feast import FeatureStore

    store = FeatureStore(repo_path=args.repo)
    found = store.get_online_features(features=[f"{args.view}:{name}" for name in FIELDS],
                                      entity_rows=[{"customer_id": c} for c in args.customers]).to_dict()
    return {"customers": [{name: found[name][i] for name in ("customer_id", *FIELDS)} for i in range(len(args.customers))]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("publish", "read"))
    parser.add_argument("--repo", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--view", required=True)
    parser.add_argument("--source", type=Path, default=Path())
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--as-of", default="")
    parser.add_argument("--customers", nargs="*", default=[])
    args = parser.parse_args()
    try:
        with contextlib.redirect_stdout(sys.stderr):  # Feast prints progress; stdout carries only the answer
            out = publish(args) if args.command == "publish" else read(args)
    except Exception as exc:  # Feast and its stores raise many unrelated types: one line for the caller
        print(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
