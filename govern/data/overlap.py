"""Which of a challenger's holdout rows the champion trained on.

A champion scored on rows it learned from looks better than it is, and the
comparison with a challenger that never saw them is tilted.  Each version records a
keyed hash of its training rows' ids (pandas' SipHash, keyed by a salt), so a later
version can count the overlap without the registry holding a list of customer ids,
and compare the two models on the rows neither trained on.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd

TRAINING_IDS_FILE = "training_ids.parquet"
SALT_ENV = "GOVERN_ID_SALT"


def id_salt(model: str) -> str:
    """The salt for a model's id hashes: ``GOVERN_ID_SALT`` when set, else one per model."""
    return os.environ.get(SALT_ENV) or f"govern:{model}"


def salt_fingerprint(salt: str) -> str:
    """Names the salt in the record without revealing it, so a changed salt is noticed."""
    return hashlib.sha256(salt.encode()).hexdigest()[:12]


def hash_ids(ids: pd.Series, salt: str) -> np.ndarray:
    """Keyed 64-bit hashes of the ids as text (``7`` and ``"7"`` hash alike)."""
    key = hashlib.sha256(salt.encode()).hexdigest()[:16]
    text = pd.Series(ids).astype(str).reset_index(drop=True)
    return pd.util.hash_pandas_object(text, index=False, hash_key=key).to_numpy(dtype=np.uint64)


def write_id_hashes(hashes: np.ndarray, path: Path) -> Path:
    pd.DataFrame({"id_hash": np.sort(hashes)}).to_parquet(path, index=False)
    return path


def read_id_hashes(path: Path) -> np.ndarray:
    return pd.read_parquet(path)["id_hash"].to_numpy(dtype=np.uint64)


def seen_by(holdout_ids: pd.Series, trained_hashes: np.ndarray, salt: str) -> np.ndarray:
    """Boolean mask of the holdout rows whose id is among ``trained_hashes``."""
    return np.isin(hash_ids(holdout_ids, salt), trained_hashes)
