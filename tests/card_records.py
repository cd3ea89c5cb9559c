"""Two records as the flow wrote them (a churn version with a decision policy and
mitigation candidates, a CLV version built from transactions with its BG/NBD baseline),
kept as files so card tests render every table without training."""

from __future__ import annotations

from pathlib import Path

from govern.evidence.record import Record, read_record_file

RECORDS = Path(__file__).parent / "card" / "records"


def binary_record() -> Record:
    return read_record_file(RECORDS / "binary.json")


def regression_record() -> Record:
    return read_record_file(RECORDS / "regression.json")
