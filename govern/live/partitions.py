"""Daily scoring over Parquet row groups on a Dask cluster (``govern score --engine dask``).

Each partition (a run of the file's row groups) is scored on a worker by the same
:func:`govern.live.scoring.score_chunk` the single process uses, chunk by chunk; the
worker writes its own part of the batch files and its rows of the prediction log, and
returns its balance counts, which add exactly.  Futures over row-group ranges rather
than prefect-dask's task runner: a partition is a plain function of a few arguments, a
Prefect task run per partition would add an API round trip and need every worker to
reach the Prefect server; Dask DataFrame's ``map_partitions`` would turn the file into a
frame with a declared ``meta`` only to hand each partition back to pandas.  Ids are
checked unique before anything is scored, so partitions never share a key and the log
gets each row once; the batch's ``all.parquet`` and ``audience.parquet`` are the parts
joined in partition order, and appear only when every partition is done.

On one machine a ``LocalCluster`` (2 worker processes, one thread each) is started;
``--scheduler tcp://host:8786`` (or ``GOVERN_DASK_SCHEDULER``) uses a team's cluster,
whose workers must see the input file, the scores folder and the prediction log
(a shared file system, or PostgreSQL for the log).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from govern.core.errors import DataValidationError, GovernError
from govern.live import assignment, scoring
from govern.spec.model import ModelSpec
from govern.stores.predictions import CHAMPION_ROLE, PredictionLog

WORKERS = 2


@contextmanager
def cluster(address: str | None = None, workers: int = WORKERS) -> Iterator:
    """A client of the cluster at ``address`` (or ``GOVERN_DASK_SCHEDULER``), else of a new LocalCluster."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise GovernError("--engine dask needs dask and distributed: install the 'scale' extra") from None
    address = address or os.environ.get("GOVERN_DASK_SCHEDULER")
    if address:
        with Client(address, timeout="10s") as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as local, Client(local) as client:
        yield client


def worker_peaks_mib(client) -> list[float]:
    """Each worker's own peak RSS (for the benchmarks)."""

    def peak() -> float:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    return sorted(client.run(peak).values())


def row_group_ranges(path: Path, parts: int) -> list[list[int]]:
    """The file's row groups split into at most ``parts`` consecutive runs of similar rows."""
    meta = pq.ParquetFile(path).metadata
    sizes = np.array([meta.row_group(i).num_rows for i in range(meta.num_row_groups)], dtype=np.int64)
    if not len(sizes):
        return []
    part = (np.cumsum(sizes) - sizes) * parts // max(int(sizes.sum()), 1)
    return [np.flatnonzero(part == p).tolist() for p in np.unique(part)]


def _open_log(ref: tuple[str, str]) -> PredictionLog:
    kind, where = ref
    if kind == "parquet":
        from govern.stores.prediction_files import ParquetPredictionLog

        return ParquetPredictionLog(where)
    return PredictionLog(where)


def score_partition(spec: ModelSpec, models: scoring.LiveModels, path: str, groups: list[int], index: int, staging: str, log_ref,
                    batch_id: str, as_of: date, scored_at: str, chunk_rows: int, rows: int | None = None) -> dict:
    """One partition's batch files, log rows and balance counts (``rows``: the batch's, to share out a policy's capacity)."""
    from govern.data.load_checks import model_inputs

    counter = assignment.BalanceCounter(list(models.champion.feature_names_), spec.experiment.control_share)
    log = _open_log(log_ref)
    logged = targeted = 0
    names = {"all": Path(staging) / f"all-{index:05d}.parquet", "audience": Path(staging) / f"audience-{index:05d}.parquet"}
    writers = {k: pq.ParquetWriter(p, scoring._SCHEMA) for k, p in names.items()}
    try:
        reader = pq.ParquetFile(path)
        for batch in reader.iter_batches(batch_size=chunk_rows, row_groups=groups, columns=scoring.required_columns(spec, models)):
            chunk = model_inputs(batch.to_pandas(), spec)
            out = scoring.score_chunk(spec, models, chunk, batch_id=batch_id, as_of=as_of, scored_at=scored_at, share=len(chunk) / rows if rows else 1.0)
            arms = out.loc[out["role"] == CHAMPION_ROLE, "arm"].to_numpy()
            counter.add(scoring._prepare(chunk, models.champion), np.where(arms == assignment.CONTROL, assignment.CONTROL, assignment.TREATMENT))
            act = scoring.audience(out)
            targeted += len(act)
            writers["all"].write_table(pa.Table.from_pandas(out, schema=scoring._SCHEMA, preserve_index=False))
            writers["audience"].write_table(pa.Table.from_pandas(act, schema=scoring._SCHEMA, preserve_index=False))
            logged += log.add_predictions(out.assign(model=spec.name), disjoint=True)
    finally:
        for writer in writers.values():
            writer.close()
        log.close()
    return {"logged": logged, "targeted": targeted, "sizes": counter.sizes, "moments": counter.moments, "levels": counter.levels}


