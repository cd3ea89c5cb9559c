"""The inventory of governed models: who is champion, since when, when its review is
due, what waits behind it and why, and what monitoring last said.

A model is governed if it has a spec under ``models/`` or versions in the registry.
Every fact comes from the registry or the audit chain, never from a local file that
could disagree with them: the champion's age is counted from the recorded promotion
(or rollback) that made it champion, the review date from the spec's
``card.review_every_days``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from govern.core.errors import GovernError
from govern.evidence.verdict import PASSED
from govern.governance import promotion
from govern.spec.model import ModelSpec, load_spec
from govern.stores import registry
from govern.stores.audit.champion import champion_history
from govern.stores.audit.events import MONITORED, PROMOTION_REFUSED, AuditEvent
from govern.stores.audit.log import AuditLog


@dataclass(frozen=True)
class Review:
    """When the champion's review is due; ``due`` is None when it cannot be known."""

    every_days: int | None
    due: date | None
    overdue: bool
    note: str

    def finding(self, name: str, champion: str | None) -> str | None:
        """The warning line ``govern audit`` and ``govern status`` print, if any."""
        if self.overdue:
            return f"{name}: review of champion v{champion} overdue since {self.due.isoformat()} ({self.note})"
        return None


@dataclass(frozen=True)
class Waiting:
    """A version newer than the champion that is not champion, and why."""

    version: str
    gate_status: str | None
    approval_status: str | None
    reasons: list[str]


@dataclass(frozen=True)
class MonitoringVerdict:
    """One recorded monitoring outcome; ``checks`` and ``failed_gates`` are absent from
    events recorded before they were kept."""

    status: str
    at: str
    version: str | None
    failures: list[str]
    checks: int | None = None
    failed_gates: list[str] = field(default_factory=list)
    not_measured: list[str] = field(default_factory=list)

    def counts(self) -> str:
        """``6 of 8 checks failed (gate, gate)``, or empty when none failed."""
        failed = len(self.failed_gates or self.failures)
        if not failed:
            return ""
        counted = f"{failed} of {self.checks} checks failed" if self.checks is not None else f"{failed} checks failed"
        return counted + (f" ({', '.join(self.failed_gates)})" if self.failed_gates else "")

    def headline(self) -> str:
        """``failed on 2026-03-20: 6 of 8 checks failed (...)``: what the card's header says."""
        text = f"{self.status} on {self.at[:10]}" + (f": {self.counts()}" if self.counts() else "")
        return text + (f"; not measured: {', '.join(self.not_measured)}" if self.not_measured else "")


@dataclass(frozen=True)
class ModelStatus:
    name: str
    has_spec: bool
    registered: bool
    champion: str | None
    champion_since: str | None
    age_days: int | None
    review: Review
    waiting: list[Waiting] = field(default_factory=list)
    monitoring: MonitoringVerdict | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["review"]["due"] = self.review.due.isoformat() if self.review.due else None
        return out


def _day(stamp: str) -> date:
    return datetime.fromisoformat(stamp).astimezone(UTC).date()


def review(spec: ModelSpec | None, since: str | None, champion: str | None, today: date) -> Review:
    """The review due date: the recorded start of the champion's reign plus the cadence."""
    every = spec.card.review_every_days if spec else None
    if champion is None:
        return Review(every, None, False, "no champion")
    if every is None:
        return Review(None, None, False, "no review cadence declared (card.review_every_days)")
    if since is None:
        return Review(every, None, False, "champion not on record in the audit chain: due date unknown")
    due = _day(since) + timedelta(days=every)
    late = (today - due).days
    note = f"every {every} days from {_day(since).isoformat()}"
    return Review(every, due, late > 0, note + (f"; {late} days late" if late > 0 else ""))


def champion_since(events: list[AuditEvent], champion: str | None) -> str | None:
    """When the current champion last became champion by a recorded decision."""
    moves = [h for h in champion_history(events) if h["version"] == champion]
    return moves[-1]["at"] if champion and moves else None


def _refusals_on_record(events: list[AuditEvent], version: str) -> list[str]:
    refused = [e for e in events if e.action == PROMOTION_REFUSED and e.version == version]
    if not refused:
        return []
    last = refused[-1].details
    return [f"promotion refused {refused[-1].recorded_at[:10]}: {r}" for r in last.get("reasons") or [last.get("reason", "")] if r]


