"""A generated card.html opened in Debian's Chromium (driven by Playwright, no browser
downloaded): every picture is present, decoded and laid out with a non-zero size, and
a screenshot of the whole card goes to ``test-artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.card.test_card_pdf import BINARY_PICTURES
from tests.card_story import reviewed_card
from tests.conftest import needs_chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    needs_chromium,
]


def test_card_html_shows_every_picture_in_a_browser(project, browser):
    card = reviewed_card(project.root)["card_dir"] / "card.html"
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort())
        page.goto(card.as_uri())
        figures = page.eval_on_selector_all(
            "figure img, svg",
            "els => els.map(e => ({alt: e.getAttribute('alt'), w: e.getBoundingClientRect().width, h: e.getBoundingClientRect().height,"
            " natural: e.naturalWidth || 0}))",
        )
        page.screenshot(path=str(ARTIFACTS / "card.png"), full_page=True)
    finally:
        page.close()
    assert len(figures) == len(BINARY_PICTURES)
    assert all(f["w"] > 100 and f["h"] > 100 and f["natural"] > 0 for f in figures), figures
    assert (ARTIFACTS / "card.png").stat().st_size > 50_000
