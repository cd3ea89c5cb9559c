"""What changed in the gates between two versions, said in words with its direction."""

from __future__ import annotations

import copy

import pytest

from govern.gates.changes import RuleChanges, describe_changes, gates_digest, loosened
from govern.spec.model import GatesSpec


def _gates(**overrides) -> dict:
    base = GatesSpec.model_validate(
        {
            "metrics": [{"metric": "roc_auc", "min": 0.7}, {"metric": "brier", "max": 0.2}],
            "champion": {"metric": "roc_auc", "margin": 0.01},
            "fairness": [
                {"feature": "sex", "metric": "equalized_odds_difference", "max": 0.15},
                {"feature": "age_band", "metric": "demographic_parity_difference", "max": 0.25},
            ],
            "drift": {"max_drifted_share": 0.5, "must_not_drift": ["tenure_months"], "numerical_method": "wasserstein", "categorical_method": "jensenshannon",
                      "threshold": 0.1},
        }
    ).model_dump(mode="json")
    base.update(overrides)
    return base


def test_equal_rules_and_no_champion_say_nothing():
    assert describe_changes(_gates(), _gates()) == []
    assert describe_changes(None, _gates()) == []


def test_removed_fairness_gate_loosens():
    after = _gates()
    after["fairness"] = after["fairness"][1:]
    assert describe_changes(_gates(), after) == ["fairness gate equalized_odds_difference by sex removed (was max 0.15) (loosens)"]


def test_added_fairness_gate_tightens_and_judge_bound_tightens():
    after = _gates()
    after["fairness"].append({"feature": "region", "metric": "equalized_odds_difference", "max": 0.2, "min": None, "judge": "point"})
    after["fairness"][0]["judge"] = "bound"
    assert describe_changes(_gates(), after) == [
        "fairness gate equalized_odds_difference by region added (max 0.2) (tightens)",
        "fairness gate equalized_odds_difference by sex judge point -> bound (tightens)",
    ]


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda g: g["metrics"][0].update(min=0.65), "metric gate roc_auc min 0.7 -> 0.65 (loosens)"),
        (lambda g: g["metrics"][0].update(min=0.75), "metric gate roc_auc min 0.7 -> 0.75 (tightens)"),
        (lambda g: g["metrics"][1].update(max=0.25), "metric gate brier max 0.2 -> 0.25 (loosens)"),
        (lambda g: g["metrics"].pop(1), "metric gate brier removed (was max 0.2) (loosens)"),
        (lambda g: g["metrics"].append({"metric": "f1", "min": 0.3, "max": None}), "metric gate f1 added (min 0.3) (tightens)"),
        (lambda g: g["fairness"][1].update(max=0.4), "fairness gate demographic_parity_difference by age_band max 0.25 -> 0.4 (loosens)"),
        (lambda g: g["champion"].update(margin=0.05), "champion gate margin 0.01 -> 0.05 (loosens)"),
        (lambda g: g["champion"].update(confidence=0.99), "champion gate confidence 0.95 -> 0.99 (tightens)"),
        (lambda g: g["champion"].update(resamples=2000), "champion gate resamples 1000 -> 2000"),
        (lambda g: g.update(champion=None), "champion gate removed (was roc_auc, margin 0.01) (loosens)"),
        (lambda g: g["drift"].update(threshold=0.3), "drift threshold 0.1 -> 0.3 (loosens)"),
        (lambda g: g["drift"].update(max_drifted_share=0.3), "drift max_drifted_share 0.5 -> 0.3 (tightens)"),
        (lambda g: g["drift"].update(when_unmeasured="fail"), "drift when_unmeasured warn -> fail (tightens)"),
        (lambda g: g["drift"].update(must_not_drift=[]), "drift must_not_drift: tenure_months removed (loosens)"),
        (lambda g: g.update(drift=None), "drift gate removed (was max drifted share 0.5) (loosens)"),
        (lambda g: g["leakage"].update(enabled=False), "leakage check disabled (loosens)"),
        (lambda g: g["leakage"].update(max_univariate_auc=0.99), "leakage max_univariate_auc 0.9 -> 0.99 (loosens)"),
        (lambda g: g["leakage"].update(acknowledged=["tenure_months"]), "leakage acknowledged: tenure_months added (loosens)"),
        (lambda g: g["leakage"].update(max_gain_over_champion=0.05), "leakage max_gain_over_champion none -> 0.05 (tightens)"),
    ],
)
def test_each_kind_of_change_is_one_line_with_its_direction(change, expected):
    after = copy.deepcopy(_gates())
    change(after)
    assert describe_changes(_gates(), after) == [expected]


