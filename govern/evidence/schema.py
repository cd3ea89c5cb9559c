"""The JSON Schema of every evidence and report file, generated from its model and
published with the package (``govern/evidence/schemas/<name>.schema.json``), so an
auditor's tool can check a file without this code.

``record`` (``record.json``), ``gates`` (``gates.json``), ``fairness`` (``fairness.json``),
``drift`` (``drift.json``), ``live`` (``live.json``), ``experiment`` (``experiment.json``)
and ``outcome`` (monitoring's ``outcome.json``).  Regenerate the committed copies with
``python -m govern.evidence.schema --write``; ``python -m govern.evidence.schema [NAME]``
prints one (``record`` by default)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from govern.evidence.drift import DriftEvidence
from govern.evidence.live import ExperimentReport, LiveEvidence
from govern.evidence.monitoring import MonitoringOutcome
from govern.evidence.record import FairnessEvidence, Record
from govern.evidence.verdict import GateReport

SCHEMA_DIR = Path(__file__).parent / "schemas"
REGENERATE = "python -m govern.evidence.schema --write"

MODELS: dict[str, type[BaseModel]] = {
    "record": Record,
    "gates": GateReport,
    "fairness": FairnessEvidence,
    "drift": DriftEvidence,
    "live": LiveEvidence,
    "experiment": ExperimentReport,
    "outcome": MonitoringOutcome,
}
"""Each published schema's name (the file it describes, without ``.json``) and its model."""
NAMES = tuple(MODELS)


def schema_path(name: str = "record") -> Path:
    return SCHEMA_DIR / f"{name}.schema.json"


SCHEMA_PATH = schema_path("record")


def evidence_schema(name: str = "record") -> dict:
    """The schema of the file as written (serialisation mode: what the file holds)."""
    if name not in MODELS:
        raise ValueError(f"no evidence schema named {name!r}: one of {', '.join(NAMES)}")
    schema = MODELS[name].model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"govern/{name}.schema.json", **schema}


def record_schema() -> dict:
    return evidence_schema("record")


def schema_text(name: str = "record") -> str:
    return json.dumps(evidence_schema(name), indent=2) + "\n"


def write_schemas(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema into ``folder``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in NAMES:
        path = folder / schema_path(name).name
        path.write_text(schema_text(name))
        written.append(path)
    return written


if __name__ == "__main__":
    args = sys.argv[1:]
    if args == ["--write"]:
        for path in write_schemas():
            print(path)
    else:
        print(schema_text(*args[:1]), end="")
