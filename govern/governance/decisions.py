"""Governance decisions: promote, roll back, and audit them (approval is :mod:`govern.governance.approval`).

Each decision reads the registry afresh, refuses with one line when a rule is not met
(and records the refusal), changes the registry only after every check passed, and
appends to the audit chain.  Moves of ``champion`` happen under the model's decision
lock (:meth:`AuditLog.exclusive`), so two decisions at once run one after the other and
the chain's last move always names the alias's version.  Everything that can refuse is
checked before that lock is taken (who is promoting first), and on PostgreSQL the lock
is not the one appends take, so the governance server never waits for a client that
waits for it.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass, field

from govern.core.errors import GovernError, PromotionRefused
from govern.governance import promoter_key
from govern.governance.card_refresh import refresh_after_decision
from govern.governance.promotion import approval_basis, promoter_refusal, promotion_refusals, refusals
from govern.governance.rule_history import RuleChanges, changes_since_champion
from govern.live import gate as live_gate
from govern.stores import registry
from govern.stores.audit.champion import champion_findings, champion_history, champion_lineage, gate_evaluation
from govern.stores.audit.events import (
    APPROVED,
    GATES,
    PROMOTED,
    PROMOTION_REFUSED,
    REJECTED,
    ROLLBACK_REFUSED,
    ROLLED_BACK,
    SERVER_CHAIN,
    AuditEvent,
    normalize_version,
)
from govern.stores.audit.log import AuditLog


def _record_ui_approval(log: AuditLog, state: registry.VersionState, rules: RuleChanges) -> None:
    """An approval set by hand in the UI is recorded when promotion first sees it."""
    events = log.events(state.name)
    latest = next((e for e in reversed(events) if e.version == state.version and e.action in (APPROVED, REJECTED)), None)
    if latest is None or latest.action != APPROVED or latest.actor != state.reviewer:
        log.append(state.name, APPROVED, actor=state.reviewer or "unknown", version=state.version,
                   details={"source": "registry tags (MLflow UI)", "approval": approval_basis(state), **rules.as_details()})


@dataclass(frozen=True)
class Promotion:
    name: str
    version: str
    previous: str | None
    rule_changes: list[str] = field(default_factory=list)
    rules: RuleChanges | None = None
    card_note: str = ""
    # "verified": signed by the governance server (team mode); "declared": tags as set.
    approval: str = ""


def _refused_before(events: list[AuditEvent], action: str, version: str) -> set[str]:
    """Reasons already recorded for refusing ``version`` since its last gate or
    approval decision: a scheduled check records each once, not once per tick."""
    seen: set[str] = set()
    for event in events:
        if event.version != version:
            continue
        if event.action in (GATES, APPROVED, REJECTED):
            seen = set()
        elif event.action == action:
            seen |= set(event.details.get("reasons") or [])
    return seen


def _refuse(log: AuditLog, name: str, action: str, version: str | None, *, actor: str, reasons: list[str], details: dict, repeat: bool) -> None:
    """Record a refused move (only its new reasons when ``repeat`` is off)."""
    if repeat:
        log.append(name, action, actor=actor, version=version, details={**details, "reasons": reasons})
        return
    with log.exclusive(name):
        reasons = [r for r in reasons if r not in _refused_before(log.events(name), action, version)]
        if reasons:
            log.append(name, action, actor=actor, version=version, details={**details, "reasons": reasons})


def _require_promoter(log: AuditLog, name: str, action: str, version: str | int | None, *, actor: str, repeat: bool) -> None:
    """The wrong user is refused (and recorded) before anything else is read or locked."""
    reason = promoter_refusal(registry.logged_in_user())
    if reason is not None:
        _refuse(log, name, action, normalize_version(version), actor=actor, reasons=[reason], details={}, repeat=repeat)
        raise PromotionRefused(f"{name}: {'promotion' if action == PROMOTION_REFUSED else 'rollback'} refused: {reason}")


def _move(log: AuditLog, name: str, version: str, action: str, *, actor: str, recheck: Callable[[str | None], dict]) -> str | None:
    """Move ``champion`` to ``version`` and record it, as one step under the model's lock.

    ``recheck`` runs under the lock with the champion found there; it raises if what
    was checked before no longer holds and returns the event's details.  If the move
    cannot be recorded, the aliases go back where they were.
    """
    moved, previous, was_challenger = False, None, False
    try:
        with log.exclusive(name):
            previous = registry.alias_version(name, registry.CHAMPION)
            if previous == version:
                raise PromotionRefused(f"{name} v{version} is already the champion")
            details = recheck(previous)
            was_challenger = registry.alias_version(name, registry.CHALLENGER) == version
            registry.move_champion(name, version, proof=_proof(name, version, previous))
            moved = True
            log.append(name, action, actor=actor, version=version, details={**details, "from": previous})
    except BaseException:
        if moved:
            back = _proof(name, previous, version) if previous else None
            registry.restore_champion(name, previous, challenger=version if was_challenger else None, proof=back)
        raise
    return previous


def _proof(name: str, version: str, previous: str | None) -> str | None:
    """In team mode the server lets ``champion`` move only with the promoter's signed proof."""
    return promoter_key.prove(name, version, previous) if registry.team_mode() else None


