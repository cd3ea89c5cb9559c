"""Bad input of every kind a user has met, through the real command line.

Each case must end with one line on stderr and exit code 2, and leave the registry,
the audit chain and the champion exactly as they were.  The project has a trained,
approved and promoted champion, so the cases that need one to compare with (labels
encoded the other way round) are real.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.cli.test_cli import govern
from tests.conftest import make_project

pytestmark = pytest.mark.integration

SPEC = "churn"


@pytest.fixture(scope="module")
def champion_project(tmp_path_factory):
    """A project whose churn model has a promoted v1, trained in a subprocess like a user would."""
    root = make_project(tmp_path_factory.mktemp("bad-input"), rows=800, specs=("churn",))
    raw = _spec(root)
    raw["gates"]["fairness"] = []  # a holdout of 160 rows cannot settle a fairness gate; these cases are about input
    _write_spec(root, SPEC, raw)
    trained = govern(root, "train", SPEC)
    assert trained.returncode == 0, trained.stdout + trained.stderr
    assert govern(root, "approve", SPEC, "1", "--reviewer", "reviewer-b").returncode == 0
    promoted = govern(root, "promote", SPEC, "1")
    assert promoted.returncode == 0, promoted.stderr
    return root


def _state(root: Path) -> tuple:
    """What must not move: registered versions with their tags, aliases, the audit chain."""
    with sqlite3.connect(root / "mlruns" / "mlflow.db") as con:
        versions = con.execute("select name, version from model_versions order by 1, 2").fetchall()
        tags = con.execute("select name, version, key, value from model_version_tags order by 1, 2, 3").fetchall()
        aliases = con.execute("select name, alias, version from registered_model_aliases order by 1, 2").fetchall()
    with sqlite3.connect(root / "mlruns" / "govern.db") as con:
        chain = con.execute("select count(*), max(hash) from govern_audit").fetchall()
    return versions, tags, aliases, chain


def _customers(root: Path) -> pd.DataFrame:
    return pd.read_parquet(root / "data/demo/customers.parquet")


def _spec(root: Path) -> dict:
    return yaml.safe_load((root / "models" / f"{SPEC}.yaml").read_text())


def _write_spec(root: Path, name: str, raw: dict | str, file_name: str | None = None) -> str:
    if isinstance(raw, dict):
        raw = {**raw, "name": name}
    text = raw if isinstance(raw, str) else yaml.safe_dump(raw, sort_keys=False)
    (root / "models" / f"{file_name or name}.yaml").write_text(text)
    return file_name or name


def _data(root: Path, tmp: Path, change, suffix: str = ".parquet") -> str:
    frame = change(_customers(root))
    path = tmp / f"bad{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return str(path)


def _edit(change):
    """A spec case: the churn spec changed by ``change``, saved under its own name."""

    def build(root: Path, tmp: Path, name: str) -> list[str]:
        raw = _spec(root)
        change(raw)
        return ["train", _write_spec(root, name, raw)]

    return build


def _train_on(change, suffix: str = ".parquet", positive_class=None):
    """A data case: ``train churn --data`` on the demo table changed by ``change``; with
    ``positive_class`` the churn spec itself declares it (restored after the case)."""

    def build(root: Path, tmp: Path, name: str) -> list[str]:
        if positive_class is not None:
            raw = _spec(root)
            raw["data"]["positive_class"] = positive_class
            _write_spec(root, SPEC, raw)
        return ["train", SPEC, "--data", _data(root, tmp, change, suffix)]

    return build


def _gates(raw: dict, **changes) -> dict:
    raw["gates"].update(changes)
    return raw


def _blank_target(d: pd.DataFrame) -> pd.DataFrame:
    d = d.astype({"churned": float})
    d.loc[d.index[:3], "churned"] = np.nan
    return d


CASES = {
    "unknown model": (lambda root, tmp, name: ["train", "no-such-model"], "unknown model"),
    "spec is not YAML": (lambda root, tmp, name: ["train", _write_spec(root, name, "name: [unclosed")], "not valid YAML"),
    "spec is not a mapping": (lambda root, tmp, name: ["train", _write_spec(root, name, "- a\n- b\n")], "expected a mapping"),
    "unknown spec field": (_edit(lambda r: r.update(colour="blue")), "colour"),
    "spec name differs from file": (
        lambda root, tmp, name: ["train", _write_spec(root, "other", _spec(root), file_name=name)], "must match the file name"),
    "metric of the wrong task": (_edit(lambda r: r["gates"]["metrics"].append({"metric": "rmse", "max": 1})), "not a binary metric"),
    "fairness gate without a bound": (
        _edit(lambda r: r["gates"]["fairness"].append({"feature": "gender", "metric": "demographic_parity_difference"})), "needs min or max"),
    "fairness metric of the wrong task": (
        _edit(lambda r: r["gates"]["fairness"].append({"feature": "gender", "metric": "mae_difference", "max": 1})), "not a binary disparity"),
    "intersection with a non-sensitive column": (
        _edit(lambda r: r["gates"]["fairness"].append({"feature": "gender&region", "metric": "equalized_odds_difference", "max": 0.2})),
        "'region' is not in fairness.sensitive_features"),
    "search range upside down": (
        _edit(lambda r: r["tuning"]["search_space"].update(depth={"type": "int", "low": 8, "high": 3})), "low must be below high"),
    "negative champion margin": (_edit(lambda r: r["gates"]["champion"].update(margin=-1)), "margin"),
    "data file missing": (lambda root, tmp, name: ["train", SPEC, "--data", str(tmp / "nowhere.parquet")], "not found"),
    "unsupported data file": (lambda root, tmp, name: ["train", SPEC, "--data", str(tmp / "data.xlsx")], "unsupported data file type"),
    "unreadable parquet": (
        lambda root, tmp, name: ["train", SPEC, "--data", str((tmp / "junk.parquet").write_bytes(b"not parquet") and tmp / "junk.parquet")],
        "cannot read"),
    "empty table": (_train_on(lambda d: d.iloc[:0]), "empty"),
    "too few rows": (_train_on(lambda d: d.iloc[:50]), "too few rows"),
    "missing ids": (_train_on(lambda d: d.assign(customer_id=d["customer_id"].where(d.index > 3))), "missing ids"),
    "duplicate ids": (_train_on(lambda d: d.assign(customer_id=d["customer_id"].where(d.index > 3, "C-dup"))), "duplicate ids"),
    "one-class target": (_train_on(lambda d: d.assign(churned=0)), "one-class"),
    "three-class target": (_train_on(lambda d: d.assign(churned=d.index % 3)), "3 classes"),
    "blank targets": (_train_on(_blank_target), "missing values"),
    "text labels without a positive class": (
        _train_on(lambda d: d.assign(churned=np.where(d["churned"] == 1, "Churned", "Stayed")), ".csv"), "set data.positive_class"),
    "positive class that is no label": (
        _train_on(lambda d: d.assign(churned=np.where(d["churned"] == 1, "Churned", "Stayed")), positive_class="Left"),
        "is not a value of target"),
    "numbers stored as text": (_train_on(lambda d: d.assign(monthly_spend=d["monthly_spend"].astype(str))), "monthly_spend"),
    "time column of text": (_train_on(lambda d: d.assign(snapshot_date="soon")), "not dates"),
    "feature entirely empty": (_train_on(lambda d: d.assign(monthly_spend=np.nan)), "entirely null"),
    "excluded column missing": (_train_on(lambda d: d.drop(columns=["clv_12m"])), "clv_12m"),
    "target column missing": (_train_on(lambda d: d.drop(columns=["churned"])), "churned"),
    "labels the other way round than the champion's": (
        _train_on(lambda d: d, positive_class=0),
        "encoded differently"),
    "flipped 0/1 labels": (_train_on(lambda d: d.assign(churned=1 - d["churned"])), "below chance"),
    "approving a version that does not exist": (lambda root, tmp, name: ["approve", SPEC, "9", "--reviewer", "someone"], "no version 9"),
    "promoting the champion again": (lambda root, tmp, name: ["promote", SPEC, "1"], "already the champion"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_exit_2_and_changes_nothing(champion_project, tmp_path, case):
    build, fragment = CASES[case]
    name = "case_" + "".join(c if c.isalnum() else "_" for c in case.lower())[:40]
    spec_path = champion_project / "models" / f"{SPEC}.yaml"
    spec_text = spec_path.read_text()
    try:
        args = build(champion_project, tmp_path, name)
        before = _state(champion_project)
        out = govern(champion_project, *args)
    finally:
        spec_path.write_text(spec_text)
    assert out.returncode == 2, (case, out.returncode, out.stderr[-2000:])
    assert out.stderr.strip().count("\n") == 0, out.stderr
    assert fragment in out.stderr, out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert _state(champion_project) == before
