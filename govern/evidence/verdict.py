"""A gate's verdict, kept in a module of its own so the CLI can compare verdicts
without importing the numerical code behind the gates."""

from __future__ import annotations

from enum import StrEnum


class GateStatus(StrEnum):
    """The values ``gates.json``, the audit log and the ``gate.status`` tag hold."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_MEASURED = "not_measured"


PASSED, FAILED, NOT_MEASURED = GateStatus.PASSED, GateStatus.FAILED, GateStatus.NOT_MEASURED
