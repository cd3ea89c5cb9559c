"""Whether a version may become champion: the one place that decides.

It composes every rule promotion and rollback obey: the offline gates as recorded, the
reviewer's approval and who gave it (separation of duties; in team mode, the governance
server's signature), the evidence digest the reviewer saw, and the live gate.  The
registry adapter (:mod:`govern.stores.registry`) only reads the facts it judges.
"""

from __future__ import annotations

from govern.evidence.verdict import PASSED
from govern.governance.signature import KEY_ENV, ApprovalClaim, approval_key
from govern.live import gate as live_gate
from govern.stores import registry


def refusals(state: registry.VersionState, *, check_digest: bool = True) -> list[str]:
    """Every reason this version may not become champion (empty: it may)."""
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
    elif state.reviewer == state.author:
        reasons.append(f"v{state.version} was approved by its own author '{state.author}'")
    elif registry.team_mode():
        reasons += signed_approval_problems(state)
    if check_digest and not reasons:
        if not state.digest:
            reasons.append(f"v{state.version} has no evidence digest on record")
        else:
            try:
                now = registry.recorded_evidence_digest(state.name, state.version)
            except (registry.MlflowException, OSError) as exc:
                now = f"unreadable ({exc.__class__.__name__})"
            if now != state.digest:
                reasons.append(f"v{state.version}'s evidence changed since it was judged (digest {state.digest[:12]} != {now[:12]})")
    return reasons


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
    if state.reviewer in (state.run_creator, state.registrant):
        return [f"v{state.version} was approved by '{state.reviewer}', who created its run or registered it"]
    if not claim.verify(state.signature, key):
        return [f"v{state.version}'s approval carries no valid signature of the governance server: it was not recorded by the server as it stands"]
    return []


def approval_basis(state: registry.VersionState) -> str:
    """How far an approval is proved: "verified" (server-signed, team mode) or "declared"."""
    if state.approval_status not in (registry.APPROVED, registry.REJECTED):
        return "none"
    if registry.team_mode() and not signed_approval_problems(state):
        return "verified"
    return "declared"


def promotion_refusals(state: registry.VersionState) -> list[str]:
    """Every reason ``state``'s version may not be promoted now: the offline rules, then the live gate."""
    return refusals(state) + live_gate.refusals(state.name, state.version)
