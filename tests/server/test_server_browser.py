"""Separation of duties seen in the browser, against the real team server.

Debian's Chromium, driven by Playwright with HTTP credentials, opens MLflow's own UI
served by ``govern server``'s app: the author edits ``approval.status`` on the version
page and sees the server's refusal with the row unchanged; a reviewer approves and,
after a reload, ``approval.reviewer`` shows their login name though they never typed
it; then promotion as the platform's service user moves ``champion`` and the audit
trail names both people.  Selectors as in tests/governance/test_browser.py (MLflow 3.17's UI).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import needs_chromium
from tests.team_story import PASSWORDS, team_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MODEL = "churn-team-ui"
TIMEOUT_MS = 30_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.integration,
    needs_chromium,
]


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    with team_server(tmp_path_factory.mktemp("team-ui"), "govern_ui") as running:
        yield running


def _page(browser, user: str):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, http_credentials={"username": user, "password": PASSWORDS[user]})
    context.set_default_timeout(TIMEOUT_MS)
    context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]|file:|data:|blob:)"), lambda route: route.abort())
    return context, context.new_page()


def _open(page, url: str, version: str):
    from playwright.sync_api import expect

    page.goto(f"{url}/#/models/{MODEL}/versions/{version}")
    expect(page.get_by_role("heading", name=f"Version {version}")).to_be_visible()


def _cell(page, key: str):
    return page.locator(f'tr[data-row-key="{key}"] td').nth(1)


def _edit_status(page, value: str):
    row = page.locator('tr[data-row-key="approval.status"]')
    row.get_by_test_id("editable-table-button-edit").click()
    row.get_by_test_id("editable-table-edited-input").fill(value)
    with page.expect_response(lambda r: r.request.method == "POST" and "/mlflow/model-versions/set-tag" in r.url) as saved:
        row.get_by_test_id("editable-table-button-save").click()
    return saved.value


def test_author_is_refused_in_the_ui_reviewer_is_stamped_and_promotion_names_both(team, browser):
    from playwright.sync_api import expect

    from govern.governance import decisions
    from govern.stores import registry
    from govern.stores.audit.events import APPROVED, PROMOTED
    from govern.stores.audit.log import AuditLog

    ARTIFACTS.mkdir(exist_ok=True)
    version = team.register(MODEL, "ana")

    context, page = _page(browser, "ana")
    _open(page, team.url, version)
    expect(_cell(page, "approval.status")).to_have_text("pending")
    refused = _edit_status(page, "approved")
    assert refused.status == 403
    expect(page.get_by_text(re.compile("ana is not in the role")).first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "team-author-refused.png", full_page=True)
    page.reload()
    expect(page.get_by_role("heading", name=f"Version {version}")).to_be_visible()
    expect(_cell(page, "approval.status")).to_have_text("pending")
    context.close()

    context, page = _page(browser, "bo")
    _open(page, team.url, version)
    assert _edit_status(page, "approved").status == 200
    page.reload()
    expect(page.get_by_role("heading", name=f"Version {version}")).to_be_visible()
    expect(_cell(page, "approval.status")).to_have_text("approved")
    expect(_cell(page, "approval.reviewer")).to_have_text("bo")
    page.screenshot(path=ARTIFACTS / "team-reviewer-stamped.png", full_page=True)
    context.close()

    with AuditLog(team.state_db) as log, team.as_user("govern-service"):
        promoted = decisions.promote_approved(log, [MODEL])
        assert [(p.version, p.approval) for p in promoted] == [(version, "verified")]
        assert registry.alias_version(MODEL, registry.CHAMPION) == version
        report = decisions.audit_model(log, MODEL)
    assert report.ok, report.problems
    mine = [e for e in report.events if e.version == version]
    approval = next(e for e in mine if e.action == APPROVED)
    promotion = next(e for e in mine if e.action == PROMOTED)
    assert approval.actor == "bo" and approval.details["source"] == "mlflow-server"
    assert promotion.actor == "govern-service" and promotion.details["reviewer"] == "bo" and promotion.details["approval"] == "verified"
    registered = [e for e in mine if e.details.get("request") == "CreateModelVersion"]
    # The pipeline registers; the data scientist who asked is the author on record.
    assert {e.actor for e in registered} == {"govern-pipeline"} and {e.details.get("requested_by") for e in registered} == {"ana"}
