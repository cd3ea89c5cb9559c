"""What the audit chain says about the champion, set against the registry.

The registry alone cannot tell who moved the ``champion`` alias or whether the gates
were passed first; the recorded decisions can.  Both functions are pure: they read a
model's events (from :class:`govern.stores.audit.log.AuditLog`) and the alias the caller found.
"""

from __future__ import annotations

from typing import Any

from govern.evidence.verdict import PASSED
from govern.stores.audit.events import (
    APPROVED,
    GATES,
    PROMOTED,
    REJECTED,
    ROLLED_BACK,
    AuditEvent,
    normalize_version,
    show_version,
)


def _moves(events: list[AuditEvent]) -> list[AuditEvent]:
    return [e for e in events if e.action in (PROMOTED, ROLLED_BACK)]


def _step(lineage: list[str], move: AuditEvent) -> list[str]:
    """A promotion stacks its version; a rollback returns to its target, dropping the
    champions after it, so the next rollback goes further back, never forward."""
    if move.action == PROMOTED:
        return [*lineage, move.version]
    if move.version in lineage:
        return lineage[: len(lineage) - lineage[::-1].index(move.version)]
    return [move.version]


def champion_lineage(events: list[AuditEvent]) -> list[str]:
    """The champions a rollback walks back through, oldest first; the last is the
    champion the log says is current (empty before the first promotion)."""
    lineage: list[str] = []
    for move in _moves(sorted(events, key=lambda e: e.seq)):
        lineage = _step(lineage, move)
    return lineage


def gate_evaluation(events: list[AuditEvent], version: str | int | None) -> AuditEvent | None:
    """The latest gate evaluation of ``version`` on the chain: what promotion trusts
    about its verdict and evidence, whatever the registry's tags say."""
    wanted = normalize_version(version)
    judged = [e for e in events if e.action == GATES and e.version == wanted]
    return max(judged, key=lambda e: e.seq) if judged else None


def _describe_move(move: AuditEvent) -> str:
    if move.action == ROLLED_BACK:
        return f"the last recorded rollback is to {show_version(move.version)}"
    return f"the last recorded promotion is {show_version(move.version)}"


def champion_findings(events: list[AuditEvent], champion_version: str | int | None) -> list[str]:
    """Where the registry's champion and the log disagree, or a promotion skipped a step.

    ``champion_version`` is the version the champion alias points to now (None if it
    is unset).  It must be the target of the latest promotion or rollback, and every
    promotion needs a passed gate evaluation and a standing approval before it.
    """
    ordered = sorted(events, key=lambda e: e.seq)
    champion = normalize_version(champion_version)
    findings: list[str] = []

    moves = _moves(ordered)
    last = moves[-1] if moves else None
    if last is None:
        if champion is not None:
            findings.append(f"champion alias points to {show_version(champion)} but no promotion is on record")
    elif champion is None:
        findings.append(
            f"champion alias is not set but {_describe_move(last)}: removed outside the gates"
        )
    elif champion != last.version:
        findings.append(
            f"champion alias points to {show_version(champion)} but {_describe_move(last)}: moved outside the gates"
        )

    lineage: list[str] = []
    for index, event in enumerate(ordered):
        if event.action not in (PROMOTED, ROLLED_BACK):
            continue
        findings.extend(_replaced_findings(event, lineage))
        if event.action == PROMOTED:
            findings.extend(_promotion_findings(event, ordered[:index]))
        elif not any(e.action == PROMOTED and e.version == event.version for e in ordered[:index]):
            findings.append(
                f"{event.label} goes to a version that was never promoted: rollbacks may only "
                "restore a former champion"
            )
        elif len(lineage) < 2:
            findings.append(
                f"{event.label} does not go back along the recorded history: "
                f"{show_version(lineage[-1] if lineage else None)} had no champion before it"
            )
        elif event.version != lineage[-2]:
            findings.append(
                f"{event.label} skips the recorded history: the champion before "
                f"{show_version(lineage[-1])} was {show_version(lineage[-2])}"
            )
        lineage = _step(lineage, event)
    return findings


def _replaced_findings(move: AuditEvent, lineage: list[str]) -> list[str]:
    """A move that says it replaced another champion than the log's: the alias moved
    outside the gates in between, or two decisions raced."""
    if not isinstance(move.details, dict) or "from" not in move.details:
        return []
    recorded = normalize_version(move.details["from"])
    on_record = lineage[-1] if lineage else None
    if recorded == on_record:
        return []
    return [
        f"{move.label} replaced {show_version(recorded)} but the champion on record was "
        f"{show_version(on_record)}: the alias moved outside the gates, or two decisions raced"
    ]


def _promotion_findings(promotion: AuditEvent, earlier: list[AuditEvent]) -> list[str]:
    version = promotion.version
    shown = show_version(version)
    findings: list[str] = []

    judged = gate_evaluation(earlier, version)
    if judged is None:
        findings.append(f"{promotion.label} has no gate evaluation of {shown} before it")
    elif judged.details.get("status") != PASSED:
        status = judged.details.get("status", "no status")
        findings.append(
            f"{promotion.label} follows a gate evaluation of {shown} with status {status!r} "
            f"({judged.label}), not 'passed'"
        )
    elif promotion.details.get("digest") and promotion.details.get("digest") != judged.details.get("digest"):
        findings.append(
            f"{promotion.label} moved {shown} with evidence digest {str(promotion.details['digest'])[:12]} but its gate "
            f"evaluation ({judged.label}) recorded {str(judged.details.get('digest'))[:12]}: the evidence changed after it was judged"
        )

    verdicts = [e for e in earlier if e.action in (APPROVED, REJECTED) and e.version == version]
    if not verdicts:
        findings.append(f"{promotion.label} has no approval of {shown} on record")
    elif verdicts[-1].action == REJECTED:
        findings.append(
            f"{promotion.label} follows a rejection of {shown} ({verdicts[-1].label}) "
            "with no approval after it"
        )
    return findings


def champion_history(events: list[AuditEvent]) -> list[dict[str, Any]]:
    """Which version was champion when, and who moved it: one entry per promotion or
    rollback, oldest first, with ``version``, ``from``, ``at``, ``by`` and ``action``.

    ``from`` is the champion the caller recorded in ``details["from"]`` if it did,
    otherwise the target of the previous move in the log.
    """
    history: list[dict[str, Any]] = []
    previous: str | None = None
    for move in _moves(sorted(events, key=lambda e: e.seq)):
        recorded_from = move.details.get("from") if isinstance(move.details, dict) else None
        history.append(
            {
                "version": move.version,
                "from": normalize_version(recorded_from) if recorded_from is not None else previous,
                "at": move.recorded_at,
                "by": move.actor,
                "action": move.action,
            }
        )
        previous = move.version
    return history
