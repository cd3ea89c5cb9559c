"""Who may do what in team mode: the separation-of-duties rules, as plain functions.

MLflow records no actor for tag or alias writes and cannot scope a permission to a tag
key or alias name, so the governance server app (:mod:`govern.server.app`) asks these
functions about every watched write, with the user basic-auth authenticated.  Each
returns the reason a write is refused, or None.  Nothing here talks to MLflow, so the
rules are tested without a server and the server only wires them.

Names are compared in two ways.  A privilege (the service user moves ``champion``, the
pipeline writes evidence) is granted to the exact name only.  A conflict (a reviewer who
is the author) and a protected key or alias are matched after :func:`canonical`, so
``ROOT``, ``root `` and a full-width ``ｒｏｏｔ`` are one person, and ``Approval.Status`` or
``CHAMPION`` are refused beside the real ones.  The server refuses to create a user who
collides with an existing one, so a look-alike of a privileged name cannot exist.
"""

from __future__ import annotations

import functools
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from govern.evidence.verdict import PASSED
from govern.stores.registry import (
    APPROVAL_REVIEWED_AT,
    APPROVAL_REVIEWER,
    APPROVAL_SIGNATURE,
    APPROVAL_STATUS,
    APPROVED,
    CHALLENGER,
    CHAMPION,
    EVIDENCE_DIGEST,
    NOT_ELIGIBLE,
    PENDING,
    PROMOTION_PROOF,
    REJECTED,
    RUN_CREATOR,
    VERSION_REGISTRANT,
)

# Server-stamped on a run the pipeline trained: the pipeline user (the run's creator is the requester).
TRAINED_BY = "govern.trained_by"
# Set by the pipeline on the run it creates: the request run its requester created as themselves.
REQUEST_RUN = "govern.request_run"
REQUEST_KIND = "request"
REQUEST_RUN_ENV = "GOVERN_REQUEST_RUN"
# Keys only the server writes; a client sending one is refused wherever it appears.
SERVER_KEYS = frozenset({APPROVAL_REVIEWER, APPROVAL_REVIEWED_AT, APPROVAL_SIGNATURE, RUN_CREATOR, VERSION_REGISTRANT, TRAINED_BY})
# Evidence keys only the pipeline writes (version and run tags); ``gate.`` covers every gate kind.
PIPELINE_KEYS = frozenset({EVIDENCE_DIGEST, "live.digest", "live.run_id", "approval.reason", REQUEST_RUN})
PIPELINE_PREFIXES = ("gate.",)
# Written only by the service user: the signed proof of a champion move (govern.governance.promoter_key).
PROMOTER_KEYS = frozenset({PROMOTION_PROOF})
RESERVED_ALIASES = (CHAMPION, CHALLENGER)
DECISIONS = (APPROVED, REJECTED)
# What a new version may carry as its status: what registration sets.
STATUS_AT_REGISTRATION = (PENDING, NOT_ELIGIBLE)

REVIEWERS_ROLE_ENV, SERVICE_USER_ENV, PIPELINE_USER_ENV = "GOVERN_REVIEWERS_ROLE", "GOVERN_SERVICE_USER", "GOVERN_PIPELINE_USER"
DEFAULT_REVIEWERS_ROLE, DEFAULT_PLATFORM_ROLE, DEFAULT_SERVICE_USER = "govern-reviewers", "govern-platform", "govern-service"
DEFAULT_PIPELINE_USER = "govern-pipeline"


def canonical(name: str | None) -> str:
    """A name or key as compared: Unicode NFKC, case folded, with no whitespace or
    invisible characters anywhere (``' Ana\u200b'`` -> ``'ana'``), and every letter that
    Unicode lists as confusable with an ASCII one written as that one (a Cyrillic ``а``
    is ``a``: :func:`_ascii_lookalike`)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name or "").casefold())
    visible = (c for c in folded if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf", "Zs", "Zl", "Zp"))
    return "".join(c if c.isascii() else _ascii_lookalike(c) for c in visible)


@functools.cache
def _ascii_lookalike(char: str) -> str:
    """The ASCII character Unicode's confusables table (UTS #39) gives for ``char``, if any."""
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(char, preferred_aliases=[], greedy=True) or []
    ascii_glyphs = sorted(h["c"] for f in found for h in f["homoglyphs"] if len(h["c"]) == 1 and h["c"].isascii())
    return ascii_glyphs[0].casefold() if ascii_glyphs else char


