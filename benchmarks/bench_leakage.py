"""Where the leakage ceilings sit, and what the check costs.

For the demo churn and clv specs, on demo data of a few sizes and seeds, fits CatBoost
as the flow does (early stopping on the validation rows, then a refit on training plus
validation rows for the iterations found) at every corner and the midpoint of the
spec's depth x learning-rate space, and prints the strongest single-feature signal
and the largest importance share: at the midpoint, and the range over the grid.  The
same with a planted leak (churn: a copy of the label for 95% of rows, random for the
rest; clv: the target plus noise of a tenth of its spread).  With ``--timing``, the seconds
``assess_leakage`` takes (min and median of three rounds), written for the Performance page.
A spec whose target the generated customer table lacks (clv, built from transactions) is skipped.

    .venv/bin/python benchmarks/bench_leakage.py [rows ...]
    .venv/bin/python benchmarks/bench_leakage.py --timing 4000 100000
"""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import results
import yaml

from govern.checks.leakage import assess_leakage
from govern.data import splits, validation
from govern.demo import customers as demo_data
from govern.spec.model import FloatParam, IntParam, parse_spec
from govern.training.tuning import make_model

MODELS = Path(__file__).resolve().parents[1] / "models"
SECTIONS = ("name", "task", "primary_metric", "data", "split", "tuning", "card")


def load_spec(name: str, models=MODELS):
    """The demo spec without its fairness, gates and monitoring sections, which the check does not read."""
    raw = yaml.safe_load((models / f"{name}.yaml").read_text())
    return parse_spec({k: v for k, v in raw.items() if k in SECTIONS}, origin=f"{name}.yaml")


def grid(spec) -> list[dict]:
    """Midpoint first, then every low/high corner of depth and learning rate."""
    def points(p):
        if isinstance(p, IntParam):
            return [(p.low + p.high) // 2, p.low, p.high]
        if isinstance(p, FloatParam):
            return [math.sqrt(p.low * p.high) if p.log else (p.low + p.high) / 2, p.low, p.high]
        return [p.choices[len(p.choices) // 2]]

    space = spec.tuning.search_space
    mid = {k: points(p)[0] for k, p in space.items()}
    corners = [dict(mid, depth=d, learning_rate=lr) for d, lr in itertools.product(points(space["depth"])[1:], points(space["learning_rate"])[1:])]
    return [mid] + corners


def plant(frame: pd.DataFrame, spec, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 1000)
    target = frame[spec.data.target].to_numpy(dtype=float)
    out = frame.copy()
    if spec.task == "binary":
        keep = rng.random(len(frame)) < 0.95
        out["churn_flag"] = np.where(keep, target, rng.integers(0, 2, len(frame)))
    else:
        out["clv_estimate"] = target + rng.normal(0, 0.1 * target.std(), len(frame))
    return out


def prepared(spec, n: int, seed: int, planted: bool):
    frame = validation.validate_frame(demo_data.generate_customers(n, seed=seed), spec)
    if planted:
        frame = plant(frame, spec, seed)
    features = validation.feature_columns(frame.columns, spec)
    categorical = validation.categorical_columns(frame, features)
    return splits.split_data(frame, spec), features, categorical


def early_stopped_refit(spec, split, features, categorical, params):
    target = spec.data.target
    probe = make_model(spec, params, categorical, spec.tuning.iterations)
    probe.fit(split.train[features], split.train[target], eval_set=(split.valid[features], split.valid[target]),
              early_stopping_rounds=spec.tuning.early_stopping_rounds)
    iterations = max(int(probe.get_best_iteration() or 0) + 1, 10)
    train = pd.concat([split.train, split.valid])
    model = make_model(spec, params, categorical, iterations)
    model.fit(train[features], train[target])
    return train, model


def calibrate(sizes: list[int]) -> None:
    for name in ("churn", "clv"):
        spec = load_spec(name, MODELS)
        if not generated(spec):
            continue
        for n, seed, planted in itertools.product(sizes, (0, 1, 2), (False, True)):
            split, features, categorical = prepared(spec, n, seed, planted)
            tops = []
            for params in grid(spec):
                train, model = early_stopped_refit(spec, split, features, categorical, params)
                report = assess_leakage(spec, train, features, categorical, model, None)
                share = max(report.columns, key=lambda c: c.importance_share or 0.0)
                tops.append((report.columns[0], share, report.status))
            signal, share, status = tops[0]
            shares = [s.importance_share for _, s, _ in tops]
            print(
                f"{name:5s} n={n:5d} seed={seed} {'planted' if planted else 'demo   '} "
                f"signal {signal.column}={signal.univariate:.3f}  midpoint share {share.column}={share.importance_share:.2f} "
                f"grid shares {min(shares):.2f}..{max(shares):.2f}  statuses {sorted({s for *_, s in tops})}",
                flush=True,
            )


def widened(frame: pd.DataFrame, features: list[str], categorical: list[str], seed: int):
    """Ten more columns: the id as a category and nine noisy copies of numeric features."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    out["customer_key"] = out["customer_id"]
    numeric = [c for c in features if c not in categorical]
    extra = [f"{numeric[i % len(numeric)]}_noisy{i}" for i in range(9)]
    for i, column in enumerate(extra):
        base = out[numeric[i % len(numeric)]].to_numpy(dtype=float)
        out[column] = base + rng.normal(0, base.std() + 1e-9, len(out))
    return out, features + ["customer_key"] + extra, categorical + ["customer_key"]


def generated(spec) -> bool:
    """Whether the spec's target is a column of the generated customer table (clv's is built from a transaction log)."""
    if spec.data.target in demo_data.generate_customers(10).columns:
        return True
    print(f"{spec.name}: skipped, its target {spec.data.target} is not in the generated customer table (built from a transaction log)")
    return False


def timing(sizes: list[int], rounds: int) -> None:
    table, data = [], []
    for name in ("churn", "clv"):
        spec = load_spec(name, MODELS)
        if not generated(spec):
            continue
        for n in sizes:
            split, features, categorical = prepared(spec, n, 0, planted=False)
            train = pd.concat([split.train, split.valid])
            cases = [("demo features", (train, features, categorical)), ("plus the id and 9 noisy copies", widened(train, features, categorical, 0))]
            for label, (frame, columns, categories) in cases:
                model = make_model(spec, grid(spec)[0], categories, 30)
                model.fit(frame[columns], frame[spec.data.target])
                _, t = results.measure(lambda: assess_leakage(spec, frame, columns, categories, model, None), rounds=rounds)
                table.append([name, f"{n:,}", f"{len(frame):,}", f"{len(columns)} ({label})", results.cell(t)])
                data.append({"model": name, "rows": n, "training_rows": len(frame), "features": len(columns), "seconds": t})
    results.write(
        "leakage",
        title="Leakage check (`assess_leakage`) on the training rows",
        columns=["spec", "rows generated", "training rows", "features", f"s (min / median of {rounds})"],
        rows=table,
        notes=["Each feature alone on the training rows and each feature's share of a fitted CatBoost model's importance (30 trees at"
               " the midpoint of the spec's search space); no reference: the check has no off-the-shelf counterpart.",
               "clv is left out: its target is built from a transaction log, not a column of the generated customer table."],
        command="python benchmarks/bench_leakage.py --timing " + " ".join(map(str, sizes)),
        data=data,
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--timing"]:
        timing([int(a) for a in args[1:]] or [4000, 100_000], results.MIN_ROUNDS)
    else:
        calibrate([int(a) for a in args] or [1500, 4000])
