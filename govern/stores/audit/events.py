"""What an audit event is and how it is sealed.

Every governance decision becomes an :class:`AuditEvent` whose ``hash`` covers its
content and the hash of the event before it, so editing or deleting one breaks the
chain.  Anyone with the database can recompute every hash after an edit, so where the
platform's writers hold ``GOVERN_AUDIT_KEY`` (the server, the pipeline, the promoter;
never trainers) each event also carries ``mac``, an HMAC of its hash with that key: a
consistent rewrite, or an event written without the key, shows.  Storage lives in :mod:`govern.stores.audit.log`; what the chain says about the champion
in :mod:`govern.stores.audit.champion`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass, field, fields
from typing import Any

GATES = "gates.evaluated"
APPROVED = "approval.approved"
REJECTED = "approval.rejected"
APPROVAL_REFUSED = "approval.refused"
PROMOTED = "promotion"
ROLLED_BACK = "rollback"
PROMOTION_REFUSED = "promotion.refused"
ROLLBACK_REFUSED = "rollback.refused"
MONITORED = "monitoring"
ALIAS_MISMATCH = "alias.mismatch"
# The chain of what concerns no single model: refused user administration (password
# resets, role changes of the governance identities, colliding user names) and refused
# writes whose run belongs to no model.  No registered model can take this name (spaces).
SERVER_CHAIN = "(govern server)"

# Short verbs for one-line messages: "event 3 (promote v2)".
ACTION_LABELS = {
    GATES: "gates",
    APPROVED: "approve",
    REJECTED: "reject",
    APPROVAL_REFUSED: "refused approval of",
    PROMOTED: "promote",
    ROLLED_BACK: "rollback to",
    PROMOTION_REFUSED: "refused promotion of",
    ROLLBACK_REFUSED: "refused rollback to",
    MONITORED: "monitoring",
    ALIAS_MISMATCH: "alias mismatch",
}

GENESIS_HASH = "0" * 64
AUDIT_KEY_ENV = "GOVERN_AUDIT_KEY"
MAC_SCHEME = "hmac-sha256:v1"


def audit_key() -> bytes | None:
    """The chain's key from ``GOVERN_AUDIT_KEY``, or None where it is not held."""
    value = os.environ.get(AUDIT_KEY_ENV, "")
    return value.encode() if value else None


def _json_default(value: Any) -> Any:
    """Numpy scalars, paths and dates appear in gate results; store them as plain JSON."""
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def canonical_json(value: Any) -> str:
    """The one serialisation that is hashed, so equal content always hashes equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)


def rules_digest(gates: Any) -> str:
    """SHA-256 of the gate rules a version was judged by (``record.spec.gates``), as the
    gate evaluation records it and promotion compares it with ``record.json``."""
    return hashlib.sha256(canonical_json(gates or {}).encode("utf-8")).hexdigest()


def normalize_version(value: str | int | None) -> str | None:
    """Registry versions arrive as 3, "3" or "v3"; store and compare them as "3"."""
    if value is None:
        return None
    text = str(value).strip()
    if len(text) > 1 and text[0] in "vV" and text[1:].isdigit():
        text = text[1:]
    return text or None


def show_version(version: str | None) -> str:
    if version is None:
        return "no version"
    return f"v{version}" if version.isdigit() else version


@dataclass(frozen=True)
class AuditEvent:
    """One recorded decision; ``hash`` seals every other field and the link before it."""

    model: str
    seq: int
    recorded_at: str
    action: str
    version: str | None
    actor: str
    details: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""
    mac: str = ""

    def compute_hash(self) -> str:
        """The hash this event's content calls for; differs from ``hash`` if edited."""
        sealed = {name: value for name, value in asdict(self).items() if name not in ("hash", "mac")}
        return hashlib.sha256(canonical_json(sealed).encode("utf-8")).hexdigest()

    def compute_mac(self, key: bytes) -> str:
        """The keyed seal of this event's hash (which covers its content and the link before it)."""
        return f"{MAC_SCHEME}:{hmac.new(key, self.hash.encode(), hashlib.sha256).hexdigest()}"

    def mac_matches(self, key: bytes) -> bool:
        """The seal is the one ``key`` gives this event's hash (constant-time comparison)."""
        return bool(self.mac) and hmac.compare_digest(self.mac, self.compute_mac(key))

    def sealed_by(self, key: bytes) -> bool:
        """Written by a holder of ``key`` and unchanged since."""
        return self.compute_hash() == self.hash and self.mac_matches(key)

    @property
    def label(self) -> str:
        """How messages name the event, e.g. ``event 3 (promote v2)``."""
        verb = ACTION_LABELS.get(self.action, self.action)
        what = f"{verb} {show_version(self.version)}" if self.version is not None else verb
        return f"event {self.seq} ({what})"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


EVENT_FIELDS = tuple(f.name for f in fields(AuditEvent))


# Refusals a client records about itself before anything is written (its user may hold no key).
UNSEALED_REFUSALS = frozenset({APPROVAL_REFUSED, PROMOTION_REFUSED, ROLLBACK_REFUSED})


def seal_problems(events: list[AuditEvent], key: bytes) -> list[str]:
    """One line per event the holder of ``key`` did not write as it stands: unsealed
    (written without the key) or sealed wrongly (rewritten, hashes recomputed)."""
    problems = []
    for event in events:
        if not event.mac and event.action in UNSEALED_REFUSALS:
            continue  # a refusal grants nothing: the wrong user's own process records it without the key
        if not event.mac:
            problems.append(f"{event.label} is not sealed with the audit key: written by someone who does not hold it")
        elif not event.mac_matches(key):
            problems.append(f"{event.label} does not carry its audit key seal: rewritten after it was written")
    return problems


def chain_problems(events: list[AuditEvent]) -> list[str]:
    """One line per break in one model's chain (oldest first): edited, relinked or
    deleted events.  Pure, so the check is the same whatever stores the events."""
    problems: list[str] = []
    previous: AuditEvent | None = None
    for event in events:
        expected_seq = previous.seq + 1 if previous else 1
        if event.seq != expected_seq:
            missing = (
                f"event {expected_seq} is missing"
                if event.seq == expected_seq + 1
                else f"events {expected_seq} to {event.seq - 1} are missing"
            )
            problems.append(f"{missing} before {event.label}: deleted from the log")
        if "_unreadable_details" in event.details and len(event.details) == 1:
            problems.append(f"{event.label} was edited: its details are not valid JSON")
        elif event.compute_hash() != event.hash:
            problems.append(f"{event.label} was edited: hash does not match its content")
        if event.seq == expected_seq:
            expected_prev = previous.hash if previous else GENESIS_HASH
            if event.prev_hash != expected_prev:
                before = previous.label if previous else "the start of the chain"
                problems.append(
                    f"{event.label} does not link to {before}: prev_hash differs, "
                    "so an earlier event was replaced"
                )
        previous = event
    return problems