def same_person(a: str | None, b: str | None) -> bool:
    """Two names that are one person for separation of duties (empty names are nobody)."""
    return bool(canonical(a)) and canonical(a) == canonical(b)


def _matches(key: str, protected: Iterable[str], prefixes: tuple[str, ...] = ()) -> str | None:
    """The protected key ``key`` is or looks like, if any."""
    seen = canonical(key)
    for name in protected:
        if seen == canonical(name):
            return name
    for prefix in prefixes:
        if seen.startswith(canonical(prefix)):
            return key if key == seen else f"{prefix}*"
    return None


@dataclass(frozen=True)
class TeamRoles:
    """The names the rules compare against: the reviewers' role and the service user."""

    reviewers_role: str = DEFAULT_REVIEWERS_ROLE
    platform_role: str = DEFAULT_PLATFORM_ROLE
    service_user: str = DEFAULT_SERVICE_USER
    pipeline_user: str = DEFAULT_PIPELINE_USER

    @classmethod
    def from_env(cls) -> TeamRoles:
        return cls(
            reviewers_role=os.environ.get(REVIEWERS_ROLE_ENV) or DEFAULT_REVIEWERS_ROLE,
            service_user=os.environ.get(SERVICE_USER_ENV) or DEFAULT_SERVICE_USER,
            pipeline_user=os.environ.get(PIPELINE_USER_ENV) or DEFAULT_PIPELINE_USER,
        )

    @property
    def governance_users(self) -> tuple[str, str]:
        """The platform's own identities: no admin resets, demotes, deletes or re-roles them."""
        return (self.service_user, self.pipeline_user)

    def is_pipeline(self, actor: str | None) -> bool:
        return actor == self.pipeline_user


def request_tags() -> dict[str, str]:
    """The tag naming the request run a pipeline trains for (``GOVERN_REQUEST_RUN``), if any."""
    request_run = os.environ.get(REQUEST_RUN_ENV)
    return {REQUEST_RUN: request_run} if request_run else {}


def server_key_refusal(keys: Iterable[str], where: str) -> str | None:
    """Tags a client sends may not include the keys the server writes, nor look-alikes."""
    forbidden = sorted({k for k in keys if _matches(k, SERVER_KEYS)})
    if forbidden:
        return f"{', '.join(forbidden)} {'is' if len(forbidden) == 1 else 'are'} written by the server only and cannot be set in {where}"
    return None


def lookalike_refusal(keys: Iterable[str], where: str) -> str | None:
    """A key that is a protected key only after normalising (``Approval.Status``,
    ``approval.status `` or ``Gate.Status``) is refused for everyone: it would read as one."""
    for key in keys:
        real = _matches(key, {*SERVER_KEYS, *PIPELINE_KEYS, *PROMOTER_KEYS, APPROVAL_STATUS}, PIPELINE_PREFIXES)
        if real is not None and key != real:
            return f"tag key {key!r} looks like the protected key {real!r} and cannot be set in {where}; use the exact key"
    return None


def pipeline_key_refusal(actor: str, keys: Iterable[str], where: str, *, roles: TeamRoles) -> str | None:
    """Gate tags, the evidence and live digests and the gate reason are the pipeline's
    evidence: only its user writes them, so an author cannot re-tag a failed version."""
    reason = lookalike_refusal(keys, where)
    if reason is not None or roles.is_pipeline(actor):
        return reason
    forbidden = sorted({k for k in keys if _matches(k, PIPELINE_KEYS, PIPELINE_PREFIXES)})
    if forbidden:
        return (f"{', '.join(forbidden)} {'is' if len(forbidden) == 1 else 'are'} the pipeline's evidence, written only by "
                f"'{roles.pipeline_user}', not by {actor} ({where})")
    return None


def promoter_key_refusal(actor: str, keys: Iterable[str], where: str, *, roles: TeamRoles) -> str | None:
    """The proof of a champion move is the service user's to write (the server checks its
    signature when the alias moves; nobody else has a reason to set it)."""
    if actor == roles.service_user:
        return None
    forbidden = sorted({k for k in keys if _matches(k, PROMOTER_KEYS)})
    if forbidden:
        return f"{', '.join(forbidden)} is written only by the platform's service user ({roles.service_user}), not by {actor} ({where})"
    return None


def pipeline_only_refusal(actor: str, what: str, *, roles: TeamRoles) -> str | None:
    """Whole writes the pipeline alone makes (a version's description, a trained run's artifacts)."""
    if roles.is_pipeline(actor):
        return None
    return f"{what} is the pipeline's evidence, written only by '{roles.pipeline_user}', not by {actor}"


