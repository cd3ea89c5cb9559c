"""Approving or rejecting a version: where approval is decided.

Embedded, the reviewer's tags are set here after the same checks a reviewer in the UI
meets at promotion.  In team mode the approval goes through the governance server: the
server decides who may approve, stamps the reviewer, the time and its signature,
and audits the decision (or the refusal) itself; the CLI only sends the status as the
logged-in user and reports what the server said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mlflow.exceptions import MlflowException

from govern.core.errors import GovernError
from govern.evidence.verdict import PASSED
from govern.governance import acknowledgement, identity
from govern.governance.card_refresh import refresh_after_decision
from govern.governance.rule_history import RuleChanges, changes_since_champion
from govern.stores import registry
from govern.stores.audit.events import APPROVAL_REFUSED, APPROVED, REJECTED
from govern.stores.audit.log import AuditLog


@dataclass(frozen=True)
class Approval:
    name: str
    version: str
    status: str
    reviewer: str
    rules: RuleChanges
    card_note: str = ""
    acknowledged: tuple[str, ...] = ()


def _approval_problem(state: registry.VersionState, reviewer: str) -> str | None:
    if state.gate_status != PASSED:
        return f"{state.name} v{state.version} failed its gates and cannot be approved (approval.status={state.approval_status or 'missing'})"
    if identity.same_person(reviewer, state.author):
        return f"{state.name} v{state.version}: reviewer '{reviewer}' is the author of its run ('{state.author}') and cannot approve it"
    return None


def approve(log: AuditLog, name: str, version: str | int, *, reviewer: str, approved: bool = True, note: str = "",
            acknowledge: Sequence[str] = ()) -> Approval:
    """Set the approval tags exactly as a reviewer would in the MLflow UI, and record it
    with what changed in the rules since the champion's gates.  An approval must name
    (``acknowledge``) every inconclusive gate that needs acknowledgement; the names are
    kept with it.  A refused approval changes no tag and is recorded as ``approval.refused``."""
    registry.require_registered(name)
    reviewer = reviewer.strip()
    if not reviewer:
        raise GovernError("a reviewer name is required")
    if registry.team_mode():
        return approve_through_server(log, name, version, reviewer=reviewer, approved=approved, acknowledge=acknowledge)
    state = registry.VersionState.read(name, version)
    problem = (_approval_problem(state, reviewer) or acknowledgement.approval_problem(name, state.version, list(acknowledge))) if approved else None
    if problem:
        log.append(name, APPROVAL_REFUSED, actor=reviewer, version=state.version, details={"source": "govern approve", "reason": problem, "note": note})
        raise GovernError(problem)
    rules = changes_since_champion(name, state.version)
    status = registry.APPROVED if approved else registry.REJECTED
    acknowledged = tuple(acknowledge) if approved else ()
    if approved:
        acknowledgement.record_acknowledged(name, state.version, list(acknowledged))
    registry.set_approval(name, state.version, status=status, reviewer=reviewer)
    log.append(name, APPROVED if approved else REJECTED, actor=reviewer, version=state.version,
               details={"source": "govern approve", "approval": "declared", "note": note, "acknowledged": list(acknowledged), **rules.as_details()})
    card_note = refresh_after_decision(log, name, state.version)
    return Approval(name=name, version=state.version, status=status, reviewer=reviewer, rules=rules, card_note=card_note, acknowledged=acknowledged)


def approve_through_server(log: AuditLog, name: str, version: str | int, *, reviewer: str, approved: bool, acknowledge: Sequence[str] = ()) -> Approval:
    user = registry.logged_in_user()
    if not identity.same_person(reviewer, user):
        raise GovernError(f"in team mode the reviewer is who is logged in (MLFLOW_TRACKING_USERNAME={user or 'unset'}), not '{reviewer}'")
    state = registry.VersionState.read(name, version)
    status = registry.APPROVED if approved else registry.REJECTED
    problem = acknowledgement.approval_problem(name, state.version, list(acknowledge)) if approved else None
    if problem:
        raise GovernError(problem)
    try:
        if approved:
            acknowledgement.record_acknowledged(name, state.version, list(acknowledge))
        registry.set_approval(name, state.version, status=status, reviewer=reviewer)
    except MlflowException as exc:
        raise GovernError(f"{name} v{state.version}: the governance server refused: {exc.message}") from None
    rules = changes_since_champion(name, state.version)
    card_note = refresh_after_decision(log, name, state.version)
    return Approval(name=name, version=state.version, status=status, reviewer=reviewer, rules=rules, card_note=card_note,
                    acknowledged=tuple(acknowledge) if approved else ())
