"""tuning.objective: rmse by default; tweedie fits zero-inflated spend and makes CatBoost
stop and search on the Tweedie deviance (its RMSE under that loss reads log-scale values)."""

from __future__ import annotations

import pytest
import yaml

from govern.core.errors import SpecError
from govern.spec.model import parse_spec
from govern.training import tuning
from tests.conftest import REPO


def _clv(**tuning_changes):
    raw = yaml.safe_load((REPO / "models" / "clv.yaml").read_text())
    raw["tuning"].update(tuning_changes)
    return parse_spec(raw)


def test_rmse_by_default():
    spec = _clv()
    assert spec.tuning.objective == "rmse" and tuning.catboost_metric(spec) == ("RMSE", False)
    assert tuning.make_model(spec, {}, [], 10).get_params()["loss_function"] == "RMSE"


def test_tweedie_loss_stops_and_searches_on_its_deviance():
    spec = _clv(objective="tweedie")
    assert tuning.catboost_metric(spec) == ("Tweedie:variance_power=1.5", False)
    params = tuning.make_model(spec, {}, [], 10).get_params()
    assert params["loss_function"] == params["eval_metric"] == "Tweedie:variance_power=1.5"


def test_an_unknown_objective_is_refused():
    with pytest.raises((SpecError, ValueError)):
        _clv(objective="poisson")
