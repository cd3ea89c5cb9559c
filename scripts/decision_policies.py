"""The decision policy on the demo data: whom each policy kind flags, per group, and how
small a disparity the holdout could detect under it.

    .venv/bin/python scripts/decision_policies.py [--rows 4000] [--positive-rate 0.05]

Trains the churn spec's CatBoost once (fixed parameters, no search) on the demo
customers, fits every policy kind on the validation rows and measures it on the
holdout, as training does.  ``--positive-rate`` thins the churners to a rare target, the
case where a fixed threshold of 0.5 flags nobody.  Prints Markdown tables.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from govern.checks.fairness.assess import assess_scores
from govern.data import splits, validation
from govern.demo.customers import generate_customers
from govern.gates.rules import fairness_gates
from govern.spec.decision import DecisionPolicy
from govern.spec.model import load_spec
from govern.training.policy import decision_evidence, fit_threshold, validation_scores
from govern.training.tuning import make_model, predict

MODELS = Path(__file__).resolve().parents[1] / "models"
PARAMS = {"depth": 5, "learning_rate": 0.08, "l2_leaf_reg": 3.0}
POLICIES = {
    "threshold 0.5 (the old default)": DecisionPolicy(kind="threshold", threshold=0.5),
    "share (base rate, the default)": DecisionPolicy(kind="share"),
    "top_k 150 of 400 (retention.yaml)": DecisionPolicy(kind="top_k", top_k=150, batch_size=400),
    "expected_value 400 / 15": DecisionPolicy(kind="expected_value", benefit_true_positive=400.0, cost_false_positive=15.0),
}


def _thin(frame: pd.DataFrame, rate: float, seed: int) -> pd.DataFrame:
    """Drop churners at random until they are ``rate`` of the rows."""
    churners = frame.index[frame["churned"] == 1]
    keep = int(rate / (1 - rate) * (len(frame) - len(churners)))
    dropped = np.random.default_rng(seed).choice(churners, max(len(churners) - keep, 0), replace=False)
    return frame.drop(index=dropped).reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--positive-rate", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    spec = load_spec("churn", MODELS)
    frame = generate_customers(args.rows, seed=args.seed)
    if args.positive_rate:
        frame = _thin(frame, args.positive_rate, args.seed)
    frame = validation.validate_frame(frame, spec)
    features = validation.feature_columns(frame.columns, spec)
    categorical = validation.categorical_columns(frame, features)
    split = splits.split_data(frame, spec)
    valid = validation_scores(spec, PARAMS, 200, split.train, split.valid, features, categorical)
    model = make_model(spec, PARAMS, categorical, 200)
    model.fit(pd.concat([split.train, split.valid])[features], pd.concat([split.train, split.valid])[spec.data.target])
    scores = predict(spec, model, split.holdout)
    y = split.holdout[spec.data.target]
    print(f"{len(frame)} customers, churn rate {frame['churned'].mean():.1%}; holdout {len(y)} rows, highest score {scores.max():.3f}\n")
    print("| policy | threshold | flagged on holdout | " + " | ".join(f"{f} (share flagged per group)" for f in spec.fairness.sensitive_features) + " |")
    print("|---|---|---|" + "---|" * len(spec.fairness.sensitive_features))
    gates_by_policy = {}
    for name, policy in POLICIES.items():
        decided = spec.model_copy(update={"decision": policy})
        threshold = fit_threshold(policy, *valid)
        decision = decision_evidence(decided, threshold, valid, split.holdout, scores)
        groups = [", ".join(f"{g.group} {g.share:.1%} [{g.interval[0]:.1%}, {g.interval[1]:.1%}]" for g in decision.groups[f])
                  for f in spec.fairness.sensitive_features]
        low, high = decision.holdout_interval or (float("nan"), float("nan"))
        print(f"| {name} | {threshold:.3f} | {decision.holdout_share:.1%} [{low:.1%}, {high:.1%}] | " + " | ".join(groups) + " |")
        gates_by_policy[name] = fairness_gates(decided, assess_scores(decided, split.holdout, scores, threshold=threshold))
    print("\n| policy | fairness gate | observed (interval) | status | smallest detectable |")
    print("|---|---|---|---|---|")
    for name, results in gates_by_policy.items():
        for g in results:
            observed = f"{g.observed:.3f} [{g.interval[0]:.3f}, {g.interval[1]:.3f}]" if g.observed is not None and g.interval else "not measured"
            mde = f"{g.mde:.3f}" if g.mde is not None else "-"
            print(f"| {name} | {g.gate} | {observed} | {g.status} | {mde} |")


if __name__ == "__main__":
    main()
