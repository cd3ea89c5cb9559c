"""Outcomes as they mature: joined to earlier predictions, idempotent, strays reported."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from govern.live import outcomes
from tests import live_story

NAME = "live_outcomes"


@pytest.fixture(scope="module")
def scored(project):
    live_story.install_spec(project.root, NAME)
    live_story.champion_and_challenger(project, NAME)
    from govern.spec.model import load_spec

    spec = load_spec(NAME, project.models_dir)
    campaign, log, _ = live_story.run_campaign(project, spec, offer_effect=0.3, days=3, rows=300, start=date(2026, 8, 1))
    return spec, campaign, log


def test_reingesting_changes_nothing_and_provisional_outcomes_mature(scored):
    spec, campaign, log = scored
    early = campaign.labels(date(2026, 8, 20))  # windows not passed: churns seen so far only
    first = outcomes.ingest(log, spec, early)
    assert first.stored == len(early) > 0 and first.matured == 0 and first.provisional == first.stored
    again = outcomes.ingest(log, spec, early)
    assert (again.stored, again.updated, again.unchanged) == (0, 0, len(early))
    late = campaign.labels(date(2026, 9, 30))  # every window passed
    final = outcomes.ingest(log, spec, late)
    assert final.matured == len(late) and final.updated == first.stored and final.stored == len(late) - first.stored
    stored = log.outcomes(NAME)
    assert len(stored) == 900 and stored["matured"].astype(bool).all()
    assert outcomes.ingest(log, spec, early).unchanged == len(early)  # an older provisional file cannot undo a matured outcome
    assert log.outcomes(NAME)["matured"].astype(bool).all()


def test_unknown_ids_and_outcomes_before_their_prediction_are_reported_not_stored(scored):
    spec, campaign, log = scored
    before = len(log.outcomes(NAME))
    known = log.predictions(NAME, role="champion")["customer_id"].iloc[0]
    labels = pd.DataFrame({"customer_id": ["NOBODY1", "NOBODY2", known], "churned": [1, 0, 1],
                           "outcome_date": ["2026-09-01", "2026-09-01", "2026-07-01"]})
    result = outcomes.ingest(log, spec, labels)
    assert (result.unknown_ids, result.before_prediction, result.stored, result.updated) == (2, 1, 0, 0)
    assert result.examples["unknown_ids"] == ["NOBODY1", "NOBODY2"] and result.examples["before_prediction"] == [known]
    assert len(log.outcomes(NAME)) == before


@pytest.mark.parametrize("labels, words", [
    (pd.DataFrame({"customer_id": ["a"], "churned": [1]}), "outcome_date"),
    (pd.DataFrame({"customer_id": ["a"], "churned": [1], "outcome_date": ["not a date"]}), "unreadable dates"),
    (pd.DataFrame({"customer_id": ["a", "a"], "churned": [1, 0], "outcome_date": ["2026-09-01"] * 2}), "conflicting"),
])
def test_bad_labels_are_one_line(scored, labels, words):
    from govern.core.errors import GovernError

    spec, _, log = scored
    with pytest.raises(GovernError, match=words):
        outcomes.ingest(log, spec, labels)


@pytest.mark.integration
def test_cli_outcomes_and_experiment(scored, tmp_path):
    import json

    from typer.testing import CliRunner

    from govern.cli import app

    spec, campaign, _ = scored
    labels = tmp_path / "labels.parquet"
    campaign.labels(date(2026, 9, 30)).to_parquet(labels, index=False)
    result = CliRunner().invoke(app, ["outcomes", NAME, "--labels", str(labels), "--no-report", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ingest"]["rows"] == 900
    result = CliRunner().invoke(app, ["experiment", NAME, "--today", "2026-09-30"])
    assert result.exit_code == 0, result.output
    assert "lift among targeted" in result.output and "experiment.html" in result.output
    for args, words in ((["outcomes", NAME, "--labels", str(tmp_path / "none.csv")], "not found"),
                        (["experiment", "churn"], "no experiment section"),
                        (["score", "nosuchmodel", "--data", str(labels)], "unknown model"),
                        (["experiment", NAME, "--today", "soon"], "not a date")):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2 and words in result.output and len(result.output.strip().splitlines()) == 1, (args, result.output)
