"""Who a row belongs to: the entity whose rows a split keeps on one side.

A table built from a transaction log at several cutoffs gives each row the id
``<customer>@<cutoff>``; the customer is the part before the suffix.  Kept apart from
``transactions`` and ``splits`` so both can use it without importing each other.
"""

from __future__ import annotations

import pandas as pd

SNAPSHOT_SUFFIX = "@%Y-%m-%d"


def customer_ids(ids: pd.Series) -> pd.Series:
    """The customer behind each row id, with a ``@YYYY-MM-DD`` snapshot suffix removed."""
    return ids.astype(str).str.replace(r"@\d{4}-\d{2}-\d{2}$", "", regex=True)
