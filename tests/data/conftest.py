"""Specs and a small customer table shared by the data tests (no training)."""

from pathlib import Path

import pandas as pd
import pytest

from govern.demo.customers import generate_customers
from govern.spec.model import load_spec

MODELS = Path(__file__).parents[2] / "models"


def with_data(spec, **changes):
    return spec.model_copy(update={"data": spec.data.model_copy(update=changes)})


@pytest.fixture(scope="module")
def churn():
    return with_data(load_spec("churn", MODELS), min_rows=10)


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return generate_customers(300, seed=2)