def registration_status_refusal(tags: dict[str, str]) -> str | None:
    """A new version starts pending (or not eligible); approval comes from a reviewer later."""
    status = tags.get(APPROVAL_STATUS)
    if status is not None and status not in STATUS_AT_REGISTRATION:
        return f"a new version may carry {APPROVAL_STATUS} {' or '.join(STATUS_AT_REGISTRATION)} only, not '{status}'"
    return None


@dataclass(frozen=True)
class VersionFacts:
    """What the approval rule needs to know about the version, read by the server."""

    model: str
    version: str
    gate_status: str | None
    run_creator: str | None
    registrant: str | None


def approval_refusal(actor: str, value: str, *, is_reviewer: bool, facts: VersionFacts, roles: TeamRoles) -> str | None:
    """May ``actor`` set ``approval.status`` to ``value`` on this version?"""
    where = f"{facts.model} v{facts.version}"
    if not is_reviewer:
        return f"{actor} is not in the role '{roles.reviewers_role}' and cannot set {APPROVAL_STATUS} on {where}"
    if value not in DECISIONS:
        return f"{APPROVAL_STATUS} can be set to {' or '.join(DECISIONS)} only, not '{value}'"
    if value == APPROVED and facts.gate_status != PASSED:
        return f"{where} did not pass its gates (gate.status={facts.gate_status or 'missing'}) and cannot be approved"
    if not facts.run_creator or not facts.registrant:
        return f"{where} has no server-recorded creator or registrant ({RUN_CREATOR}, {VERSION_REGISTRANT}): it was not trained through this server"
    if same_person(actor, facts.run_creator):
        return f"{actor} created the run of {where} (as '{facts.run_creator}') and cannot review it"
    if same_person(actor, facts.registrant):
        return f"{actor} registered {where} (as '{facts.registrant}') and cannot review it"
    return None


def status_delete_refusal(key: str) -> str | None:
    """Approval tags are never deleted: a reviewer rejects instead."""
    if _matches(key, {APPROVAL_STATUS, *SERVER_KEYS}):
        return f"{key} cannot be deleted; a reviewer sets {APPROVAL_STATUS}=rejected instead"
    return None


def alias_refusal(actor: str, alias: str, *, roles: TeamRoles) -> str | None:
    """``champion`` moves only through promotion and rollback, run as the service user;
    ``challenger`` is set by the pipeline and dropped by promotion; a look-alike of either
    (``Champion``, ``CHALLENGER ``) is refused for everyone."""
    real = _matches(alias, RESERVED_ALIASES)
    if real is None:
        return None
    if alias != real:
        return f"alias {alias!r} looks like the reserved alias '{real}' and cannot be used"
    if real == CHAMPION and actor != roles.service_user:
        return f"alias '{CHAMPION}' is moved only by the platform's service user ({roles.service_user}) through govern promote or rollback, not by {actor}"
    if real == CHALLENGER and actor not in roles.governance_users:
        return f"alias '{CHALLENGER}' is set only by the pipeline ({roles.pipeline_user}) and dropped by promotion ({roles.service_user}), not by {actor}"
    return None


def user_collision_refusal(username: str, existing: Iterable[str]) -> str | None:
    """A new user may not be one existing user written differently (``Ana`` beside ``ana``)."""
    if not canonical(username):
        return "a user name needs at least one visible character"
    for name in existing:
        if same_person(username, name):
            return f"user {username!r} would be the existing user {name!r} (names are compared ignoring case, spaces and Unicode form)"
    return None


def governance_user_refusal(actor: str, target: str, change: str, *, roles: TeamRoles, own_password: bool = False) -> str | None:
    """The service and pipeline users hold the platform's duties: an admin may not reset
    their password, change their admin flag, roles or delete them (they change their own password)."""
    held = next((u for u in roles.governance_users if same_person(target, u)), None)
    if held is None or (own_password and actor == held):
        return None
    return f"'{held}' is one of the platform's governance identities: {change} by {actor} is refused (only it changes its own password)"


def champion_removal_refusal(what: str, holds_champion: bool) -> str | None:
    """Deleting or renaming what holds ``champion`` would move it outside promotion."""
    if holds_champion:
        return f"{what} holds the alias '{CHAMPION}' and cannot be deleted or renamed; roll back or promote another version first"
    return None
