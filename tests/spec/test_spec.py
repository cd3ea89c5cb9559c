from pathlib import Path

import pytest
import yaml

from govern.core.errors import SpecError
from govern.spec.model import load_spec

MODELS = Path(__file__).parents[2] / "models"


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
        (lambda r: r["gates"]["fairness"].append({"feature": "gender", "metric": "equalized_odds_difference"}), "needs min or max"),
        (lambda r: r["gates"]["fairness"].append({"feature": "gender", "metric": "mae_difference", "max": 5}), "not a binary disparity"),
        (lambda r: r["gates"]["fairness"].append({"feature": "gender&plan", "metric": "demographic_parity_difference", "max": 0.2}),
         "'plan' is not in fairness.sensitive_features"),
        (lambda r: r["gates"]["fairness"].append({"feature": "gender", "metric": "demographic_parity_difference", "max": 0.2, "judge": "median"}), "judge"),
        (lambda r: r["gates"]["drift"].update(when_unmeasured="ignore"), "when_unmeasured"),
        (lambda r: r["gates"]["leakage"].update(max_univariate_auc=0.4), "max_univariate_auc"),
        (lambda r: r["monitoring"].update(retrain_data="everything"), "retrain_data"),
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


def test_positive_class_belongs_to_binary_tasks(tmp_path):
    raw = yaml.safe_load((MODELS / "clv.yaml").read_text())
    raw["data"]["positive_class"] = "yes"
    path = tmp_path / "clv.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(SpecError, match="only a binary task has a positive class"):
        load_spec(path, tmp_path)


def test_an_intersection_names_the_sensitive_features_in_any_order(tmp_path):
    gate = {"feature": "age_band&gender", "metric": "equalized_odds_difference", "max": 0.3}
    path = _write(tmp_path, lambda r: r["gates"]["fairness"].append(gate))
    assert load_spec(path, tmp_path).gates.fairness[-1].feature == "age_band&gender"


def test_leakage_check_is_on_by_default(tmp_path):
    path = _write(tmp_path, lambda r: r["gates"].pop("leakage"))
    leakage = load_spec(path, tmp_path).gates.leakage
    assert leakage.enabled and leakage.acknowledged == []
