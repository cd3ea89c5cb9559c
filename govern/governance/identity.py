"""Who may do what in team mode: the separation-of-duties rules, as plain functions.

MLflow records no actor for tag or alias writes and cannot scope a permission to a tag
key or alias name, so the governance server app (:mod:`govern.server.app`) asks these
functions about every watched write, with the user basic-auth authenticated.  Each
returns the reason a write is refused, or None.  Nothing here talks to MLflow, so the
rules are tested without a server and the server only wires them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from govern.evidence.verdict import PASSED
from govern.stores.registry import (
    APPROVAL_REVIEWED_AT,
    APPROVAL_REVIEWER,
    APPROVAL_SIGNATURE,
    APPROVAL_STATUS,
    APPROVED,
    CHAMPION,
    NOT_ELIGIBLE,
    PENDING,
    REJECTED,
    RUN_CREATOR,
    VERSION_REGISTRANT,
)

# Keys only the server writes; a client sending one is refused wherever it appears.
SERVER_KEYS = frozenset({APPROVAL_REVIEWER, APPROVAL_REVIEWED_AT, APPROVAL_SIGNATURE, RUN_CREATOR, VERSION_REGISTRANT})
DECISIONS = (APPROVED, REJECTED)
# What a new version may carry as its status: what registration sets.
STATUS_AT_REGISTRATION = (PENDING, NOT_ELIGIBLE)

REVIEWERS_ROLE_ENV, SERVICE_USER_ENV = "GOVERN_REVIEWERS_ROLE", "GOVERN_SERVICE_USER"
DEFAULT_REVIEWERS_ROLE, DEFAULT_PLATFORM_ROLE, DEFAULT_SERVICE_USER = "govern-reviewers", "govern-platform", "govern-service"


@dataclass(frozen=True)
class TeamRoles:
    """The names the rules compare against: the reviewers' role and the service user."""

    reviewers_role: str = DEFAULT_REVIEWERS_ROLE
    platform_role: str = DEFAULT_PLATFORM_ROLE
    service_user: str = DEFAULT_SERVICE_USER

    @classmethod
    def from_env(cls) -> TeamRoles:
        return cls(
            reviewers_role=os.environ.get(REVIEWERS_ROLE_ENV) or DEFAULT_REVIEWERS_ROLE,
            service_user=os.environ.get(SERVICE_USER_ENV) or DEFAULT_SERVICE_USER,
        )


def server_key_refusal(keys: Iterable[str], where: str) -> str | None:
    """Tags a client sends may not include the keys the server writes."""
    forbidden = sorted(set(keys) & SERVER_KEYS)
    if forbidden:
        return f"{', '.join(forbidden)} {'is' if len(forbidden) == 1 else 'are'} written by the server only and cannot be set in {where}"
    return None


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
    if actor == facts.run_creator:
        return f"{actor} created the run of {where} and cannot review it"
    if actor == facts.registrant:
        return f"{actor} registered {where} and cannot review it"
    return None


def status_delete_refusal(key: str) -> str | None:
    """Approval tags are never deleted: a reviewer rejects instead."""
    if key == APPROVAL_STATUS or key in SERVER_KEYS:
        return f"{key} cannot be deleted; a reviewer sets {APPROVAL_STATUS}=rejected instead"
    return None


def alias_refusal(actor: str, alias: str, *, roles: TeamRoles) -> str | None:
    """``champion`` moves only through promotion and rollback, run as the service user."""
    if alias == CHAMPION and actor != roles.service_user:
        return f"alias '{CHAMPION}' is moved only by the platform's service user ({roles.service_user}) through govern promote or rollback, not by {actor}"
    return None


def champion_removal_refusal(what: str, holds_champion: bool) -> str | None:
    """Deleting or renaming what holds ``champion`` would move it outside promotion."""
    if holds_champion:
        return f"{what} holds the alias '{CHAMPION}' and cannot be deleted or renamed; roll back or promote another version first"
    return None
