"""Fitted demo models the leakage tests share (module-scoped: each test module fits once)."""

import pytest

from tests.checks.leakage_story import label_copy, spec_named, training


@pytest.fixture(scope="module")
def churn_demo():
    return training(spec_named("churn"))


@pytest.fixture(scope="module")
def churn_planted():
    return training(spec_named("churn"), label_copy)
