"""The report from DuckDB's reductions of the Parquet log equals the report from the whole
live frame, while pandas holds one compact row per customer instead of every logged row."""

from __future__ import annotations

from datetime import date

import pytest

from govern.live import report as experiment_report
from govern.live import report_data
from govern.spec.model import load_spec
from tests.conftest import REPO
from tests.live.report_log import register_versions, write_log

ARMS = {"risk": 0.4, "uplift": 0.4, "control": 0.2}
TODAY = date(2026, 10, 1)


@pytest.fixture(scope="module")
def versions(project):
    register_versions(project, "compact_report")
    return project


@pytest.mark.parametrize("arms", [None, ARMS])
def test_the_report_from_duckdb_equals_the_report_from_the_whole_frame(versions, tmp_path, arms):
    spec = load_spec("retention", REPO / "models").model_copy(update={"name": "compact_report"})
    if arms:
        spec = spec.model_copy(update={"experiment": spec.experiment.model_copy(update={"arms": arms})})
    log = write_log(tmp_path, spec.name, customers=2000, days=5, arms=arms, seed=3)
    frame = log.live_frame(spec.name)
    data = report_data.read(log, spec.name, arms=bool(arms))
    whole, _, _ = experiment_report.build(spec, frame, TODAY)
    reduced, _, matured = experiment_report.build(spec, data, TODAY)
    assert reduced.model_dump(mode="json") == whole.model_dump(mode="json")
    assert whole.live is not None and whole.comparison is not None and whole.customers_provisional > 0 and whole.sequential.looks
    assert (whole.policies is not None and whole.policies.arms) if arms else whole.policies is None
    assert data.predictions == whole.predictions < len(frame) + 1 and len(matured) + len(data.provisional) <= frame["customer_id"].nunique()

    kinds = {c: str(t) for c, t in matured.dtypes.items()}
    assert kinds == {"batch_id": "category", "as_of": "datetime64[s]", "arm": "category", "champion_version": "category",
                     "champion_score": "float64", "decision": "int8", "challenger_version": "category", "challenger_score": "float64",
                     "outcome": "float64"}
    assert matured.memory_usage(deep=True).sum() / len(matured) < 40 < frame.memory_usage(deep=True).sum() / len(frame) / 2


def test_an_empty_log_reads_as_nothing_scored(versions, tmp_path):
    from govern.stores.prediction_files import ParquetPredictionLog

    spec = load_spec("retention", REPO / "models").model_copy(update={"name": "compact_report"})
    data = report_data.read(ParquetPredictionLog(tmp_path), spec.name, arms=False)
    report, evidence, _ = experiment_report.build(spec, data, TODAY)
    assert data.predictions == 0 and report.srm.note.startswith("not measured") and evidence is None and report.cohorts == []


def test_a_result_fetched_in_batches_equals_duckdbs_own_frame():
    import duckdb
    import pandas as pd

    conn = duckdb.connect()
    conn.execute("CREATE TYPE arm_t AS ENUM ('control', 'treatment')")
    conn.execute("""CREATE TABLE t AS SELECT i, (CASE WHEN i % 3 = 0 THEN 'control' ELSE 'treatment' END)::arm_t AS arm,
                    CASE WHEN i % 5 = 0 THEN NULL ELSE i / 7.0 END AS score, (i % 2)::TINYINT AS decision FROM range(10) r(i)""")
    sql = "SELECT * FROM t ORDER BY i DESC"
    fetched = report_data._fetch(conn, sql, batch_rows=3)
    pd.testing.assert_frame_equal(fetched, conn.sql(sql).to_arrow_table().to_pandas(), check_dtype=False)
    assert isinstance(fetched["arm"].dtype, pd.CategoricalDtype) and list(fetched["arm"].cat.categories) == ["control", "treatment"]
    assert report_data._fetch(conn, "SELECT * FROM t WHERE i < 0").empty
