"""A small fairness report of the churn spec's sensitive features, computed without
training: age band 55+ has 5 positives, too few for error rates, so it is left out of
the equalized-odds figures (with the reason) while its selection rate still counts."""

import numpy as np
import pandas as pd

from govern.checks.fairness.assess import assess_fairness
from govern.evidence.fairness import FairnessReport


def churn_report(seed: int = 0) -> FairnessReport:
    rng = np.random.default_rng(seed)
    age = np.array(["18-34"] * 120 + ["35-54"] * 120 + ["55+"] * 65)
    y = np.r_[rng.permutation([1] * 40 + [0] * 80), rng.permutation([1] * 40 + [0] * 80), [1] * 5 + [0] * 60]
    score = np.clip(0.35 * y + rng.uniform(0, 0.65, len(y)), 0, 1)
    gender = rng.choice(["F", "M"], len(y))
    sensitive = pd.DataFrame({"gender": gender, "age_band": age})
    return assess_fairness(y, (score >= 0.5).astype(int), sensitive, task="binary", y_score=score, resamples=50, seed=seed)
