"""Representation audit: how much of each group the model learned from, beside how much
of it the latest data holds.

A group the model rarely saw in training is scored from little evidence; if it is larger
in the data the model is about to meet, the reviewer should see that before production,
not learn it from monitoring.  The audit needs no model, only the rows.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from govern.checks.fairness.assess import INTERSECTION_SEPARATOR, as_groups
from govern.spec.model import ModelSpec

MIN_SHARE = 0.05


def _labels(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    groups = as_groups(frame[columns])
    labels = groups[columns[0]]
    for column in columns[1:]:
        labels = labels + INTERSECTION_SEPARATOR + groups[column]
    return labels


def _profile(labels: pd.Series, target: pd.Series | None) -> pd.DataFrame:
    out = pd.DataFrame({"rows": labels.value_counts()})
    out["share"] = out["rows"] / max(len(labels), 1)
    if target is not None:
        values = pd.to_numeric(target, errors="coerce").to_numpy(dtype=float)
        known = ~pd.isna(values)
        frame = pd.DataFrame({"group": labels.to_numpy()[known], "y": values[known]})
        out["base_rate"] = frame.groupby("group")["y"].mean()
    return out


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _feature(columns, training, latest, target, labelled, min_share, min_rows) -> dict:
    train = _profile(_labels(training, columns), training[target])
    late = _profile(_labels(latest, columns), latest[target] if labelled else None) if latest is not None else None
    names = sorted(set(train.index) | (set(late.index) if late is not None else set()))
    groups, rare = [], []
    for name in names:
        rows = int(train["rows"].get(name, 0))
        share = float(train["share"].get(name, 0.0))
        flags = []
        if rows == 0:
            flags.append("absent from training")
        else:
            if share < min_share:
                flags.append(f"{share:.1%} of training rows < {min_share:.0%}")
            if rows < min_rows:
                flags.append(f"{rows} training rows < {min_rows}")
        entry: dict[str, Any] = {
            "group": str(name), "training_rows": rows, "training_share": share,
            "training_base_rate": _number(train["base_rate"].get(name)),
        }
        if late is not None:
            latest_share = float(late["share"].get(name, 0.0))
            entry.update({
                "latest_rows": int(late["rows"].get(name, 0)), "latest_share": latest_share,
                "share_change": latest_share - share,
                "latest_base_rate": _number(late["base_rate"].get(name)) if labelled else None,
            })
        entry["rare_in_training"] = bool(flags)
        entry["flags"] = flags
        groups.append(entry)
        if flags:
            rare.append(str(name))
    return {"groups": groups, "rare_in_training": rare}


def representation(spec: ModelSpec, training: pd.DataFrame, latest: pd.DataFrame | None, *, min_share: float = MIN_SHARE) -> dict:
    """Per sensitive feature (and their intersection): each group's share and base rate in
    the training rows beside its share (and base rate, where labelled) in ``latest``.

    A group is flagged rare in training under ``min_share`` of the rows or under
    ``fairness.min_group_size`` rows.  The base rate is the positive rate for a binary
    task and the target mean for regression.  ``latest`` may be None (nothing later than
    the training data to compare with); the result says so.  Plain JSON.
    """
    target = spec.data.target
    sensitive = [c for c in spec.fairness.sensitive_features if c in training.columns]
    missing = [c for c in spec.fairness.sensitive_features if c not in training.columns]
    if latest is not None:
        missing += [c for c in sensitive if c not in latest.columns]
        sensitive = [c for c in sensitive if c in latest.columns]
    labelled = latest is not None and target in latest.columns and bool(latest[target].notna().any())
    result: dict[str, Any] = {
        "base_rate": "positive rate" if spec.task == "binary" else "target mean",
        "min_share": float(min_share),
        "min_group_size": int(spec.fairness.min_group_size),
        "training_rows": int(len(training)),
        "latest_rows": None if latest is None else int(len(latest)),
        "latest_labelled": bool(labelled),
        "features": {},
        "rare_in_training": {},
        "notes": [],
    }
    if latest is None:
        result["notes"].append("no data later than the training rows to compare with: training shares only")
    elif not labelled:
        result["notes"].append("the latest data has no labels: its base rates are not measured")
    if missing:
        result["notes"].append(f"sensitive feature(s) not in the data: {', '.join(sorted(set(missing)))}")
    features = {name: [name] for name in sensitive}
    if len(sensitive) >= 2:
        features[INTERSECTION_SEPARATOR.join(sensitive)] = sensitive
    for name, columns in features.items():
        block = _feature(columns, training, latest, target, labelled, min_share, spec.fairness.min_group_size)
        result["features"][name] = block
        if block["rare_in_training"]:
            result["rare_in_training"][name] = block["rare_in_training"]
    return result

