"""The governance server's side of the audit chain.

Every watched write is appended with the authenticated actor and ``source:
mlflow-server``.  A request never waits long for the chain: appends wait for the
model's append lock at most :data:`LOCK_TIMEOUT_SECONDS` (promoters hold a separate
decision lock, see :mod:`govern.stores.audit.locks`), and a refusal that cannot be
appended in time is still refused, and logged.  Writes by the service user are
appended from a background thread, so a promotion's own request returns at once.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from typing import Any

from google.protobuf.json_format import MessageToDict

from govern.core.errors import GovernError
from govern.governance.signature import ApprovalClaim
from govern.stores.audit.events import APPROVAL_REFUSED, APPROVED, REJECTED, SERVER_CHAIN
from govern.stores.audit.log import AuditLog

SOURCE = "mlflow-server"
# A request that cannot append within this many seconds answers without waiting more.
LOCK_TIMEOUT_SECONDS = 5.0
WRITE, REFUSED = "server.write", "server.refused"
_logger = logging.getLogger(__name__)


class ServerAudit:
    def __init__(self, log: AuditLog):
        self.log = log
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._drain, name="govern-audit", daemon=True).start()

    @classmethod
    def from_env(cls) -> ServerAudit:
        return cls(AuditLog(os.environ["GOVERN_DATABASE_URL"], lock_timeout=LOCK_TIMEOUT_SECONDS))

    def _drain(self) -> None:
        while True:
            args, kwargs = self._queue.get()
            try:
                self.log.append(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 -- a background append must not end the thread
                _logger.error("governance: audit append failed for %s: %s", args, exc)

    def _append(self, model: str, action: str, *, actor: str, version: Any, details: dict, later: bool) -> None:
        kwargs = {"actor": actor, "version": version, "details": {"source": SOURCE, **details}}
        if later:
            self._queue.put(((model, action), kwargs))
        else:
            self.log.append(model, action, **kwargs)

    def write(self, model: str, actor: str, kind: str, *, version: Any = None, details: dict | None = None, later: bool = False) -> None:
        self._append(model, WRITE, actor=actor, version=version, details={"request": kind, **(details or {})}, later=later)

    def refusal(self, model: str | None, actor: str, kind: str, reason: str, message, *, later: bool = False) -> None:
        """A refused write is audited on ``model``'s chain (for a run: the model of its
        versions or of its experiment, :func:`govern.server.guards.model_of_run`); one
        that names no model (a user change) on the server's own chain, and logged."""
        if model is None:
            _logger.warning("governance: refused %s by %s: %s", kind, actor, reason)
            model = SERVER_CHAIN
        request = message if isinstance(message, dict) else MessageToDict(message, preserving_proto_field_name=True)
        action = APPROVAL_REFUSED if kind == "SetModelVersionTag" and request.get("key") == "approval.status" else REFUSED
        try:
            where = {k: request[k] for k in ("run_id", "path") if request.get(k)}
            self._append(model, action, actor=actor, version=request.get("version"), details={"request": kind, "reason": reason, **where}, later=later)
        except GovernError as exc:  # the write is refused all the same; the chain could not take it in time
            _logger.error("governance: refused %s by %s on %s (%s) but could not audit it: %s", kind, actor, model, reason, exc)

    def decision(self, claim: ApprovalClaim) -> None:
        action = APPROVED if claim.decision == "approved" else REJECTED
        details = {"reviewed_at": claim.reviewed_at, "digest": claim.evidence_digest, "run_creator": claim.run_creator, "registrant": claim.registrant}
        self._append(claim.model, action, actor=claim.reviewer, version=claim.version, details=details, later=False)
