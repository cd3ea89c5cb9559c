"""Governance decisions: approve, reject, promote, roll back, and audit them.

Each decision reads the registry afresh, refuses with one line when a rule is not met,
changes the registry only after every check passed, and appends to the audit chain.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from govern import cards, registry
from govern.audit import AuditLog
from govern.audit_events import APPROVED, PROMOTED, PROMOTION_REFUSED, REJECTED, ROLLED_BACK
from govern.champion_audit import champion_findings, champion_history
from govern.errors import GovernError, PromotionRefused


def _require_model(name: str) -> None:
    if not registry.registered(name):
        raise GovernError(f"unknown model '{name}': nothing registered under that name")


def approve(log: AuditLog, name: str, version: str | int, *, reviewer: str, approved: bool = True, note: str = "") -> str:
    """Set the approval tags exactly as a reviewer would in the MLflow UI, and record it."""
    _require_model(name)
    reviewer = reviewer.strip()
    if not reviewer:
        raise GovernError("a reviewer name is required")
    state = registry.VersionState.read(name, version)
    if approved and state.gate_status != "passed":
        raise GovernError(f"{name} v{state.version} failed its gates and cannot be approved")
    if approved and reviewer == state.author:
        raise GovernError(f"{name} v{state.version}: reviewer '{reviewer}' is the author of its run and cannot approve it")
    status = "approved" if approved else "rejected"
    registry.set_approval(name, state.version, status=status, reviewer=reviewer)
    log.append(name, APPROVED if approved else REJECTED, actor=reviewer, version=state.version, details={"source": "govern approve", "note": note})
    refresh_card(log, name, state.version)
    return state.version


def _record_ui_approval(log: AuditLog, state: registry.VersionState) -> None:
    """An approval set by hand in the UI is recorded when promotion first sees it."""
    events = log.events(state.name)
    latest = next((e for e in reversed(events) if e.version == state.version and e.action in (APPROVED, REJECTED)), None)
    if latest is None or latest.action != APPROVED or latest.actor != state.reviewer:
        log.append(state.name, APPROVED, actor=state.reviewer or "unknown", version=state.version, details={"source": "registry tags (MLflow UI)"})


def refresh_card(log: AuditLog, name: str, version: str, cards_root=None):
    """Re-render the local card with the current approval and champion history.

    The card logged to the run stays as judged (it is part of the evidence digest);
    the copy under ``model_cards/`` follows the decisions made since.
    """
    import json
    from pathlib import Path

    import mlflow

    from govern.settings import load_settings

    state = registry.VersionState.read(name, version)
    path = mlflow.artifacts.download_artifacts(run_id=state.run_id, artifact_path=f"{registry.EVIDENCE_DIR}/record.json")
    record = json.loads(Path(path).read_text())
    governance = {"approval_status": state.approval_status, "reviewer": state.reviewer, "history": champion_history(log.events(name))}
    out = Path(cards_root or load_settings().cards_dir) / name / f"v{state.version}"
    return cards.write_card(record, out, governance)


@dataclass(frozen=True)
class Promotion:
    name: str
    version: str
    previous: str | None


def promote(log: AuditLog, name: str, version: str | int | None = None, *, actor: str | None = None) -> Promotion:
    """Move ``champion`` to ``version`` (default: the ``challenger``) if every rule holds."""
    _require_model(name)
    actor = actor or getpass.getuser()
    if version is None:
        version = registry.alias_version(name, registry.CHALLENGER)
        if version is None:
            raise PromotionRefused(f"{name} has no challenger awaiting promotion")
    current = registry.alias_version(name, registry.CHAMPION)
    state = registry.VersionState.read(name, version)
    if current == state.version:
        raise PromotionRefused(f"{name} v{state.version} is already the champion")
    problems = registry.refusals(state)
    if problems:
        log.append(name, PROMOTION_REFUSED, actor=actor, version=state.version, details={"reasons": problems})
        raise PromotionRefused(f"{name} v{state.version} not promoted: " + "; ".join(problems))
    _record_ui_approval(log, state)
    previous = registry.move_champion(name, state.version)
    log.append(name, PROMOTED, actor=actor, version=state.version, details={"from": previous, "reviewer": state.reviewer, "digest": state.digest})
    refresh_card(log, name, state.version)
    return Promotion(name=name, version=state.version, previous=previous)


def promote_approved(log: AuditLog, names: list[str]) -> list[Promotion]:
    """Promote each model's challenger that a reviewer has approved; skip the rest quietly."""
    done = []
    for name in names:
        version = registry.alias_version(name, registry.CHALLENGER)
        if version is None:
            continue
        state = registry.VersionState.read(name, version)
        if state.approval_status != "approved":
            continue
        try:
            done.append(promote(log, name, version, actor="govern watch"))
        except PromotionRefused:
            continue
    return done


def rollback(log: AuditLog, name: str, *, actor: str | None = None) -> Promotion:
    """Restore the champion that preceded the current one, as recorded in the audit chain."""
    _require_model(name)
    current = registry.alias_version(name, registry.CHAMPION)
    if current is None:
        raise GovernError(f"{name} has no champion to roll back")
    history = champion_history(log.events(name))
    previous = next((h["from"] for h in reversed(history) if h["version"] == current and h["from"]), None)
    if previous is None:
        raise GovernError(f"{name} v{current} has no earlier champion on record to roll back to")
    registry.get_version(name, previous)
    registry.client().set_registered_model_alias(name, registry.CHAMPION, previous)
    log.append(name, ROLLED_BACK, actor=actor or getpass.getuser(), version=previous, details={"from": current})
    refresh_card(log, name, str(previous))
    return Promotion(name=name, version=str(previous), previous=current)


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
    """Verify the chain and that ``champion`` points where the recorded decisions put it."""
    _require_model(name)
    events = log.events(name)
    champion = registry.alias_version(name, registry.CHAMPION)
    problems = log.verify(name) + champion_findings(events, champion)
    return AuditReport(name=name, events=events, problems=problems, history=champion_history(events), champion=champion)
