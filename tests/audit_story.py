"""A short, valid history of decisions and raw SQL access, shared by the audit tests."""

import sqlalchemy as sa

from govern.stores.audit.events import APPROVED, GATES, PROMOTED
from govern.stores.audit.log import AuditLog


def promote_story(log: AuditLog, model: str = "credit") -> None:
    log.append(model, GATES, actor="flow", version=1, details={"status": "passed"})
    log.append(model, APPROVED, actor="alice", version=1)
    log.append(model, PROMOTED, actor="alice", version=1)
    log.append(model, GATES, actor="flow", version=2, details={"status": "passed", "roc_auc": 0.91})
    log.append(model, APPROVED, actor="bob", version=2, details={"comment": "ok"})
    log.append(model, PROMOTED, actor="bob", version=2, details={"from": "1"})


def raw_sql(url: str, sql: str, **params) -> None:
    """Change the table behind the log's back, as a tamperer would."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(sql), params)
    finally:
        engine.dispose()
