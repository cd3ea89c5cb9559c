"""Reweighing (Kamiran & Calders, 2012): a rebalancing candidate beside the post-processing ones.

Each (group, label) cell of the training rows gets the weight P(group) P(label) /
P(group, label), so that in the weighted data the label is independent of the group;
the tuned model's parameters are then refitted with those sample weights.  Unlike a
post-processor it needs no sensitive feature at prediction time.  Groups too thin to
estimate a cell share from keep weight 1, with a note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from govern.mitigation.groups import exclusion_note, exclusions, group_labels
from govern.spec.model import ModelSpec

CONSTRAINT = "label independent of group in the weighted training rows"


def reweighing_weights(groups, y, keep_unweighted: set[str] | frozenset = frozenset()) -> np.ndarray:
    """Kamiran-Calders weights P(g) P(y) / P(g, y) per row, scaled to mean 1.

    Rows of groups in ``keep_unweighted`` get weight 1 before scaling.
    """
    table = pd.DataFrame({"g": np.asarray(groups, dtype=object).astype(str), "y": np.asarray(y).astype(int)})
    n_group = table.groupby("g")["y"].transform("size").to_numpy(dtype=float)
    n_label = table.groupby("y")["g"].transform("size").to_numpy(dtype=float)
    n_cell = table.groupby(["g", "y"])["y"].transform("size").to_numpy(dtype=float)
    weights = n_group * n_label / (len(table) * n_cell)
    g = table["g"]
    if keep_unweighted:
        weights = np.where(g.isin(keep_unweighted).to_numpy(), 1.0, weights)
    return weights / weights.mean()


def reweighed_model(spec: ModelSpec, model, rows: pd.DataFrame):
    """A clone of the tuned model (same parameters, same iterations) refitted on ``rows``
    with reweighing weights; also returns the groups kept unweighted and the notes."""
    sensitive = list(spec.fairness.sensitive_features)
    labels = group_labels(rows, sensitive)
    y = rows[spec.data.target].to_numpy().astype(int)
    excluded = exclusions(spec, labels, y, error_rates=False)
    notes = [exclusion_note(excluded, "training rows").replace("left out of the fit", "kept at weight 1")] if excluded else []
    weights = reweighing_weights(labels, y, set(excluded))
    features = list(model.feature_names_)
    refit = clone(model)
    refit.fit(rows[features], y, sample_weight=weights)
    notes.append(f"weights from {len(rows)} training and validation rows, range {weights.min():.3g} to {weights.max():.3g}")
    return refit, excluded, notes
