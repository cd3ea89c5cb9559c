"""Data validation on arrival: check a table against its spec before anything trains on it.

A bad column caught here costs one clear line; caught inside a training library it
costs a stack trace.  Every failure is a ``DataValidationError`` whose message is a
single line naming the column and the problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from govern.core.errors import DataValidationError
from govern.data.csv_files import read_csv
from govern.data.load_checks import MISSING_CATEGORY, sensitive_groups
from govern.spec.model import ModelSpec

NUMERIC_TEXT_SHARE = 0.8
_POSITIVE_LABELS = {"1", "true", "yes", "y", "t", "positive", "pos"}
_NEGATIVE_LABELS = {"0", "false", "no", "n", "f", "negative", "neg"}


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _show(value: object) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _preview(values: Iterable, limit: int = 5) -> str:
    items = [str(v) for v in values]
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def load_table(path: Path) -> pd.DataFrame:
    """Read a parquet or CSV file, chosen by suffix (a CSV's separator sniffed if not a comma)."""
    path = Path(path)
    if path.is_dir():
        raise DataValidationError(f"data path {path} is a directory, not a file: give a .parquet or .csv file")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".pq", ".csv"):
        raise DataValidationError(f"unsupported data file type '{path.suffix or '(none)'}' for {path}: use .parquet or .csv")
    if not path.is_file():
        raise DataValidationError(f"data file not found: {path}")
    try:
        if suffix == ".csv":
            return read_csv(path)
        return pd.read_parquet(path)
    except DataValidationError:
        raise
    except Exception as exc:  # the readers raise many unrelated types
        raise DataValidationError(_one_line(f"cannot read {path}: {type(exc).__name__}: {exc}")) from None


def feature_columns(df_columns: Iterable[str], spec: ModelSpec) -> list[str]:
    """The columns a model trains on: the spec's list, else everything not set aside.

    Sensitive features are ordinary features unless the spec excludes them.
    """
    if spec.data.features:
        return list(spec.data.features)
    reserved = {spec.data.target, spec.data.id_column, *spec.data.exclude}
    if spec.data.time_column:
        reserved.add(spec.data.time_column)
    return [c for c in df_columns if c not in reserved]


def _is_categorical(series: pd.Series) -> bool:
    dtype = series.dtype
    return (
        ptypes.is_object_dtype(dtype)
        or ptypes.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
        or ptypes.is_bool_dtype(dtype)
    )


def categorical_columns(df: pd.DataFrame, features: Iterable[str]) -> list[str]:
    """Features a model should treat as categories: text, category and boolean columns."""
    return [c for c in features if c in df.columns and _is_categorical(df[c])]


def _required_columns(spec: ModelSpec, require_target: bool) -> list[tuple[str, str]]:
    data = spec.data
    needed: list[tuple[str, str]] = []
    if require_target:
        needed.append((data.target, "data.target"))
    needed.append((data.id_column, "data.id_column"))
    if data.time_column:
        needed.append((data.time_column, "data.time_column"))
    needed += [(c, "data.features") for c in data.features or []]
    if require_target:
        needed += [(c, "data.exclude") for c in data.exclude]
    needed += [(c, "fairness.sensitive_features") for c in spec.fairness.sensitive_features]
    return needed


def _check_time(df: pd.DataFrame, column: str) -> pd.Series:
    values = df[column]
    if ptypes.is_datetime64_any_dtype(values.dtype):
        parsed = values
    elif ptypes.is_numeric_dtype(values.dtype) or ptypes.is_bool_dtype(values.dtype):
        raise DataValidationError(f"time column '{column}' has dtype {values.dtype}; expected dates")
    else:
        parsed = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
        bad = values.notna() & parsed.isna()
        if bad.any():
            examples = _preview(values[bad].astype(str).unique()[:3])
            raise DataValidationError(
                f"time column '{column}': {int(bad.sum())} values are not dates (e.g. {examples})"
            )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    missing = int(parsed.isna().sum())
    if missing:
        raise DataValidationError(f"time column '{column}' has {missing} missing values")
    return parsed.astype("datetime64[ns]")


def _numeric_text_share(values: pd.Series) -> float:
    """Share of the rows whose text parses as a number; each distinct value is parsed once
    (a category column of a million rows holds a handful)."""
    counts = values.value_counts(sort=False)
    text = pd.Series(counts.index.astype(str)).str.strip()
    numeric = pd.to_numeric(text, errors="coerce").notna().to_numpy()
    return float(counts.to_numpy()[numeric].sum() / counts.to_numpy().sum())


def _check_feature_type(df: pd.DataFrame, column: str) -> None:
    series = df[column]
    dtype = series.dtype
    if ptypes.is_datetime64_any_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype):
        raise DataValidationError(
            f"feature '{column}' has wrong type {dtype}: convert it to a number or add it to data.exclude"
        )
    if ptypes.is_numeric_dtype(dtype) or ptypes.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return
    values = series.dropna()
    if values.empty:
        return
    kind = ptypes.infer_dtype(values, skipna=True)
    if kind in ("mixed", "mixed-integer"):
        kinds = sorted({type(v).__name__ for v in values})
        raise DataValidationError(f"feature '{column}' has wrong type {dtype}: mixed value types ({', '.join(kinds)})")
    if kind in ("integer", "floating", "mixed-integer-float", "decimal", "complex"):
        raise DataValidationError(f"feature '{column}' has wrong type {dtype}: numbers stored as objects")
    if kind in ("datetime", "datetime64", "date", "timedelta", "time", "period"):
        raise DataValidationError(
            f"feature '{column}' has wrong type {dtype}: {kind} values; convert them to a number or add it to data.exclude"
        )
    if kind == "string":
        share = _numeric_text_share(values)
        if share >= NUMERIC_TEXT_SHARE:
            raise DataValidationError(
                f"feature '{column}' has wrong type {dtype}: {share:.0%} of its values are numbers stored as text"
            )


