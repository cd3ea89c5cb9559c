"""The reviewer's approval, proved in a real browser.

A reviewer who only ever uses the MLflow UI reads a version's gate verdict and its
card, sets the approval tags in the version page's tags editor, and the scheduled
``promote-approved`` flow does the rest.  Everything runs for real: the
champion-challenger flow trains ``clv`` (not ``churn``: tests/flows/test_flow.py counts
churn versions from 1 and runs after this module), ``govern.runtime.ui.start_ui`` serves the
MLflow UI on the session project's store, and Debian's Chromium, driven by
Playwright, does the clicking.

MLflow 3.17 UI routes and selectors used here (from the bundled UI):

* version page ``#/models/<name>/versions/<n>``: heading "Version <n>", the description
  in ``[data-testid=note-editor-preview-content]``, the source-run link (an ``<a>``
  whose href is ``#/experiments/<id>/runs/<run_id>``), alias chips
  ``[role=status][title=<alias>]``;
* its tags editor: rows ``tr[data-row-key=<tag>]`` with ``editable-table-button-edit``,
  ``editable-table-edited-input`` and ``editable-table-button-save``; the add form
  ``tags-form-input-name``, ``tags-form-input-value`` and ``add-tag-button`` (test ids).
  The add form refuses a name the version already has ('Tag "x" already exists.'),
  so ``approval.status``, set to ``pending`` at registration, is edited in its row and
  ``approval.reviewer`` is added;
* run page ``#/experiments/<id>/runs/<run_id>``, tab "Artifacts", tree nodes
  ``[data-testid=artifact-tree-node][artifact-name=<file>]``; a selected HTML file is
  previewed in an iframe fetched from ``/get-artifact?path=...&run_uuid=...``.

Screenshots go to ``test-artifacts/`` at the repository root, with the UI's log.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from govern.core import processes
from govern.core.errors import PromotionRefused
from govern.governance import decisions
from govern.stores import registry
from govern.stores.audit.events import APPROVED, PROMOTED, PROMOTION_REFUSED
from govern.stores.audit.log import AuditLog
from tests.conftest import needs_chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# `make screenshots` sets it: the reviewer's steps are also saved there for the documentation (docs/img/ui).
DOC_SCREENSHOTS = os.environ.get("GOVERN_DOC_SCREENSHOTS")
MODEL = "clv"
REVIEWER = "ui-reviewer"
EVIDENCE = ("card.html", "drift.html", "gates.json", "fairness.json")
TIMEOUT_MS = 30_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    needs_chromium,
]


class UI:
    """The MLflow UI, started in the background while the flow trains."""

    def __init__(self, starting):
        self._starting = starting

    @property
    def url(self) -> str:
        return self._starting.result()[1]


@pytest.fixture(scope="module")
def ui(project):
    from govern.runtime.ui import start_ui

    ARTIFACTS.mkdir(exist_ok=True)
    # Create the store's schema here first, so the server and the flow never both migrate a new SQLite file.
    registry.client().search_registered_models(max_results=1)
    pool = ThreadPoolExecutor(max_workers=1)
    starting = pool.submit(start_ui, project, log=ARTIFACTS / "mlflow-ui.log")
    yield UI(starting)
    try:
        process, _ = starting.result()
    except Exception:
        return
    finally:
        pool.shutdown()
    processes.stop(process, grace=30)


@pytest.fixture
def page(browser):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    outside = []

    def refuse(route):
        outside.append(route.request.url)
        route.abort()

    # The UI must work offline: anything but loopback is refused and reported.
    context.route(re.compile(r"^(?!https?://127\.0\.0\.1[:/]|file:|data:|blob:)"), refuse)
    page = context.new_page()
    yield page
    context.close()
    assert not outside, f"the page tried to leave loopback: {outside}"


@pytest.fixture(scope="module")
def log(project):
    return AuditLog(project.database_url)


def train() -> dict:
    from flows.champion_challenger import champion_challenger

    result = champion_challenger(MODEL)
    if result["gates"] != "passed":
        pytest.fail(f"{MODEL} v{result['version']} did not pass its gates: " + "; ".join(result["failures"]))
    assert registry.alias_version(MODEL, registry.CHALLENGER) == result["version"]
    return result


def screenshot(page, name: str, **options) -> None:
    """Into test-artifacts/, and into GOVERN_DOC_SCREENSHOTS when set (the reviewer's guide shows them)."""
    page.screenshot(path=ARTIFACTS / name, **options)
    if DOC_SCREENSHOTS:
        Path(DOC_SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(DOC_SCREENSHOTS) / name, **options)


def open_version(page, url: str, version: str):
    from playwright.sync_api import expect

    page.goto(f"{url}/#/models/{MODEL}/versions/{version}")
    expect(page.get_by_role("heading", name=f"Version {version}")).to_be_visible()
    return page


def tag_value(page, key: str):
    return page.locator(f'tr[data-row-key="{key}"] td').nth(1)


def _saves_tag(response) -> bool:
    return response.request.method == "POST" and "/mlflow/model-versions/set-tag" in response.url


def edit_tag(page, key: str, value: str) -> None:
    """Change an existing tag's value in its row, as a reviewer would."""
    from playwright.sync_api import expect

    row = page.locator(f'tr[data-row-key="{key}"]')
    row.get_by_test_id("editable-table-button-edit").click()
    row.get_by_test_id("editable-table-edited-input").fill(value)
    with page.expect_response(_saves_tag) as saved:
        row.get_by_test_id("editable-table-button-save").click()
    assert saved.value.ok, f"setting {key} answered {saved.value.status}"
    expect(tag_value(page, key)).to_have_text(value)


def add_tag(page, key: str, value: str) -> None:
    """Add a new tag with the form under the tags table."""
    from playwright.sync_api import expect

    page.get_by_test_id("tags-form-input-name").fill(key)
    page.get_by_test_id("tags-form-input-value").fill(value)
    with page.expect_response(_saves_tag) as saved:
        page.get_by_test_id("add-tag-button").click()
    assert saved.value.ok, f"adding {key} answered {saved.value.status}"
    expect(tag_value(page, key)).to_have_text(value)


def check_evidence_reachable(page, url: str, version: str, run_id: str) -> None:
    """From the version page: its description names the evidence, its source-run link
    leads to the run, whose artifact browser lists the evidence and previews the card."""
    from playwright.sync_api import expect

    description = page.get_by_test_id("note-editor-preview-content")
    expect(description).to_contain_text("Gates passed")
    expect(description).to_contain_text("card.html, drift.html, fairness.json, gates.json")
    source_run = page.locator(f'a[href*="/runs/{run_id}"]').first
    expect(source_run).to_have_text(re.compile(r"^challenger-"))
    source_run.click()
    expect(page).to_have_url(re.compile(rf"#/experiments/\d+/runs/{run_id}$"))
    page.get_by_role("tab", name="Artifacts").click()

    def node(name: str):
        return page.locator(f'[data-testid="artifact-tree-node"][artifact-name="{name}"]')

    node("evidence").click()
    for name in EVIDENCE:
        expect(node(name)).to_be_visible()
    with page.expect_response(lambda r: "/get-artifact" in r.url and "card.html" in r.url) as served:
        node("card.html").click()
    assert served.value.ok
    expect(page.frame_locator("iframe").first.get_by_role("heading", name=f"Model card: {MODEL} v{version}")).to_be_visible()
    screenshot(page, "run-artifacts.png")
    # The endpoint the preview used serves the card itself.
    card = page.request.get(f"{url}/get-artifact", params={"path": "evidence/card.html", "run_uuid": run_id})
    assert card.ok and f"Model card: {MODEL} v{version}" in card.text()


def test_approval_set_in_the_ui_is_promoted_by_the_scheduled_flow(project, ui, page, log):
    from playwright.sync_api import expect

    from flows.watch import promote_approved

    trained = train()
    version, run_id = trained["version"], trained["run_id"]
    before = registry.alias_version(MODEL, registry.CHAMPION)

    open_version(page, ui.url, version)
    expect(tag_value(page, registry.GATE_STATUS)).to_have_text("passed")
    expect(tag_value(page, registry.APPROVAL_STATUS)).to_have_text("pending")
    screenshot(page, "version-pending.png", full_page=True)
    check_evidence_reachable(page, ui.url, version, run_id)

    open_version(page, ui.url, version)
    # The add form refuses a tag the version already has: approval.status is edited in its row.
    page.get_by_test_id("tags-form-input-name").fill(registry.APPROVAL_STATUS)
    page.get_by_test_id("add-tag-button").click()
    expect(page.get_by_text(f'Tag "{registry.APPROVAL_STATUS}" already exists.')).to_be_visible()
    edit_tag(page, registry.APPROVAL_STATUS, "approved")
    add_tag(page, registry.APPROVAL_REVIEWER, REVIEWER)
    screenshot(page, "version-approved.png", full_page=True)

    state = registry.VersionState.read(MODEL, version)
    assert (state.approval_status, state.reviewer, state.gate_status) == ("approved", REVIEWER, "passed")
    assert registry.alias_version(MODEL, registry.CHAMPION) == before, "nothing moves before the scheduled flow runs"

    promoted = promote_approved()
    assert {"model": MODEL, "version": version, "previous": before} in promoted
    assert registry.alias_version(MODEL, registry.CHAMPION) == version
    assert registry.alias_version(MODEL, registry.CHALLENGER) is None

    report = decisions.audit_model(log, MODEL)
    assert report.ok, report.problems
    mine = [e for e in report.events if e.version == version]
    approval = next(e for e in mine if e.action == APPROVED)
    assert approval.actor == REVIEWER and approval.details["source"] == "registry tags (MLflow UI)"
    promotion = next(e for e in mine if e.action == PROMOTED)
    assert promotion.seq > approval.seq and promotion.actor == "govern watch"
    assert promotion.details["reviewer"] == REVIEWER
    assert report.history[-1]["version"] == version

    page.reload()  # same URL: goto() would be a no-op hash navigation, and the page caches the aliases
    expect(page.get_by_role("heading", name=f"Version {version}")).to_be_visible()
    expect(page.locator(f'[role="status"][title="{registry.CHAMPION}"]')).to_be_visible()
    expect(tag_value(page, registry.APPROVAL_STATUS)).to_have_text("approved")
    screenshot(page, "version-page.png", full_page=True)

    card = project.cards_dir / MODEL / f"v{version}" / "card.html"
    page.goto(card.as_uri())
    expect(page.get_by_role("heading", name=f"Model card: {MODEL} v{version}")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "card.png", full_page=True)


def test_rejection_set_in_the_ui_leaves_the_champion(project, ui, page, log):
    from playwright.sync_api import expect

    from flows.watch import promote_approved

    champion = registry.alias_version(MODEL, registry.CHAMPION)
    trained = train()
    version = trained["version"]
    assert trained["champion"] == champion

    open_version(page, ui.url, version)
    expect(tag_value(page, registry.APPROVAL_STATUS)).to_have_text("pending")
    edit_tag(page, registry.APPROVAL_STATUS, "rejected")
    add_tag(page, registry.APPROVAL_REVIEWER, REVIEWER)
    screenshot(page, "version-page-rejected.png", full_page=True)

    state = registry.VersionState.read(MODEL, version)
    assert (state.approval_status, state.reviewer) == ("rejected", REVIEWER)

    promoted = promote_approved()
    assert not [p for p in promoted if p["model"] == MODEL]
    assert registry.alias_version(MODEL, registry.CHAMPION) == champion
    assert registry.alias_version(MODEL, registry.CHALLENGER) == version

    with pytest.raises(PromotionRefused, match=re.escape("is not approved (approval.status=rejected)")):
        decisions.promote(log, MODEL, version, actor="tester")
    assert registry.alias_version(MODEL, registry.CHAMPION) == champion
    report = decisions.audit_model(log, MODEL)
    assert report.ok, report.problems
    assert report.events[-1].action == PROMOTION_REFUSED and report.events[-1].version == version
