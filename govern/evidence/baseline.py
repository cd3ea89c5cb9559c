"""One simple baseline's comparison with the challenger, as the baseline gate reads it.

Training fits the baselines and the gates judge them; this typed value is what passes
between the two layers, so the gate never imports the code that fits a model.
"""

from __future__ import annotations

from govern.evidence.evaluation import Comparison
from govern.evidence.io import Evidence


class BaselineComparison(Evidence):
    """The challenger against one baseline (``kind``) on the same holdout rows;
    ``comparison`` is None when the baseline could not be fitted or compared, and
    ``note`` says why (the gate then fails closed)."""

    kind: str
    comparison: Comparison | None = None
    note: str = ""