def test_threshold_direction_follows_the_methods():
    ks = _gates()
    ks["drift"].update(numerical_method="ks", categorical_method="chisquare")
    tighter = copy.deepcopy(ks)
    tighter["drift"]["threshold"] = 0.2
    assert describe_changes(ks, tighter) == ["drift threshold 0.1 -> 0.2 (tightens)"]  # a p-value: drift below it
    unknown = _gates()
    unknown["drift"].update(numerical_method=None)
    moved = copy.deepcopy(unknown)
    moved["drift"]["threshold"] = 0.3
    assert describe_changes(unknown, moved) == ["drift threshold 0.1 -> 0.3"]  # Evidently picks the method by size
    switched = copy.deepcopy(_gates())
    switched["drift"].update(numerical_method="psi", threshold=0.2)
    assert describe_changes(_gates(), switched) == ["drift numerical_method wasserstein -> psi", "drift threshold 0.1 -> 0.2"]


def test_older_records_without_newer_sections_and_fields():
    before = _gates()
    del before["leakage"]
    del before["drift"]["when_unmeasured"]
    assert describe_changes(before, _gates()) == ["drift when_unmeasured none -> warn", "leakage check added (tightens)"]


def test_repeated_gate_on_one_metric_is_kept_apart():
    before = _gates(metrics=[{"metric": "roc_auc", "min": 0.7, "max": None}, {"metric": "roc_auc", "min": None, "max": 0.99}])
    after = _gates(metrics=[{"metric": "roc_auc", "min": 0.7, "max": None}])
    assert describe_changes(before, after) == ["metric gate roc_auc #2 removed (was max 0.99) (loosens)"]


def test_unknown_sections_are_reported_plainly():
    assert describe_changes(_gates(calibration={"max_ece": 0.05}), _gates(calibration={"max_ece": 0.1})) == [
        "gates calibration {'max_ece': 0.05} -> {'max_ece': 0.1}"
    ]


def test_loosened_picks_the_changes_that_let_more_through():
    after = _gates()
    after["fairness"] = after["fairness"][1:]
    after["metrics"][0]["min"] = 0.8
    lines = describe_changes(_gates(), after)
    assert loosened(lines) == ["fairness gate equalized_odds_difference by sex removed (was max 0.15) (loosens)"]
    assert len(lines) == 2


def test_digest_is_of_the_content_not_the_order():
    reordered = dict(reversed(list(_gates().items())))
    assert gates_digest(reordered) == gates_digest(_gates())
    changed = _gates()
    changed["drift"]["threshold"] = 0.3
    assert gates_digest(changed) != gates_digest(_gates()) and len(gates_digest(changed)) == 64


def test_summary_lines_for_the_cli():
    assert RuleChanges("2", None, []).summary() == ["rules: no champion to compare with"]
    assert RuleChanges("2", "1", []).summary() == ["rules: same gates as champion v1"]
    assert RuleChanges("2", "1", ["x (loosens)"]).summary() == ["rules changed since champion v1:", "  x (loosens)"]
    assert RuleChanges("2", "1", [], note="v1's gates are not on record").summary() == ["rules: v1's gates are not on record"]
    assert RuleChanges("2", "1", ["x"]).as_details() == {"rule_changes": ["x"], "rules_compared_with": "1"}
