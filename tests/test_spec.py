from pathlib import Path

import pytest
import yaml

from govern.errors import SpecError
from govern.spec import load_spec

MODELS = Path(__file__).parents[1] / "models"


@pytest.mark.parametrize("name", ["churn", "clv"])
def test_bundled_specs_load(name):
    spec = load_spec(name, MODELS)
    assert spec.name == name
    assert spec.card.owner and spec.card.retraining_cadence
    assert spec.tuning.search_space


def _write(tmp_path, mutate) -> Path:
    raw = yaml.safe_load((MODELS / "churn.yaml").read_text())
    mutate(raw)
    path = tmp_path / "churn.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda r: r["data"].pop("target"), "data.target"),
        (lambda r: r.update(task="ranking"), "task"),
        (lambda r: r.update(primary_metric="rmse"), "primary_metric: 'rmse' is not a binary metric"),
        (lambda r: r["gates"]["metrics"].append({"metric": "roc_auc"}), "gates.metrics[2]"),
        (lambda r: r["tuning"]["search_space"].update(depth={"type": "int", "low": 9, "high": 3}), "search_space.depth"),
        (lambda r: r["gates"]["fairness"].append({"feature": "postcode", "metric": "equalized_odds_difference", "max": 0.1}), "gates.fairness[2].feature"),
        (lambda r: r["card"].pop("owner"), "card.owner"),
        (lambda r: r.update(colour="blue"), "colour"),
        (lambda r: r["split"].update(holdout_fraction=0.9), "split.holdout_fraction"),
    ],
)
def test_broken_spec_names_the_field(tmp_path, mutate, fragment):
    path = _write(tmp_path, mutate)
    with pytest.raises(SpecError) as err:
        load_spec(path, tmp_path)
    message = str(err.value)
    assert fragment in message
    assert "\n" not in message


def test_unknown_model_lists_known_ones():
    with pytest.raises(SpecError, match="unknown model 'does-not-exist'.*churn, clv"):
        load_spec("does-not-exist", MODELS)


def test_invalid_yaml_gives_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\ntask: [binary\n")
    with pytest.raises(SpecError, match="not valid YAML at line"):
        load_spec(path, tmp_path)


def test_name_must_match_file(tmp_path):
    path = _write(tmp_path, lambda r: r.update(name="other"))
    with pytest.raises(SpecError, match="must match the file name"):
        load_spec(path, tmp_path)
