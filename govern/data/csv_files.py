"""Reading a CSV the way a spreadsheet saved it.

Spreadsheets in many locales save with ';' between columns and ',' before decimals; read
with pandas' defaults such a file is one column, or its numbers become text categories
that a model learns without a word.  The separator is sniffed when the header shows
another one, and decimal commas are read as numbers.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
from pandas.api import types as ptypes

from govern.core.errors import DataValidationError

SEPARATORS = ";\t|"
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


def _decimal_commas(frame: pd.DataFrame) -> bool:
    """Whether some text column holds mostly numbers written with a decimal comma."""
    for column in frame.columns:
        if not (ptypes.is_object_dtype(frame[column].dtype) or ptypes.is_string_dtype(frame[column].dtype)):
            continue
        values = frame[column].dropna().astype(str).str.strip().unique()[:1000]
        if len(values) and sum(bool(_DECIMAL_COMMA.match(v)) for v in values) >= 0.8 * len(values):
            return True
    return False


def read_csv(path: Path) -> pd.DataFrame:
    """Read with commas, or with the separator csv.Sniffer finds when the header holds no
    comma but ';', tab or '|' (then with decimal commas if the numbers use them)."""
    with open(path, newline="", errors="replace") as handle:
        sample = handle.read(65_536)
    header = sample.split("\n", 1)[0]
    if "," in header or not any(sep in header for sep in SEPARATORS):
        return pd.read_csv(path)
    try:
        sep = csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        raise DataValidationError(f"cannot read {path}: no column separator found in its header '{header[:60]}'; separate the columns with commas") from None
    frame = pd.read_csv(path, sep=sep)
    return pd.read_csv(path, sep=sep, decimal=",") if sep != "," and _decimal_commas(frame) else frame