def merge_counts(counter: assignment.BalanceCounter, part: dict) -> None:
    """Add one partition's balance counts (counts and sums: the merge is exact)."""
    for arm, n in part["sizes"].items():
        counter.sizes[arm] += n
    for feature, arms in part["moments"].items():
        held = counter.moments.setdefault(feature, {})
        for arm, stats in arms.items():
            held[arm] = held.get(arm, np.zeros(3)) + stats
    for feature, arms in part["levels"].items():
        held = counter.levels.setdefault(feature, {})
        for arm, counts in arms.items():
            held[arm] = held[arm].add(counts, fill_value=0) if arm in held else counts


def _join(parts: list[Path], target: Path) -> None:
    with pq.ParquetWriter(target, scoring._SCHEMA) as writer:
        for part in parts:
            reader = pq.ParquetFile(part)
            for i in range(reader.num_row_groups):
                writer.write_table(reader.read_row_group(i))
            part.unlink()


def score_file(client, spec: ModelSpec, models: scoring.LiveModels, path: Path, *, batch_id: str, as_of: date, out_root: Path,
               log: PredictionLog, database_url: str | None = None, chunk_rows: int = scoring.CHUNK_ROWS,
               partitions: int | None = None) -> scoring.ScoringResult:
    """:func:`govern.live.scoring.score_file` over the file's row groups on ``client``'s workers."""
    started = datetime.now(UTC)
    if spec.experiment is None or spec.task != "binary":
        raise GovernError(f"{spec.name}: live scoring needs an experiment section and a binary task")
    path = Path(path).resolve()
    if path.suffix.lower() not in (".parquet", ".pq"):
        raise DataValidationError(f"--engine dask reads Parquet row groups: convert {path.name} to Parquet first")
    rows = scoring.check_input(spec, models, path)
    from govern.stores.prediction_files import ParquetPredictionLog

    if isinstance(log, ParquetPredictionLog):
        log_ref = ("parquet", str(log.root.resolve()))
    else:
        from govern.core.settings import load_settings

        log_ref = ("sql", database_url or load_settings().database_url)
    folder = out_root / spec.name / batch_id
    staging = out_root / spec.name / f".{batch_id}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    scored_at = started.isoformat(timespec="seconds")
    ranges = row_group_ranges(path, partitions or 4 * max(len(client.scheduler_info()["workers"]), 1))
    shared = client.scatter(models, broadcast=True)
    futures = [client.submit(score_partition, spec, shared, str(path), groups, i, str(staging.resolve()), log_ref, batch_id, as_of, scored_at,
                             chunk_rows, rows=rows, pure=False) for i, groups in enumerate(ranges)]
    results = client.gather(futures)
    counter = assignment.BalanceCounter(list(models.champion.feature_names_), spec.experiment.control_share)
    for part in results:
        merge_counts(counter, part)
    for name in ("all", "audience"):
        _join(sorted(staging.glob(f"{name}-*.parquet")), staging / f"{name}.parquet")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    balance = counter.result()
    return scoring.ScoringResult(
        model=spec.name, batch_id=batch_id, as_of=as_of.isoformat(), rows=rows, champion=models.champion_version,
        challenger=models.challenger_version, audience=sum(p["targeted"] for p in results), control=balance.control,
        logged=sum(p["logged"] for p in results), folder=str(folder), balance=balance.to_dict(),
        seconds=(datetime.now(UTC) - started).total_seconds(),
    )
