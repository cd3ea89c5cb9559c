"""Monitoring a file chunk by chunk gives the in-memory path's outcome: the same drift
scores and verdicts, metrics, intervals and fairness; the Wasserstein sums' stated error
bound holds against scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wasserstein_distance

from govern.checks.drift.stats import numbers
from govern.checks.drift.streamed import Wasserstein
from govern.data import validation
from govern.demo.customers import generate_customers
from govern.monitoring import check as monitoring
from govern.monitoring import stream
from tests.monitoring.test_monitoring import _reference, _spec


def _current(rows: int, seed: int, drift: float = 0.0) -> pd.DataFrame:
    return generate_customers(rows, seed=seed, id_offset=5_000_000, drift=drift)


def _bounds(reference: pd.DataFrame, current: pd.DataFrame) -> dict[str, float]:
    """Each numeric column's stated error bound of the streamed Wasserstein score (normed)."""
    found = {}
    for col in reference.columns:
        if pd.api.types.is_numeric_dtype(reference[col]):
            w = Wasserstein(np.sort(numbers(reference[col])))
            w.add(numbers(current[col]))
            found[col] = w.distance()[1] / max(float(np.std(w.ref)), 0.001)
    return found


def _both(spec, reference, frame, tmp_path, chunk_rows):
    path = tmp_path / "current.parquet"
    frame.to_parquet(path, index=False, row_group_size=max(chunk_rows // 2, 1))
    valid = validation.validate_frame(frame, spec, require_target=False)
    memory = monitoring.check(spec, reference, valid, tmp_path / "memory")
    streamed = stream.check_file(spec, reference, path, tmp_path / "stream", chunk_rows=chunk_rows)
    return memory, streamed, _bounds(reference.frame, valid)


def _same(memory, streamed, bounds):
    a, b = memory.to_dict(), streamed.to_dict()
    for side in (a, b):
        side["drift"].pop("report_rows"), side["drift"].pop("report_agrees"), side["drift"].pop("title")
    assert a["status"] == b["status"] and [c["status"] for c in a["checks"]] == [c["status"] for c in b["checks"]]
    for col, want in a["drift"]["columns"].items():
        got = b["drift"]["columns"][col]
        assert (got["method"], got["drifted"]) == (want["method"], want["drifted"])
        slack = bounds.get(col, 0.0) if got["method"] == "wasserstein" else 0.0
        assert abs(got["score"] - want["score"]) <= slack + 1e-9 * max(1.0, abs(want["score"]))
    assert b["drift"]["drifted_columns"] == a["drift"]["drifted_columns"]
    assert b["base_rate"] == a["base_rate"] and (b["performance"] or {}).get("roc_auc") == (a["performance"] or {}).get("roc_auc")
    # Losses and DeLong's sums are added by distinct score, not by row: the last digits may differ.
    assert _close(b["performance"], a["performance"], 1e-12) and _close(b["performance_table"], a["performance_table"], 1e-9)
    assert _close(b["fairness"], a["fairness"], 1e-9)


def _close(got, want, rel: float) -> bool:
    """Equal, numbers within ``rel`` (relative, and absolute below 1)."""
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(_close(got[k], want[k], rel) for k in want)
    if isinstance(want, list | tuple):
        return isinstance(got, list | tuple) and len(got) == len(want) and all(_close(g, w, rel) for g, w in zip(got, want))
    if isinstance(want, float) and isinstance(got, float):
        return got == want or (np.isnan(got) and np.isnan(want)) or abs(got - want) <= rel * max(1.0, abs(want))
    return got == want


@pytest.mark.parametrize("drift", [0.0, 1.0])
def test_streamed_monitoring_is_the_in_memory_monitoring(tmp_path, drift):
    spec = _spec()
    memory, streamed, bounds = _both(spec, _reference(), _current(6000, 5, drift), tmp_path, chunk_rows=700)
    _same(memory, streamed, bounds)
    assert streamed.rows == 6000 and streamed.labelled
    assert streamed.auc_bound == 0.0 and memory.auc_bound is None  # every score kept exactly, and the record says so


def test_unlabelled_and_default_methods(tmp_path):
    spec = _spec()
    spec = spec.model_copy(update={"gates": spec.gates.model_copy(update={"drift": spec.gates.drift.model_copy(
        update={"numerical_method": None, "categorical_method": None, "threshold": None})})})
    frame = _current(5000, 6, 0.5).drop(columns=["churned"])
    memory, streamed, bounds = _both(spec, _reference(), frame, tmp_path, chunk_rows=900)
    _same(memory, streamed, bounds)
    assert not streamed.labelled and all(c.status == "not_measured" for c in streamed.checks[1:])


def test_a_small_reference_is_measured_on_whole_columns(tmp_path):
    spec = _spec()
    reference = _reference()
    reference.frame = reference.frame.iloc[:600]  # Evidently's p-value tests, on every row of each column
    spec = spec.model_copy(update={"gates": spec.gates.model_copy(update={"drift": spec.gates.drift.model_copy(
        update={"numerical_method": None, "categorical_method": None, "threshold": None})})})
    memory, streamed, bounds = _both(spec, reference, _current(3000, 7, 0.5), tmp_path, chunk_rows=800)
    _same(memory, streamed, bounds)


def test_wasserstein_sums_bound_their_error():
    rng = np.random.default_rng(0)
    for ref, cur in ((rng.normal(size=20_000), rng.normal(0.03, 1, 100_000)), (rng.integers(0, 30, 5000) * 1.0, rng.integers(0, 33, 100_000) * 1.0),
                     (rng.exponential(size=3000), rng.exponential(1.2, 100_000))):
        w = Wasserstein(np.sort(ref))
        for part in np.array_split(cur, 7):
            w.add(part)
        estimate, bound = w.distance()
        assert abs(estimate - wasserstein_distance(ref, cur)) <= bound + 1e-12


@pytest.mark.integration
def test_at_a_million_rows_the_error_is_stated_and_the_verdicts_are_the_in_memory_ones(tmp_path):
    """1M current rows against 1M-row reference columns: every column's streamed score within
    its bound of scipy's (normed, bound below 1e-4), and the same outcome as in memory."""
    rng = np.random.default_rng(1)
    ref, cur = rng.lognormal(size=1_000_000), rng.lognormal(0.02, 1.05, 1_000_000)
    w = Wasserstein(np.sort(ref))
    for part in np.array_split(cur, 10):
        w.add(part)
    estimate, bound = w.distance()
    assert abs(estimate - wasserstein_distance(ref, cur)) <= bound and bound / np.std(ref) < 1e-4
    spec = _spec()
    reference = _reference()
    reference.frame = generate_customers(200_000, seed=0)[reference.frame.columns]
    memory, streamed, bounds = _both(spec, reference, _current(1_000_000, 8, 0.3), tmp_path, chunk_rows=250_000)
    _same(memory, streamed, bounds)


@pytest.mark.integration
def test_monitoring_on_a_two_worker_local_cluster_is_the_single_process_monitoring(tmp_path):
    from govern.live import partitions

    spec, reference = _spec(), _reference()
    frame = _current(8000, 11, 0.5)
    path = tmp_path / "current.parquet"
    frame.to_parquet(path, index=False, row_group_size=900)
    one = stream.check_file(spec, reference, path, tmp_path / "one", chunk_rows=1000)
    with partitions.cluster(workers=2) as client:
        spread = stream.check_file(spec, reference, path, tmp_path / "dask", chunk_rows=1000, client=client)
    a, b = one.to_dict(), spread.to_dict()
    for side in (a, b):
        side["drift"].pop("report_rows"), side["drift"].pop("report_agrees")
    assert [c["status"] for c in a["checks"]] == [c["status"] for c in b["checks"]] and a["status"] == b["status"]
    assert _close(b, a, 1e-12)  # the same numbers; losses summed per partition may differ in the last digits
