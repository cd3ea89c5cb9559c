"""A minimal valid evidence record for tests that need one without training: every
required section filled with small plausible values, any of them overridden (merged
into the base, so ``metrics={"challenger": ...}`` keeps the rest)."""

from govern.evidence.record import Record

PERIOD = {"rows": 100, "positive_rate": 0.3}
BASE = {
    "model": "m", "task": "binary", "version": 1, "created_at": "2026-01-01T00:00:00+00:00",
    "spec": {"name": "m", "task": "binary", "description": "", "primary_metric": "roc_auc", "gates": {}},
    "spec_digest": "0" * 64,
    "data": {"source": "data.parquet", "rows": 300, "digest": "0" * 64, "features": ["x"]},
    "split": {"strategy": "random", "train": PERIOD, "valid": PERIOD, "holdout": PERIOD},
    "tuning": {"study": "s", "trials": 1},
    "metrics": {"challenger": {"roc_auc": 0.8}},
    "champion": {"version": None},
    "gates": {"status": "passed", "results": []},
}


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


def minimal_record(**sections) -> Record:
    return Record.model_validate(_merge(BASE, sections))
