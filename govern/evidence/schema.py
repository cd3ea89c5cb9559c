"""The JSON Schema of ``record.json``, generated from :class:`govern.evidence.record.Record`
and published with the package, so an auditor's tool can check a record without
this code.  Regenerate the committed copy with
``python -m govern.evidence.schema > govern/schemas/record.schema.json``."""

from __future__ import annotations

import json
from pathlib import Path

SCHEMA_PATH = Path(__file__).parent / "schemas" / "record.schema.json"
REGENERATE = "python -m govern.evidence.schema > govern/schemas/record.schema.json"


def record_schema() -> dict:
    """The schema of a record as written (serialisation mode: what ``record.json`` holds)."""
    from govern.evidence.record import Record

    schema = Record.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "govern/record.schema.json", **schema}


def schema_text() -> str:
    return json.dumps(record_schema(), indent=2) + "\n"


if __name__ == "__main__":
    print(schema_text(), end="")
