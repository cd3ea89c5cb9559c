"""Whether a version may become champion: the one place that decides.

It composes every rule promotion and rollback obey: the offline gates as recorded, the
reviewer's approval and who gave it (separation of duties; in team mode, the governance
server's signature), the evidence digest the reviewer saw, and the live gate.  The
registry adapter (:mod:`govern.stores.registry`) only reads the facts it judges.
"""

from __future__ import annotations

from govern.core.errors import GovernError
from govern.evidence.verdict import PASSED
from govern.governance import acknowledgement, identity, promoter_key
from govern.governance.signature import KEY_ENV, ApprovalClaim, approval_key
from govern.live import gate as live_gate
from govern.stores import registry
from govern.stores.audit.champion import gate_evaluation
from govern.stores.audit.events import AUDIT_KEY_ENV, AuditEvent, audit_key, rules_digest


def refusals(state: registry.VersionState, *, check_digest: bool = True, events: list[AuditEvent] | None = None) -> list[str]:
    """Every reason this version may not become champion (empty: it may).

    Tags are only what the registry says; with ``events`` (the model's audit chain, as
    every decision passes it) the record decides: see :func:`record_refusals`.
    """
    reasons = []
    gates_failed = state.gate_status != PASSED
    if gates_failed:
        reasons.append(f"v{state.version} did not pass its gates (gate.status={state.gate_status or 'missing'})")
    if state.approval_status == registry.NOT_ELIGIBLE and gates_failed:
        return reasons  # no reviewer was asked: the gate failure is the whole reason
    if state.approval_status != registry.APPROVED:
        reasons.append(f"v{state.version} is not approved (approval.status={state.approval_status or 'missing'})")
    elif not state.reviewer:
        reasons.append(f"v{state.version} is approved but names no reviewer (tag {registry.APPROVAL_REVIEWER})")
    elif identity.same_person(state.reviewer, state.author):
        reasons.append(f"v{state.version} was approved by its own author '{state.author}'")
    elif registry.team_mode():
        reasons += signed_approval_problems(state)
    if state.approval_status == registry.APPROVED and not reasons:
        reasons += acknowledgement.promotion_problems(state)
    now = None
    if check_digest and not reasons:
        if not state.digest:
            reasons.append(f"v{state.version} has no evidence digest on record")
        else:
            now = current_digest(state)
            if now != state.digest:
                reasons.append(f"v{state.version}'s evidence changed since it was judged (digest {state.digest[:12]} != {now[:12]})")
    if events is not None and not reasons:
        reasons += record_refusals(state, events, now=now)
    return reasons


def current_digest(state: registry.VersionState) -> str:
    """The digest of the version's model and ``evidence/`` as they are now, recomputed."""
    try:
        return registry.recorded_evidence_digest(state.name, state.version)
    except (registry.MlflowException, OSError) as exc:
        return f"unreadable ({exc.__class__.__name__})"


def record_refusals(state: registry.VersionState, events: list[AuditEvent], *, now: str | None) -> list[str]:
    """What the record says, whatever the tags say: the chain holds a passed gate
    evaluation of this version's run, whose evidence digest is the one the artifacts
    give ``now`` and the one the approval covers (the tag the signature is checked
    against), and ``record.json`` holds that passed verdict under the recorded rules.

    The tags are writable by the version's author; the chain and the digest it sealed are
    not, and where the promoter holds the audit key the evaluation must carry its seal.
    """
    v = f"v{state.version}"
    judged = gate_evaluation(events, state.version)
    if judged is None:
        return [f"{v} has no gate evaluation on the audit chain: it was never judged by the pipeline (registered by hand?)"]
    key = audit_key()
    if key is not None and not judged.sealed_by(key):
        return [f"{v}'s gate evaluation ({judged.label}) is not sealed with {AUDIT_KEY_ENV}: it was not written by the pipeline or the server as it stands"]
    status = judged.details.get("status")
    if status != PASSED:
        return [f"{v}'s gate evaluation on the audit chain ({judged.label}) is {status or 'missing'}, not passed, "
                f"whatever its tags say (gate.status={state.gate_status or 'missing'})"]
    recorded = str(judged.details.get("digest") or "")
    if not recorded:
        return [f"{v}'s gate evaluation ({judged.label}) recorded no evidence digest, so what was judged cannot be checked"]
    if judged.details.get("run_id") != state.run_id:
        return [f"{v} comes from run {state.run_id}, not the run its gate evaluation ({judged.label}) judged"]
    if now is not None and now != recorded:
        return [f"{v}'s evidence is not what was judged: its artifacts now give digest {now[:12]}, "
                f"its gate evaluation ({judged.label}) recorded {recorded[:12]}"]
    if state.digest != recorded:
        return [f"{v}'s {registry.EVIDENCE_DIGEST} tag ({(state.digest or 'missing')[:12]}) is not the digest its gate evaluation "
                f"({judged.label}) recorded ({recorded[:12]}), so the approval does not cover what was judged"]
    return recorded_rules_refusals(state, judged)