def promote(log: AuditLog, name: str, version: str | int | None = None, *, actor: str | None = None, repeat_refusals: bool = True) -> Promotion:
    """Move ``champion`` to ``version`` (default: the ``challenger``) if every rule holds.

    ``repeat_refusals=False`` (the scheduled watch) records a refusal only for reasons
    not yet on record for that version.
    """
    registry.require_registered(name)
    actor = actor or registry.logged_in_user() or getpass.getuser()
    _require_promoter(log, name, PROMOTION_REFUSED, version, actor=actor, repeat=repeat_refusals)
    if version is None:
        version = registry.alias_version(name, registry.CHALLENGER)
        if version is None:
            raise PromotionRefused(f"{name} has no challenger awaiting promotion")
    state = registry.VersionState.read(name, version)
    if registry.alias_version(name, registry.CHAMPION) == state.version:
        raise PromotionRefused(f"{name} v{state.version} is already the champion")
    events = log.events(name)
    judged = gate_evaluation(events, state.version)
    problems = promotion_refusals(state, events=events)
    if problems:
        _refuse(log, name, PROMOTION_REFUSED, state.version, actor=actor, reasons=problems, details={}, repeat=repeat_refusals)
        raise PromotionRefused(f"{name} v{state.version} not promoted: " + "; ".join(problems))
    live_digest = live_gate.current_digest(name, state.version)
    rules = changes_since_champion(name, state.version)

    def recheck(current: str | None) -> dict:
        # The digest was checked outside the lock; what another decision may have changed is re-read here.
        nonlocal rules
        if registry.VersionState.read(name, state.version) != state or gate_evaluation(log.events(name), state.version) != judged:
            raise PromotionRefused(f"{name} v{state.version} not promoted: its tags or its record changed while it was being checked; try again")
        if live_gate.current_digest(name, state.version) != live_digest:
            raise PromotionRefused(f"{name} v{state.version} not promoted: its live evidence changed while it was being checked; try again")
        if current != rules.against:
            rules = changes_since_champion(name, state.version)
        _record_ui_approval(log, state, rules)
        return {"reviewer": state.reviewer, "approval": approval_basis(state), "digest": state.digest,
                **({"live_digest": live_digest} if live_digest else {}), **rules.as_details()}

    previous = _move(log, name, state.version, PROMOTED, actor=actor, recheck=recheck)
    note = refresh_after_decision(log, name, state.version)
    return Promotion(name=name, version=state.version, previous=previous, rule_changes=rules.lines, rules=rules, card_note=note, approval=approval_basis(state))


def promote_approved(log: AuditLog, names: list[str]) -> list[Promotion]:
    """Promote each model's challenger that a reviewer has approved; a refusal is
    recorded once per version and reason, however often the schedule asks."""
    done = []
    for name in names:
        version = registry.alias_version(name, registry.CHALLENGER)
        if version is None:
            continue
        state = registry.VersionState.read(name, version)
        if state.approval_status != registry.APPROVED:
            continue
        try:
            done.append(promote(log, name, version, actor=registry.logged_in_user() or "govern watch", repeat_refusals=False))
        except PromotionRefused:
            continue
    return done


def rollback(log: AuditLog, name: str, *, actor: str | None = None) -> Promotion:
    """Restore the champion before the current one along the recorded history (a second
    rollback goes further back, never to the version just left), through the same
    refusals as promotion."""
    registry.require_registered(name)
    actor = actor or registry.logged_in_user() or getpass.getuser()
    _require_promoter(log, name, ROLLBACK_REFUSED, None, actor=actor, repeat=True)
    current = registry.alias_version(name, registry.CHAMPION)
    if current is None:
        raise GovernError(f"{name} has no champion to roll back")
    events = log.events(name)
    lineage = champion_lineage(events)
    details = {"from": current}
    if not lineage or lineage[-1] != current:
        reason = f"champion alias points to v{current} but the recorded champion is {'v' + lineage[-1] if lineage else 'none'}: see govern audit {name}"
        _refuse(log, name, ROLLBACK_REFUSED, None, actor=actor, reasons=[reason], details=details, repeat=True)
        raise PromotionRefused(f"{name}: rollback refused: {reason}")
    if len(lineage) < 2:
        reason = f"v{current} has no earlier champion on record to roll back to"
        _refuse(log, name, ROLLBACK_REFUSED, None, actor=actor, reasons=[reason], details=details, repeat=True)
        raise PromotionRefused(f"{name}: rollback refused: {reason}")
    target = lineage[-2]
    state = registry.VersionState.read(name, target)
    problems = refusals(state, events=events)
    if problems:
        _refuse(log, name, ROLLBACK_REFUSED, target, actor=actor, reasons=problems, details=details, repeat=True)
        raise PromotionRefused(f"{name}: rollback to v{target} refused: " + "; ".join(problems))
    rules = changes_since_champion(name, target)

    def recheck(now: str | None) -> dict:
        if now != current or champion_lineage(log.events(name)) != lineage:
            raise PromotionRefused(f"{name}: rollback refused: another decision moved the champion meanwhile; try again")
        return rules.as_details()

    previous = _move(log, name, target, ROLLED_BACK, actor=actor, recheck=recheck)
    note = refresh_after_decision(log, name, target)
    return Promotion(name=name, version=target, previous=previous, rule_changes=rules.lines, rules=rules, card_note=note)


@dataclass(frozen=True)
class AuditReport:
    name: str
    events: list
    problems: list[str]
    history: list[dict]
    champion: str | None

    @property
    def ok(self) -> bool:
        return not self.problems


def audit_model(log: AuditLog, name: str) -> AuditReport:
    """Verify the chain and that ``champion`` points where the recorded decisions put it
    (the server's own chain, :data:`SERVER_CHAIN`, has no champion: only the chain)."""
    if name == SERVER_CHAIN:
        return AuditReport(name=name, events=log.events(name), problems=log.verify(name), history=[], champion=None)
    registry.require_registered(name)
    events = log.events(name)
    champion = registry.alias_version(name, registry.CHAMPION)
    problems = log.verify(name) + champion_findings(events, champion)
    return AuditReport(name=name, events=events, problems=problems, history=champion_history(events), champion=champion)
