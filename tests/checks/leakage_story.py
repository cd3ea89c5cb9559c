"""The leakage tests' demo data, specs and fitted models: planted leaks on the demo
customers, a CatBoost model at the search space's midpoint, and the check run on them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from govern.checks.leakage import (
    assess_leakage,
    leakage_gates,
)
from govern.data import splits, validation
from govern.demo import customers as demo_data
from govern.spec.model import parse_spec
from govern.training.tuning import make_model
from tests.conftest import CLV_ON_CUSTOMER_TABLE

MODELS = Path(__file__).parents[2] / "models"
# The check reads only these sections; the rest of the demo specs is not its business.
SECTIONS = ("name", "task", "primary_metric", "data", "split", "tuning", "card")
ROWS = 1500
ITERATIONS = 60


def spec_named(name: str, **leakage):
    raw = yaml.safe_load((MODELS / f"{name}.yaml").read_text())
    raw = {k: v for k, v in raw.items() if k in SECTIONS}
    raw["gates"] = {"leakage": leakage}
    if name == "clv":
        raw["data"] = dict(CLV_ON_CUSTOMER_TABLE)
    return parse_spec(raw, origin=name)


def midpoint(spec) -> dict:
    space = spec.tuning.search_space
    return {
        "depth": (space["depth"].low + space["depth"].high) // 2,
        "learning_rate": math.sqrt(space["learning_rate"].low * space["learning_rate"].high),
        "l2_leaf_reg": math.sqrt(space["l2_leaf_reg"].low * space["l2_leaf_reg"].high),
    }


def training(spec, plant=None, seed: int = 0):
    """Training plus validation rows of the demo data (as the flow refits on), a fitted model."""
    frame = validation.validate_frame(demo_data.generate_customers(ROWS, seed=seed), spec)
    if plant is not None:
        frame = plant(frame, np.random.default_rng(seed + 1000))
    features = validation.feature_columns(frame.columns, spec)
    categorical = validation.categorical_columns(frame, features)
    split = splits.split_data(frame, spec)
    train = pd.concat([split.train, split.valid])
    model = make_model(spec, midpoint(spec), categorical, ITERATIONS)
    model.fit(train[features], train[spec.data.target])
    return train, features, categorical, model


def label_copy(frame, rng):
    keep = rng.random(len(frame)) < 0.95
    frame["churn_flag"] = np.where(keep, frame["churned"], rng.integers(0, 2, len(frame)))
    return frame


def clv_copy(frame, rng):
    target = frame["clv_12m"].to_numpy()
    frame["clv_estimate"] = target + rng.normal(0, 0.1 * target.std(), len(frame))
    return frame


def assess(spec, fitted, comparison=None):
    train, features, categorical, model = fitted
    report = assess_leakage(spec, train, features, categorical, model, comparison)
    return report, leakage_gates(spec, report)[0]