def waiting(name: str, champion: str | None, events: list[AuditEvent]) -> list[Waiting]:
    """Versions newer than the champion, each with every reason it is not champion."""
    versions = sorted((int(v.version) for v in registry.client().search_model_versions(f"name='{name}'")), reverse=True)
    floor = int(champion) if champion and champion.isdigit() else 0
    out = []
    for number in (v for v in versions if v > floor):
        state = registry.VersionState.read(name, number)
        reasons = promotion.refusals(state, check_digest=False)
        if state.approval_status == registry.PENDING and state.gate_status == PASSED:
            reasons = ["awaiting a reviewer (approval.status=pending)"]
        elif state.approval_status == registry.REJECTED:
            reasons = [f"rejected by {state.reviewer or 'an unnamed reviewer'}"]
        elif not reasons:
            reasons = ["approved, not yet promoted"]
        out.append(Waiting(state.version, state.gate_status, state.approval_status, reasons + _refusals_on_record(events, state.version)))
    return out


def last_monitoring(events: list[AuditEvent], version: str | None = None) -> MonitoringVerdict | None:
    """The latest recorded monitoring outcome (of ``version`` when given)."""
    watched = [e for e in events if e.action == MONITORED and (version is None or e.version == str(version))]
    if not watched:
        return None
    e = watched[-1]
    checks = e.details.get("checks")
    return MonitoringVerdict(str(e.details.get("status", "unknown")), e.recorded_at, e.version, list(e.details.get("failures") or []),
                             checks=int(checks) if checks is not None else None, failed_gates=list(e.details.get("failed_gates") or []),
                             not_measured=list(e.details.get("not_measured") or []))


def _spec(name: str, models_dir) -> ModelSpec | None:
    try:
        return load_spec(name, models_dir)
    except GovernError:
        return None


def model_status(name: str, log: AuditLog, models_dir, today: date | None = None) -> ModelStatus:
    today = today or datetime.now(UTC).date()
    spec = _spec(name, models_dir)
    events = log.events(name)
    is_registered = registry.registered(name)
    champion = registry.alias_version(name, registry.CHAMPION) if is_registered else None
    since = champion_since(events, champion)
    age = (today - _day(since)).days if since else None
    return ModelStatus(
        name=name, has_spec=spec is not None, registered=is_registered, champion=champion, champion_since=since, age_days=age,
        review=review(spec, since, champion, today), waiting=waiting(name, champion, events) if is_registered else [],
        monitoring=last_monitoring(events, champion) if champion else None,
    )


def governed_models(log: AuditLog, models_dir) -> list[str]:
    """Every model with a spec, registered versions or recorded decisions."""
    names = {p.stem for p in models_dir.glob("*.yaml")} if models_dir.exists() else set()
    names |= {m.name for m in registry.client().search_registered_models()}
    names |= set(log.models())
    return sorted(names)


def inventory(log: AuditLog, models_dir, today: date | None = None) -> list[ModelStatus]:
    return [model_status(name, log, models_dir, today) for name in governed_models(log, models_dir)]


def summary_lines(s: ModelStatus) -> list[str]:
    """The human-readable lines of one model's status."""
    if s.champion:
        age = f", {s.age_days} days" if s.age_days is not None else ""
        head = f"{s.name}: champion v{s.champion} (since {s.champion_since[:10] if s.champion_since else 'not on record'}{age})"
        due = f"review due {s.review.due.isoformat()}" if s.review.due else f"review: {s.review.note}"
        head += f"; {'REVIEW OVERDUE ' + s.review.due.isoformat() if s.review.overdue else due}"
    else:
        head = f"{s.name}: no champion" + ("" if s.registered else " (nothing registered)")
    if not s.has_spec:
        head += "; no spec under models/"
    lines = [head]
    for w in s.waiting:
        lines.append(f"  v{w.version} waiting: {'; '.join(w.reasons)}")
    if s.monitoring:
        m = s.monitoring
        counted = f", {m.counts()}" if m.counts() else ""
        lines.append(f"  last monitoring {m.at[:10]} on v{m.version}: {m.status}{counted}" + (f": {'; '.join(m.failures)}" if m.failures else ""))
    else:
        lines.append(f"  last monitoring{f' of champion v{s.champion}' if s.champion else ''}: none on record")
    return lines
