"""The local card after a decision or a monitoring run: re-rendered with the current approval, champion history and latest monitoring verdict."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from govern.card import render as cards
from govern.core.errors import GovernError
from govern.governance import acknowledgement
from govern.governance.promotion import approval_basis
from govern.governance.rule_history import previous_for_card
from govern.governance.status import last_monitoring
from govern.stores import registry
from govern.stores.audit.champion import champion_history
from govern.stores.audit.log import AuditLog


def refresh_card(log: AuditLog, name: str, version: str, cards_root=None):
    """Re-render the local card with the current approval and champion history.

    The card logged to the run stays as judged (it is part of the evidence digest);
    the copy under ``model_cards/`` follows the decisions made since.
    """
    from govern.core.settings import load_settings

    state = registry.VersionState.read(name, version)
    record = registry.read_record(name, state.version)
    if record is None:
        raise GovernError(f"{name} v{state.version} has no {registry.EVIDENCE_DIR}/record.json logged to its run")
    governance = {"approval_status": state.approval_status, "reviewer": state.reviewer, "approval_basis": approval_basis(state),
                  "acknowledged": acknowledgement.recorded(name, state.version),
                  "history": champion_history(log.events(name)), "previous_rules": previous_for_card(name, state.version)}
    monitored = last_monitoring(log.events(name), state.version)
    if monitored is not None:
        governance["monitoring"] = {**asdict(monitored), "headline": monitored.headline()}
    if (record.spec.gates or {}).get("live") and registry.alias_version(name, registry.CHAMPION) != state.version:
        from govern.live import gate as live_gate

        governance["live"] = live_gate.refusals(name, state.version)
    out = Path(cards_root or load_settings().cards_dir) / name / f"v{state.version}"
    return cards.write_card(record, out, governance)


def refresh_after_decision(log: AuditLog, name: str, version: str) -> str:
    """The decision stands even when the local card cannot be re-rendered (a record
    written before the template changed, say): that is said in one line, not raised."""
    try:
        refresh_card(log, name, version)
    except Exception as exc:  # noqa: BLE001 -- reported to the caller as a note
        first = (str(exc).strip().splitlines() or [""])[0]
        return f"card of v{version} not refreshed ({exc.__class__.__name__}: {first}); run govern card {name} {version}"
    return ""
