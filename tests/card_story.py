"""A reviewed card with a champion beside the challenger, for the card's PDF and browser tests.

Trains ``churn_card`` (the churn spec under its own name, so the churn versions that
tests/flows/test_flow.py counts are untouched) twice on the session project: v1, approved and
promoted, then v2 judged against it, so every picture shows challenger, champion and
baseline.  Trained once per process.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

MODEL = "churn_card"


@functools.lru_cache(maxsize=1)
def reviewed_card(root: Path) -> dict:
    """The flow's summaries of v1 (champion) and v2 (challenger) and v2's card folder."""
    from flows.champion_challenger import champion_challenger
    from govern.core.settings import load_settings
    from govern.governance import approval, decisions
    from govern.stores.audit.log import AuditLog

    raw = yaml.safe_load((root / "models" / "churn.yaml").read_text())
    raw["name"] = MODEL
    (root / "models" / f"{MODEL}.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    settings = load_settings()
    log = AuditLog(settings.database_url)
    first = champion_challenger(MODEL)
    approval.approve(log, MODEL, first["version"], reviewer="card-reviewer")
    decisions.promote(log, MODEL, first["version"], actor="tester")
    second = champion_challenger(MODEL)
    return {"first": first, "second": second, "card_dir": settings.cards_dir / MODEL / f"v{second['version']}"}
