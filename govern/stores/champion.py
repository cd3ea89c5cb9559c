"""The current champion, loaded so it can be re-scored on the challenger's holdout.

The alias is read once and everything else is loaded by that version number, so a
promotion between two reads cannot mix one version's model with another's record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException

from govern.core.errors import GovernError
from govern.data.overlap import TRAINING_IDS_FILE, read_id_hashes
from govern.evidence.decision import threshold_of
from govern.evidence.record import Labels, Record
from govern.stores import registry


@dataclass
class Champion:
    version: str | None
    model: object | None = None
    params: dict = field(default_factory=dict)
    note: str = ""
    record: Record | None = None
    training_ids: np.ndarray | None = None

    def can_score(self, frame: pd.DataFrame) -> tuple[bool, str]:
        if self.model is None:
            return False, self.note
        missing = [c for c in self.model.feature_names_ if c not in frame.columns]
        if missing:
            return False, f"holdout lacks the champion's features {', '.join(missing)}"
        return True, ""

    @property
    def threshold(self) -> float:
        """The score at or above which the champion acts (its recorded decision policy)."""
        return self.record.threshold if self.record is not None else threshold_of(None)

    @property
    def labels(self) -> Labels | None:
        """The champion's recorded label mapping (binary tasks), None when unrecorded."""
        return self.record.labels if self.record is not None else None


def load_champion(name: str) -> Champion:
    """The version behind alias ``champion`` with its native CatBoost model, tuned
    parameters, evidence record and the hashed ids of the rows it trained on.

    The native flavour is loaded (not pyfunc) because pyfunc's CatBoost ``predict``
    returns labels and the comparison needs probabilities.
    """
    version = registry.alias_version(name, registry.CHAMPION)
    if version is None:
        return Champion(version=None, note="no champion yet: the first version passes the comparison by definition")
    try:
        model = mlflow.catboost.load_model(f"models:/{name}/{version}")
    except (MlflowException, OSError) as exc:
        return Champion(version=version, note=f"champion v{version} could not be loaded ({exc.__class__.__name__})")
    mv = registry.get_version(name, version)
    params = {}
    if mv.run_id:
        run = registry.client().get_run(mv.run_id)
        params = {k.removeprefix("cb."): v for k, v in run.data.params.items() if k.startswith("cb.")}
    ids_path = registry.read_evidence(name, version, TRAINING_IDS_FILE)
    training_ids = read_id_hashes(ids_path) if ids_path else None
    try:
        record = registry.read_record(name, version)
    except GovernError as exc:
        # Fails closed: without its record the champion cannot be compared, so the
        # comparison gate fails with this reason instead of trusting half the evidence.
        return Champion(version=version, note=str(exc))
    return Champion(version=version, model=model, params=params, record=record, training_ids=training_ids)
