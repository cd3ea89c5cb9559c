"""Approving from the command line in team mode: through the governance server.

The server decides who may approve, stamps the reviewer, the time and its signature,
and audits the decision (or the refusal) itself; the CLI only sends the status as the
logged-in user and reports what the server said.
"""

from __future__ import annotations

from mlflow.exceptions import MlflowException

from govern.stores import registry
from govern.stores.audit.log import AuditLog
from govern.governance.decisions import Approval, _refresh_after_decision
from govern.core.errors import GovernError
from govern.gates.changes import changes_since_champion


def approve_through_server(log: AuditLog, name: str, version: str | int, *, reviewer: str, approved: bool) -> Approval:
    user = registry.logged_in_user()
    if reviewer != user:
        raise GovernError(f"in team mode the reviewer is who is logged in (MLFLOW_TRACKING_USERNAME={user or 'unset'}), not '{reviewer}'")
    state = registry.VersionState.read(name, version)
    status = registry.APPROVED if approved else registry.REJECTED
    try:
        registry.set_approval(name, state.version, status=status, reviewer=reviewer)
    except MlflowException as exc:
        raise GovernError(f"{name} v{state.version}: the governance server refused: {exc.message}") from None
    rules = changes_since_champion(name, state.version)
    card_note = _refresh_after_decision(log, name, state.version)
    return Approval(name=name, version=state.version, status=status, reviewer=reviewer, rules=rules, card_note=card_note)
