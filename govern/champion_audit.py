"""What the audit chain says about the champion, set against the registry.

The registry alone cannot tell who moved the ``champion`` alias or whether the gates
were passed first; the recorded decisions can.  Both functions are pure: they read a
model's events (from :class:`govern.audit.AuditLog`) and the alias the caller found.
"""

from __future__ import annotations

from typing import Any

from govern.audit_events import (
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

    for index, event in enumerate(ordered):
        if event.action == PROMOTED:
            findings.extend(_promotion_findings(event, ordered[:index]))
        elif event.action == ROLLED_BACK:
            earlier = ordered[:index]
            if not any(e.action == PROMOTED and e.version == event.version for e in earlier):
                findings.append(
                    f"{event.label} goes to a version that was never promoted: rollbacks may only "
                    "restore a former champion"
                )
    return findings


def _promotion_findings(promotion: AuditEvent, earlier: list[AuditEvent]) -> list[str]:
    version = promotion.version
    shown = show_version(version)
    findings: list[str] = []

    gates = [e for e in earlier if e.action == GATES and e.version == version]
    if not gates:
        findings.append(f"{promotion.label} has no gate evaluation of {shown} before it")
    elif gates[-1].details.get("status") != "passed":
        status = gates[-1].details.get("status", "no status")
        findings.append(
            f"{promotion.label} follows a gate evaluation of {shown} with status {status!r} "
            f"({gates[-1].label}), not 'passed'"
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
