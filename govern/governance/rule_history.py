"""What changed in the rules between a version and the current champion, read from both versions' records."""

from __future__ import annotations

from govern.core.errors import GovernError
from govern.gates.changes import RuleChanges, decision_changes, describe_changes
from govern.stores import registry

__all__ = ["RuleChanges", "changes_since_champion"]


def changes_since_champion(name: str, version: str) -> RuleChanges:
    """Compare ``version``'s recorded gates and decision policy with the current champion's, from both runs'
    ``evidence/record.json``; a missing record is said, not raised."""
    champion = registry.alias_version(name, registry.CHAMPION)
    if champion is None or champion == str(version):
        return RuleChanges(version=str(version), against=champion, lines=[])
    records = {}
    for v in (champion, str(version)):
        try:
            record = registry.read_record(name, v)
        except GovernError as exc:
            return RuleChanges(version=str(version), against=champion, lines=[], note=f"{exc}, so changes since the champion are unknown")
        if record is None or record.spec.gates is None:
            return RuleChanges(version=str(version), against=champion, lines=[],
                               note=f"v{v}'s gates are not on record, so changes since the champion are unknown")
        records[v] = record.spec
    before, after = records[champion], records[str(version)]
    lines = describe_changes(before.gates, after.gates) + decision_changes(before.model_dump(), after.model_dump())
    return RuleChanges(version=str(version), against=champion, lines=lines)