def _is_zero_one(values: list) -> bool:
    return all(isinstance(v, (bool, np.bool_, int, float, np.integer, np.floating)) and v in (0, 1) for v in values)


def _binary_target(series: pd.Series, column: str, positive_class=None) -> tuple[pd.Series, dict]:
    """Map a two-valued target to 0/1 and say how.

    Only 0/1 and booleans map without being told (1 and True mean positive); any other
    pair of labels needs ``data.positive_class``: guessing from label order once made
    "good" the positive class of a credit model and inverted every comparison.
    """
    values = series.unique().tolist()
    classes = sorted(values, key=lambda v: (str(type(v)), v))
    if len(classes) == 1:
        raise DataValidationError(f"one-class target '{column}': every row is {_show(classes[0])}; a binary task needs two classes")
    if len(classes) > 2:
        raise DataValidationError(
            f"target '{column}' has {len(classes)} classes ({_preview(classes)}); a binary task needs exactly two"
        )
    if positive_class is None:
        if not _is_zero_one(classes):
            raise DataValidationError(
                f"target '{column}' has labels {_show(classes[0])} and {_show(classes[1])}: "
                "set data.positive_class to the label that means 1"
            )
        positive = True if ptypes.is_bool_dtype(series.dtype) else 1
    else:
        matches = [v for v in classes if v == positive_class or str(v).strip() == str(positive_class).strip()]
        if not matches:
            hint = "; YAML reads unquoted yes/no/true/false/on/off as a boolean: quote the label, e.g. positive_class: 'yes'"
            raise DataValidationError(
                f"data.positive_class {_show(positive_class)} is not a value of target '{column}' "
                f"(values: {_show(classes[0])}, {_show(classes[1])}){hint if isinstance(positive_class, bool) else ''}"
            )
        positive = matches[0]
    negative = next(v for v in classes if v is not positive and v != positive)
    mapped = (series == positive).astype(int)
    mapping = {"positive": _plain(positive), "negative": _plain(negative), "declared": positive_class is not None}
    return mapped, mapping


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _check_regression_target(series: pd.Series, column: str) -> pd.Series:
    if not ptypes.is_numeric_dtype(series.dtype) or ptypes.is_bool_dtype(series.dtype):
        raise DataValidationError(f"regression target '{column}' has dtype {series.dtype}; it must be numeric")
    values = series.astype(float)
    infinite = int(np.isinf(values).sum())
    if infinite:
        raise DataValidationError(f"regression target '{column}' has {infinite} infinite values")
    if values.nunique() < 2:
        raise DataValidationError(f"constant target '{column}': every row is {_show(values.iloc[0])}; nothing to learn")
    return values


def _as_category_text(series: pd.Series) -> pd.Series:
    values = series.astype(object)
    return values.where(values.notna(), MISSING_CATEGORY).astype(str)


def validate_frame(df: pd.DataFrame, spec: ModelSpec, *, require_target: bool = True) -> pd.DataFrame:
    """Check ``df`` against ``spec`` and return a cleaned copy.

    The copy has the time column as datetime64, a binary target as int 0/1 (the
    mapping in ``attrs["labels"]``), and categorical features as text with missing
    values as ``"missing"``.  With
    ``require_target=False`` (unlabeled monitoring data) the target and the
    excluded columns may be absent; a target column that is present but wholly
    empty counts as absent, otherwise it is validated as usual.
    """
    data = spec.data
    for column, field in _required_columns(spec, require_target):
        if column not in df.columns:
            raise DataValidationError(
                f"column '{column}' named in {field} is missing from the data (columns: {_preview(df.columns, 8)})"
            )
    if len(df) == 0:
        raise DataValidationError("data is empty: 0 rows")
    if len(df) < data.min_rows:
        raise DataValidationError(f"too few rows: {len(df)} rows, data.min_rows is {data.min_rows}")

    out = df.copy()
    ids = out[data.id_column]
    missing_ids = int(ids.isna().sum())
    if missing_ids:
        raise DataValidationError(f"id column '{data.id_column}' has {missing_ids} missing ids")
    duplicated = ids[ids.duplicated(keep=False)]
    if len(duplicated):
        raise DataValidationError(
            f"id column '{data.id_column}' has {duplicated.nunique()} duplicate ids in {len(duplicated)} rows"
            f" (e.g. {_preview(duplicated.astype(str).unique()[:3])})"
        )
    if data.time_column:
        out[data.time_column] = _check_time(out, data.time_column)

    features = feature_columns(out.columns, spec)
    for column in features:
        _check_feature_type(out, column)

    has_target = data.target in out.columns and (require_target or out[data.target].notna().any())
    if has_target:
        target = out[data.target]
        missing = int(target.isna().sum())
        if missing:
            raise DataValidationError(f"target '{data.target}' has {missing} missing values")
        if spec.task == "binary":
            out[data.target], out.attrs["labels"] = _binary_target(target, data.target, data.positive_class)
        else:
            out[data.target] = _check_regression_target(target, data.target)

    for column in features:
        if out[column].isna().all():
            raise DataValidationError(f"feature '{column}' is entirely null")

    sensitive_groups(out, spec)
    categorical = set(categorical_columns(out, features))
    categorical |= {c for c in spec.fairness.sensitive_features if _is_categorical(out[c])}
    for column in sorted(categorical):
        out[column] = _as_category_text(out[column])
    return out
