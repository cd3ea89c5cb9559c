"""The kinds of bad input the command line must refuse in one line: each case edits a
copy of the champion project's spec or data and names the words the refusal must hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

SPEC = "churn"


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


def _spec_and_data(change_spec, change_data, suffix: str = ".parquet"):
    """A case of spec and data together: the churn spec changed by ``change_spec``, trained on
    the demo table changed by ``change_data``."""

    def build(root: Path, tmp: Path, name: str) -> list[str]:
        raw = _spec(root)
        change_spec(raw)
        return ["train", _write_spec(root, name, raw), "--data", _data(root, tmp, change_data, suffix)]

    return build


def _sensitive(*features, **bins):
    def change(raw: dict) -> None:
        raw["fairness"]["sensitive_features"] = ["gender", "age_band", *features]
        if bins:
            raw["fairness"]["bins"] = bins

    return change


def _ages(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(age=np.random.default_rng(0).integers(18, 90, len(d)))


def _holdout_classes(kept: int, positive: int):
    """The latest snapshot (the holdout of the time split) with only ``kept`` rows of class ``positive``."""

    def change(d: pd.DataFrame) -> pd.DataFrame:
        latest = d["snapshot_date"] == d["snapshot_date"].max()
        d = d.assign(churned=np.where(latest, 1 - positive, d["churned"]))
        d.loc[d.index[latest][:kept], "churned"] = positive
        return d

    return change


def _unsniffable_csv(root: Path, tmp: Path, name: str) -> list[str]:
    path = tmp / "spaces.csv"
    frame = _customers(root)
    lines = [";".join(frame.columns)] + [" ".join(map(str, row)) for row in frame.itertuples(index=False)]
    path.write_text("\n".join(lines) + "\n")
    return ["train", SPEC, "--data", str(path)]


def _directory_source(root: Path, tmp: Path, name: str) -> list[str]:
    (tmp / "tables").mkdir()
    raw = _spec(root)
    raw["data"]["source"] = str(tmp / "tables")
    return ["train", _write_spec(root, name, raw)]


def _gates(raw: dict, **changes) -> dict:
    raw["gates"].update(changes)
    return raw


def _untimed(raw: dict) -> None:
    """The churn spec with no time column (the snapshot date left out of the features)."""
    raw["data"]["exclude"].append(raw["data"].pop("time_column"))


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
    # Checked at load, before any training (issue 18).
    "target among the features": (_edit(lambda r: r["data"].update(features=["tenure_months", "churned"])), "'churned' is data.target"),
    "id column among the features": (
        _edit(lambda r: r["data"].update(features=["tenure_months", "customer_id"])), "'customer_id' is data.id_column"),
    "time column among the features": (
        _edit(lambda r: r["data"].update(features=["snapshot_date", "plan"])), "'snapshot_date' is data.time_column"),
    "continuous sensitive feature": (_spec_and_data(_sensitive("age"), _ages), "looks continuous"),
    "sensitive feature with more groups than the holdout supports": (
        _spec_and_data(_sensitive("state"), lambda d: d.assign(state=[f"S{i % 51:02d}" for i in range(len(d))])), "has 51 groups"),
    "numeric sensitive feature with too many groups": (
        _spec_and_data(_sensitive("household"), lambda d: d.assign(household=np.arange(len(d)) % 15)), "or band it with fairness.bins"),
    "sensitive feature with a single group": (
        _spec_and_data(lambda r: (_sensitive("segment")(r), r["data"]["exclude"].append("segment")), lambda d: d.assign(segment=None)),
        "single group ('missing')"),
    "bins for a feature that is not sensitive": (_edit(lambda r: r["fairness"].update(bins={"age": [0, 30, 120]})), "is not in fairness.sensitive_features"),
    "bins that do not ascend": (_edit(_sensitive("age", age=[0, 50, 30])), "ascending edges"),
    "values outside the bins": (_spec_and_data(_sensitive("age", age=[0, 30, 60]), _ages), "values fall outside [0, 60]"),
    "bins on a text column": (_edit(lambda r: r["fairness"].update(bins={"gender": [0, 1, 2]})), "bins band a numeric column"),
    "holdout with too few positives": (_train_on(_holdout_classes(3, positive=1)), "the holdout has 3 positives"),
    "holdout with too few negatives": (_train_on(_holdout_classes(4, positive=0)), "positives and 4 negatives"),
    "unquoted yes as the positive class": (
        _train_on(lambda d: d.assign(churned=np.where(d["churned"] == 1, "yes", "no")), positive_class=True), "quote the label"),
    "unquoted no as the positive class": (
        _spec_and_data(lambda r: r["data"].update(positive_class=False), lambda d: d.assign(churned=np.where(d["churned"] == 1, "no", "yes"))),
        "positive_class False is not a value"),
    "directory given as data": (lambda root, tmp, name: ["train", SPEC, "--data", str((tmp / "x.csv").mkdir() or tmp / "x.csv")], "is a directory"),
    "spec's data source is a directory": (_directory_source, "is a directory"),
    "CSV whose separator cannot be found": (_unsniffable_csv, "no column separator found"),
    "empty CSV file": (lambda root, tmp, name: ["train", SPEC, "--data", str((tmp / "e.csv").write_text("") or tmp / "e.csv")], "cannot read"),
    "datetime feature": (_train_on(lambda d: d.assign(signup=pd.Timestamp("2025-06-01"))), "'signup' has wrong type datetime64"),
    # No customer on both sides of a split (issue 18): a random split only on request.
    "random split not asked for": (_edit(lambda r: _untimed(r)), "a random split is made only on request"),
    "a single snapshot date": (_train_on(lambda d: d.assign(snapshot_date=d["snapshot_date"].max())), "has 1 distinct date(s)"),
    "time split asked without a time column": (
        _edit(lambda r: (_untimed(r), r["split"].update(strategy="time"))), "split.strategy: time needs data.time_column"),
    "group split of snapshots": (_edit(lambda r: r["split"].update(strategy="group", target_window_days=30)), "use split.strategy: time"),
    "approving a version that does not exist": (lambda root, tmp, name: ["approve", SPEC, "9", "--reviewer", "someone"], "no version 9"),
    "promoting the champion again": (lambda root, tmp, name: ["promote", SPEC, "1"], "already the champion"),
}