def recorded_rules_refusals(state: registry.VersionState, judged: AuditEvent) -> list[str]:
    """``record.json`` (sealed by the digest) holds the passed verdict, for this version,
    under the rules the gate evaluation recorded."""
    v = f"v{state.version}"
    try:
        record = registry.read_record(state.name, state.version)
    except GovernError as exc:
        return [str(exc)]
    if record is None:
        return [f"{v} has no {registry.EVIDENCE_DIR}/record.json: the rules it was judged by are not on record"]
    if record.gates.status != PASSED:
        return [f"{v}'s record.json holds the verdict {record.gates.status}, not passed"]
    if record.model != state.name or str(record.version) != state.version:
        return [f"{v}'s record.json is the record of {record.model} v{record.version}, not of this version"]
    rules = judged.details.get("rules")
    if rules is not None and rules != rules_digest(record.spec.gates):
        return [f"{v}'s record.json holds other gate rules than its gate evaluation ({judged.label}) recorded"]
    return []


def signed_approval_problems(state: registry.VersionState) -> list[str]:
    """Team mode trusts an approval only with the server's valid signature, by a reviewer
    who neither created the run nor registered the version (as the server recorded)."""
    key = approval_key()
    if key is None:
        return [f"v{state.version}'s approval cannot be verified: {KEY_ENV} is not set for the promoter"]
    claim = ApprovalClaim(
        model=state.name, version=state.version, decision=state.approval_status or "", reviewer=state.reviewer or "",
        reviewed_at=state.reviewed_at or "", evidence_digest=state.digest or "", run_creator=state.run_creator or "", registrant=state.registrant or "",
    )
    if not state.run_creator or not state.registrant:
        return [f"v{state.version} has no server-recorded creator and registrant: it was not trained and registered through the governance server"]
    if identity.same_person(state.reviewer, state.run_creator) or identity.same_person(state.reviewer, state.registrant):
        return [f"v{state.version} was approved by '{state.reviewer}', who created its run or registered it"]
    if not claim.verify(state.signature, key):
        return [f"v{state.version}'s approval carries no valid signature of the governance server: it was not recorded by the server as it stands"]
    return []


def promoter_refusal(user: str | None) -> str | None:
    """In team mode only the platform's service user, holding the promoter's key, moves
    ``champion`` (the server refuses anyone else, and any move without the key's proof):
    said here, before any lock is taken or the server asked."""
    if not registry.team_mode():
        return None
    service = identity.TeamRoles.from_env().service_user
    if user == service:
        return promoter_key.promoter_key_missing()
    who = f"logged in as '{user}'" if user else "not logged in (MLFLOW_TRACKING_USERNAME is unset)"
    return f"only the platform's service user '{service}' moves champion in team mode, and this process is {who}"


def approval_basis(state: registry.VersionState) -> str:
    """How far an approval is proved: "verified" (server-signed, team mode) or "declared"."""
    if state.approval_status not in (registry.APPROVED, registry.REJECTED):
        return "none"
    if registry.team_mode() and not signed_approval_problems(state):
        return "verified"
    return "declared"


def promotion_refusals(state: registry.VersionState, *, events: list[AuditEvent]) -> list[str]:
    """Every reason ``state``'s version may not be promoted now: the offline rules and the
    record on the audit chain, then the live gate."""
    return refusals(state, events=events) + live_gate.refusals(state.name, state.version)
