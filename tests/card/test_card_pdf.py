"""The card a compliance reader files: ``govern card <model> <version> --pdf``.

A real challenger judged against a real champion; the PDF is read back with pypdf, its
pictures counted, and the run's evidence digest checked unchanged after the PDF is
logged (it goes under ``review/``, not ``evidence/``).
"""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from govern.cli import app
from govern.stores import registry
from tests.card_story import MODEL, reviewed_card

pytestmark = pytest.mark.integration

BINARY_PICTURES = ("importance", "importance_by_group", "roc", "calibration", "gain", "groups", "drift")


@pytest.fixture(scope="module")
def story(project):
    return reviewed_card(project.root)


def test_the_card_shows_both_models_the_baseline_and_every_picture(story):
    record = json.loads((story["card_dir"] / "record.json").read_text())
    assert record["champion"]["version"] == story["first"]["version"]
    assert set(record["curves"]["models"]) == {"challenger", "champion", "baseline"}
    assert set(record["explanations"]["overall"]) == {"challenger", "champion"}
    assert record["baseline"]["fitted"] and record["baseline"]["comparison"]["rows"] == record["split"]["holdout"]["rows"]
    assert record["tuning"]["refit_iterations"] >= 10 and record["software"]["catboost"]
    md = (story["card_dir"] / "card.md").read_text()
    assert "| Baseline (logistic regression) |" in md and f"| Champion v{story['first']['version']} |" in md
    assert "n/a" not in md.split("## Metrics")[1].split("The challenger against")[0]  # every metric has its interval
    html = (story["card_dir"] / "card.html").read_text()
    assert html.count('<img alt="') == len(BINARY_PICTURES) and "picture:" not in html


def test_card_pdf_opens_with_its_pictures_and_leaves_the_evidence_digest_alone(story):
    version = story["second"]["version"]
    before = registry.recorded_evidence_digest(MODEL, version)
    result = CliRunner().invoke(app, ["card", MODEL, version, "--pdf", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["pdf_artifact"] == "review/card.pdf"
    reader = PdfReader(out["pdf"])
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Model card: churn_card v" in text and "Baseline (logistic" in text and "How to use" in text
    assert sum(len(page.images) for page in reader.pages) == len(BINARY_PICTURES)
    run_id = registry.get_version(MODEL, version).run_id
    assert [a.path for a in registry.client().list_artifacts(run_id, "review")] == ["review/card.pdf"]
    assert registry.recorded_evidence_digest(MODEL, version) == before == registry.get_version(MODEL, version).tags[registry.EVIDENCE_DIGEST]
