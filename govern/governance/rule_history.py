"""What changed in the rules of a version, read from the records of the versions it is set against.

Two comparisons are made: with the current champion (what promotion would replace) and
with the version registered just before it, whatever its verdict.  The second shows a
gate loosened between a failed v1 and a passing v2 before any champion exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from govern.core.errors import GovernError
from govern.evidence.record import RecordedSpec
from govern.gates.changes import RuleChanges, decision_changes, describe_changes
from govern.stores import registry

__all__ = ["RuleChanges", "RuleHistory", "changes_since_champion", "changes_since_previous", "previous_version"]


@dataclass(frozen=True)
class RuleHistory(RuleChanges):
    """The rules set against the champion's, and against the previous version's
    (``previous``, None when there is none or it is the champion)."""

    previous: RuleChanges | None = None
    previous_status: str | None = None

    def previous_summary(self) -> list[str]:
        p = self.previous
        if p is None or p.against is None:
            return []
        judged = f"v{p.against} (gates {self.previous_status or 'unknown'})"
        if p.note:
            return [f"rules against the previous version {judged}: {p.note}"]
        if not p.lines:
            return [f"rules: same gates as the previous version {judged}"]
        return [f"rules changed since the previous version {judged}:"] + [f"  {line}" for line in p.lines]

    def summary(self) -> list[str]:
        return super().summary() + self.previous_summary()

    def as_details(self) -> dict:
        details = super().as_details()
        if self.previous is not None and self.previous.against is not None:
            details.update({"rule_changes_since_previous": self.previous.lines, "rules_previous": self.previous.against,
                            "rules_previous_status": self.previous_status})
            if self.previous.note:
                details["rules_previous_note"] = self.previous.note
        return details

    def for_card(self) -> dict | None:
        """What the card shows beside the champion's comparison."""
        p = self.previous
        if p is None or p.against is None:
            return None
        return {"against": p.against, "status": self.previous_status or "unknown", "lines": list(p.lines), "note": p.note}


def _compare(before: RecordedSpec, after: RecordedSpec) -> list[str]:
    return describe_changes(before.gates, after.gates or {}) + decision_changes(before.model_dump(), after.model_dump())


def _recorded_spec(name: str, version: str) -> tuple[RecordedSpec | None, str]:
    """A version's recorded spec, or why it cannot be read."""
    try:
        record = registry.read_record(name, version)
    except GovernError as exc:
        return None, str(exc)
    if record is None or record.spec.gates is None:
        return None, f"v{version}'s gates are not on record"
    return record.spec, ""


def previous_version(name: str, version: str) -> tuple[str | None, str | None]:
    """The version registered just before ``version`` (any verdict) and its gate status."""
    below = [mv for mv in registry.client().search_model_versions(f"name='{name}'") if int(mv.version) < int(version)]
    if not below:
        return None, None
    mv = max(below, key=lambda m: int(m.version))
    return str(mv.version), (mv.tags or {}).get(registry.GATE_STATUS)


def changes_since_previous(name: str, version: str, spec: RecordedSpec | None = None) -> tuple[RuleChanges, str | None]:
    """``version``'s rules (``spec`` when its record is not logged yet) against the previous
    version's, and that version's gate status; a record that cannot be read is said."""
    previous, status = previous_version(name, str(version))
    if previous is None:
        return RuleChanges(version=str(version), against=None, lines=[]), None
    mine, why = (spec, "") if spec is not None else _recorded_spec(name, str(version))
    theirs, their_why = _recorded_spec(name, previous)
    if mine is None or theirs is None or mine.gates is None:
        note = f"{why or their_why or f'v{version} recorded no gates'}, so changes since v{previous} are unknown"
        return RuleChanges(version=str(version), against=previous, lines=[], note=note), status
    return RuleChanges(version=str(version), against=previous, lines=_compare(theirs, mine)), status


def changes_since_champion(name: str, version: str) -> RuleHistory:
    """Compare ``version``'s recorded gates and decision policy with the current champion's
    and with the previous version's, from the runs' ``evidence/record.json``; a missing
    record is said, not raised."""
    version = str(version)
    champion = registry.alias_version(name, registry.CHAMPION)
    previous, status = changes_since_previous(name, version)
    if previous.against is not None and previous.against == champion:
        previous = None
    extra = {"previous": previous, "previous_status": status if previous is not None else None}
    if champion is None or champion == version:
        return RuleHistory(version=version, against=champion, lines=[], **extra)
    records = {}
    for v in (champion, version):
        spec, why = _recorded_spec(name, v)
        if spec is None:
            return RuleHistory(version=version, against=champion, lines=[], note=f"{why}, so changes since the champion are unknown", **extra)
        records[v] = spec
    return RuleHistory(version=version, against=champion, lines=_compare(records[champion], records[version]), **extra)


def previous_for_card(name: str, version: str, spec: RecordedSpec | None = None) -> dict | None:
    """The card's "rules against the previous version" block (None when there is none);
    never raises, since a card must be written even when the registry cannot be read."""
    try:
        changes, status = changes_since_previous(name, str(version), spec)
    except Exception as exc:  # noqa: BLE001 -- said on the card instead
        return {"against": "?", "status": "unknown", "lines": [], "note": f"the previous version could not be read ({exc.__class__.__name__})"}
    return RuleHistory(version=str(version), against=None, lines=[], previous=changes, previous_status=status).for_card()
