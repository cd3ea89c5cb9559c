"""Inconclusive gates a reviewer must acknowledge, and the acknowledgement kept with the approval.

A gate whose interval straddles its bound under ``on_inconclusive: acknowledge`` passes
the verdict but not promotion on its own: the approval must name it.  The names go in
the version tag ``approval.acknowledged`` (a JSON list) and in the audit event of the
approval; promotion reads the gates from the version's record, never from the spec.
"""

from __future__ import annotations

import json
import unicodedata

from govern.stores import registry

ACKNOWLEDGED = "approval.acknowledged"


def _key(gate: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", gate).casefold().split())


def required(name: str, version: str | int) -> list[str]:
    """The gates of ``version``'s recorded verdict that need acknowledgement (none without a record)."""
    record = registry.read_record(name, version)
    return record.gates.needs_acknowledgement if record is not None else []


def recorded(name: str, version: str | int) -> list[str]:
    """The gates the approval of ``version`` acknowledged (tag ``approval.acknowledged``)."""
    text = (registry.get_version(name, version).tags or {}).get(ACKNOWLEDGED) or "[]"
    try:
        names = json.loads(text)
    except json.JSONDecodeError:
        return []
    return [str(n) for n in names] if isinstance(names, list) else []


def missing(needed: list[str], given: list[str]) -> list[str]:
    """The needed gates ``given`` does not name (case, spacing and Unicode form ignored)."""
    named = {_key(g) for g in given}
    return [g for g in needed if _key(g) not in named]


def approval_problem(name: str, version: str, given: list[str]) -> str | None:
    """Why an approval naming ``given`` may not be recorded: a needed gate left out, or a
    name that is not an inconclusive gate of this version (a typo must not pass silently)."""
    needed = required(name, version)
    left_out = missing(needed, given)
    if left_out:
        flags = " ".join(f'--acknowledge "{g}"' for g in left_out)
        return f"{name} v{version} has inconclusive gates that need the reviewer's acknowledgement: {', '.join(left_out)} (approve with {flags})"
    unknown = missing(given, needed)
    if unknown:
        return f"{name} v{version}: {', '.join(unknown)} is not an inconclusive gate needing acknowledgement (needed: {', '.join(needed) or 'none'})"
    return None


def record_acknowledged(name: str, version: str, given: list[str]) -> None:
    registry.client().set_model_version_tag(name, version, ACKNOWLEDGED, json.dumps(sorted(given)))


def promotion_problems(state: registry.VersionState) -> list[str]:
    """Promotion refuses an approved version whose approval does not name every gate needing acknowledgement."""
    left_out = missing(required(state.name, state.version), recorded(state.name, state.version))
    if not left_out:
        return []
    return [f"v{state.version} has inconclusive gates its approval did not acknowledge (tag {ACKNOWLEDGED}): {', '.join(left_out)}"]
