"""The regulatory crosswalk cannot drift from the card: every section of the card template,
every audit action and every record field it names has a row, and a spec's
card.frameworks puts the crosswalk and its mapping version into the record and the card."""

from __future__ import annotations

import json

import pytest

from govern.card import frameworks as fw
from govern.card.render import render_markdown
from govern.evidence.record import Record, parse_record
from govern.spec.model import CARD_FRAMEWORKS, parse_spec
from govern.stores.audit import events
from tests.card_records import binary_record, regression_record


def test_every_card_section_has_a_crosswalk_row():
    headings = fw.template_headings()
    assert {"Metrics", "Governance record", "Regulatory crosswalk", "By FEATURE"} <= set(headings)
    missing = [h for h in headings if h not in fw.CARD_SECTIONS]
    assert missing == [], f"card sections without a crosswalk row in govern/card/frameworks.py: {missing}"
    stale = [row for row in fw.CARD_SECTIONS if row not in headings]
    assert stale == [], f"crosswalk rows for sections the card no longer has: {stale}"


def test_every_row_cites_known_provisions_of_both_frameworks():
    for table in (fw.CARD_SECTIONS, fw.RECORD_FIELDS, fw.AUDIT_EVENTS):
        for row in table.values():
            assert row.eu_ai_act and row.us_interagency_2026, row.what
            for key in CARD_FRAMEWORKS:
                assert len(row.cites(key)) == len(getattr(row, key))
    cited = {k for table in (fw.CARD_SECTIONS, fw.RECORD_FIELDS, fw.AUDIT_EVENTS) for row in table.values() for k in row.eu_ai_act}
    assert {"art11", "art12", "art14", "art19", "art26_6", "art72", "art73"} <= cited


def test_every_audit_action_and_record_field_named_exists():
    from govern.server import audit as server_audit

    actions = {v for k, v in vars(events).items() if k.isupper() and isinstance(v, str) and ("." in v or v in {"promotion", "rollback", "monitoring"})}
    actions = {a for a in actions if a not in {events.AUDIT_KEY_ENV, events.MAC_SCHEME}} | {server_audit.WRITE, server_audit.REFUSED}
    named = {a.strip() for key in fw.AUDIT_EVENTS for a in key.split("/")}
    assert actions <= named, actions - named
    fields = {f.strip() for key in fw.RECORD_FIELDS for f in key.split(",")}
    assert fields <= set(Record.model_fields), fields - set(Record.model_fields)


def test_the_spec_names_the_frameworks_the_mapping_has():
    assert set(CARD_FRAMEWORKS) == set(fw.FRAMEWORKS)
    with pytest.raises(ValueError, match="unknown"):
        fw.crosswalk(["sr_11_7"])


def _spec(**card) -> dict:
    return {"name": "m", "task": "binary", "primary_metric": "roc_auc",
            "data": {"source": "d.parquet", "target": "y", "id_column": "id"},
            "card": {"owner": "o", "intended_use": "u", "retraining_cadence": "c", **card}}


def test_card_frameworks_in_the_spec():
    spec = parse_spec(_spec(frameworks=["eu_ai_act", "us_interagency_2026"]))
    assert spec.card.frameworks == ["eu_ai_act", "us_interagency_2026"]
    assert "frameworks" not in parse_spec(_spec()).model_dump(mode="json")["card"], "left out when empty: older specs keep their digest"
    with pytest.raises(Exception, match="card.frameworks"):
        parse_spec(_spec(frameworks=["sr_11_7"]))


@pytest.mark.parametrize("record", [binary_record, regression_record], ids=["binary", "regression"])
def test_the_card_carries_the_crosswalk_and_the_record_its_version(record):
    plain = record()
    assert plain.crosswalk is None and "crosswalk" not in json.loads(plain.model_dump_json())
    assert "## Regulatory crosswalk" not in render_markdown(plain)

    block = fw.crosswalk(["eu_ai_act", "us_interagency_2026"])
    recorded = parse_record(plain.model_copy(update={"crosswalk": block}).model_dump_json(), "record.json")
    assert recorded.crosswalk["version"] == fw.MAPPING_VERSION
    card = render_markdown(recorded)
    section = card.split("## Regulatory crosswalk", 1)[1]
    assert f"mapping version {fw.MAPPING_VERSION}" in section
    for row in fw.CARD_SECTIONS.values():
        assert f"| {row.what} | {'; '.join(row.cites('eu_ai_act'))} | {'; '.join(row.cites('us_interagency_2026'))} |" in section
    assert "Art. 73: reporting a serious incident within 15 days" in section, "what the card cannot show is said"

    only_eu = render_markdown(plain.model_copy(update={"crosswalk": fw.crosswalk(["eu_ai_act"])}))
    assert "| Section | eu_ai_act |\n" in only_eu and "us_interagency_2026" not in only_eu.split("## Regulatory crosswalk", 1)[1]
