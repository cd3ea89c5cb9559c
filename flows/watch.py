"""Scheduled promotion: a reviewer who only uses the MLflow UI still gets the promotion.

``govern watch`` serves this flow as a Prefect deployment on an interval; each run
promotes every challenger whose approval tags a reviewer has set, through the same
checks as ``govern promote``.  A refusal is recorded once per version and reason, not
on every run.
"""

from __future__ import annotations

from prefect import flow

from govern.core.settings import load_settings
from govern.governance import decisions
from govern.stores import registry
from govern.stores.audit.log import AuditLog


@flow(name="promote-approved", validate_parameters=False)
def promote_approved() -> list[dict]:
    settings = load_settings()
    names = [p.stem for p in sorted(settings.models_dir.glob("*.yaml")) if registry.registered(p.stem)]
    promoted = decisions.promote_approved(AuditLog(settings.database_url), names)
    return [{"model": p.name, "version": p.version, "previous": p.previous} for p in promoted]
