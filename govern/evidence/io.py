"""Evidence values and files, one way: typed values in, pydantic's JSON out.

Every evidence or report file (``record.json``, ``gates.json``, ``fairness.json``,
``drift.json``, ``live.json``, ``experiment.json``, monitoring's ``outcome.json``) is a
model dumped by :func:`write_evidence`, so no step sanitises JSON by hand.  A value that
is not a finite number is stored as ``null`` (``Finite``), never as ``NaN``, which JSON
does not have and which the schema would not describe; a value of a type the model does
not declare, or that JSON cannot hold, is an error, never its ``str()``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError


def finite_or_none(value: Any) -> float | None:
    """A finite float, or None for None, NaN and infinities (numpy scalars included)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


Finite = Annotated[float | None, BeforeValidator(finite_or_none)]
"""A measured number, or ``null`` where it could not be measured."""


def _interval(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    low, high = (finite_or_none(v) for v in value)
    return None if low is None or high is None else (low, high)


Interval = Annotated[tuple[float, float] | None, BeforeValidator(_interval)]
"""A ``[low, high]`` interval, or ``null`` when either end is not a finite number."""


class Evidence(BaseModel):
    """Base of every evidence model: fields beyond the model are ignored when read."""

    model_config = ConfigDict(extra="ignore", ser_json_inf_nan="null")


def evidence_json(evidence: BaseModel, *, indent: int | None = 2) -> str:
    """``evidence`` as strict JSON: NaN and infinities as ``null``; a value that does not
    match its field's type (a ``Path`` set on a ``str`` field) or that pydantic cannot
    serialise (a numpy integer in a free-form block) raises ``PydanticSerializationError``
    instead of being written as a string."""
    return evidence.model_dump_json(indent=indent, warnings="error")


def write_evidence(path: Path, evidence: BaseModel) -> Path:
    """The one writer of evidence files: ``evidence`` as indented strict JSON at ``path``."""
    path.write_text(evidence_json(evidence))
    return path


def first_problem(error: ValidationError) -> str:
    """The first validation problem of ``error`` as one line: where, and what."""
    problem = error.errors()[0]
    where = ".".join(str(p) for p in problem["loc"]) or "(top level)"
    return f"{where}: {problem['msg']}"
