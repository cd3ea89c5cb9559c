"""Which groups a mitigation may learn from.

Fairlearn's mitigators treat each combination of the sensitive features as one group.
``ThresholdOptimizer`` raises "Degenerate labels for sensitive feature value ..." on a
group with one class, and thresholds learned from a dozen rows are noise, so such
groups are left out of the fit with a note instead of taking the run down.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from govern.checks.fairness.assess import INTERSECTION_SEPARATOR, as_groups
from govern.spec.model import ModelSpec


def group_labels(frame: pd.DataFrame, sensitive: list[str]) -> pd.Series:
    """One label per row: the intersection of all sensitive features ("F&55+")."""
    groups = as_groups(frame[sensitive])
    labels = groups[sensitive[0]]
    for column in sensitive[1:]:
        labels = labels + INTERSECTION_SEPARATOR + groups[column]
    return labels.rename("group")


def exclusions(spec: ModelSpec, labels: pd.Series, y, *, error_rates: bool) -> dict[str, str]:
    """Groups too thin to learn from, each with the reason.

    A group with one class is always left out; a group under ``min_group_size`` rows too;
    when the constraint is on error rates (``error_rates``), a group with fewer than
    ``min_class_size`` positives or negatives as well.
    """
    rules = spec.fairness
    table = pd.DataFrame({"group": labels.to_numpy(), "y": np.asarray(y).astype(int)})
    counts = table.groupby("group")["y"].agg(["size", "sum"])
    out = {}
    for group, row in counts.iterrows():
        rows, pos = int(row["size"]), int(row["sum"])
        neg = rows - pos
        reasons = []
        if pos == 0 or neg == 0:
            reasons.append(f"one class only ({pos} positives, {neg} negatives)")
        elif rows < rules.min_group_size:
            reasons.append(f"{rows} rows < {rules.min_group_size}")
        elif error_rates and min(pos, neg) < rules.min_class_size:
            reasons.append(f"{pos} positives < {rules.min_class_size}" if pos < rules.min_class_size else f"{neg} negatives < {rules.min_class_size}")
        if reasons:
            out[str(group)] = "; ".join(reasons)
    return out


def exclusion_note(excluded: dict[str, str], where: str) -> str:
    shown = list(excluded.items())[:5]
    listed = "; ".join(f"{g} ({why})" for g, why in shown)
    more = f"; and {len(excluded) - len(shown)} more (see excluded_groups)" if len(excluded) > len(shown) else ""
    return f"{len(excluded)} group(s) left out of the fit on the {where}: {listed}{more}"
