"""The card as a PDF a compliance reader can file, with the same pictures as card.html.

fpdf2 renders the card's HTML body (its own HTML subset: headings, paragraphs, lists,
tables, images); the text is set in DejaVu Sans, which matplotlib ships, so any
character the card holds prints and nothing is fetched.  The PDF is written next to
``card.md`` and logged to the version's run under ``review/``, outside ``evidence/``,
whose digest a later upload would break.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import VAlign
from fpdf.html import HTML2FPDF

from govern.card import plots
from govern.card import render as cards
from govern.evidence.record import Record

REVIEW_DIR = "review"
FONT = "DejaVu"
_FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf", "BI": "DejaVuSans-BoldOblique.ttf"}
_CELL = re.compile(r"(<t[dh](?:\s[^>]*)?>)(.*?)(</t[dh]>)", re.S)
_IMG = re.compile(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)">')
_TABLE = re.compile(r"<table>(.*?)</table>", re.S)
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)


class CardHTML(HTML2FPDF):
    """fpdf2's HTML reader with every table cell set at the top of its row: centred, a
    one-line gate name sat beside the middle of a long detail, and the detail's first
    lines read as belonging to the row above."""

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        if tag == "table" and self.table is not None:
            self.table._v_align = VAlign.T  # fpdf2 takes no vertical alignment from HTML


class CardPDF(FPDF):
    HTML2FPDF_CLASS = CardHTML


def _fonts(pdf: FPDF) -> None:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for style, file in _FONTS.items():
        pdf.add_font(FONT, style=style, fname=str(folder / file))
    pdf.add_font("DejaVuMono", fname=str(folder / "DejaVuSansMono.ttf"))


def _printable(body: str) -> list[str | bytes]:
    """The body cut at each picture: HTML pieces and the PNG bytes between them."""
    pieces: list[str | bytes] = []
    last = 0
    for match in _IMG.finditer(body):
        pieces.append(body[last:match.start()])
        pieces.append(base64.b64decode(match.group(2)))
        last = match.end()
    pieces.append(body[last:])
    return pieces


def _column_chars(texts: list[str]) -> tuple[int, int]:
    """A column's need in characters: its longest word (never broken) and its longest text."""
    words = max((len(w) for t in texts for w in t.split()), default=1)
    return min(max(words, 3), 20) + 3, min(max(max(len(t) for t in texts), 3), 80) + 3


def _widths(table: str, budget: int = 105) -> str:
    """Column widths set on the header cells: each column gets its longest word, and what
    is left of a line of about ``budget`` characters goes to the columns with longer text,
    so a long detail is not squeezed into a column as narrow as a status."""
    rows = [[re.sub(r"<[^>]+>", "", cell[1]) for cell in _CELL.findall(row)] for row in _ROW.findall(table)]
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        return table
    needs = [_column_chars([r[i] for r in rows]) for i in range(len(rows[0]))]
    floor, spare = sum(n[0] for n in needs), sum(n[1] - n[0] for n in needs)
    left = max(budget - floor, 0)
    chars = [low + (high - low) * min(1.0, left / spare if spare else 0.0) for low, high in needs]
    header = iter(f"{100 * c / sum(chars):.1f}" for c in chars)
    first = _ROW.search(table)
    assert first is not None
    widened = re.sub(r"<(t[dh])(\s[^>]*)?>", lambda m: f'<{m.group(1)}{m.group(2) or ""} width="{next(header)}%">', first.group(0))
    return table[:first.start()] + widened + table[first.end():]


def _simplify(html: str) -> str:
    """Markup fpdf2's HTML subset does not take, turned into plain equivalents."""
    html = re.sub(r"</?(figure|figcaption)>", "", html)
    html = _CELL.sub(lambda m: m.group(1) + re.sub(r"<[^>]+>", "", m.group(2)) + m.group(3), html)
    html = _TABLE.sub(lambda m: "<table>" + _widths(m.group(1)) + "</table>", html)
    return html.replace("<hr />", "<br>")


def render_pdf(record: Record, card_md: str, pictures: dict | None = None) -> bytes:
    """The PDF of the card from its Markdown and the record's pictures (drawn here
    unless the caller already has them)."""
    pdf = CardPDF(format="A4")
    pdf.set_title(cards.card_title(record))
    pdf.set_creator("govern")
    _fonts(pdf)
    pdf.set_font(FONT, size=9)
    pdf.add_page()
    body = cards.render_body(card_md, plots.pictures(record) if pictures is None else pictures)
    width = pdf.epw
    for piece in _printable(body):
        if isinstance(piece, bytes):
            pixels = int.from_bytes(piece[16:20], "big")  # the PNG header's width
            pdf.image(io.BytesIO(piece), w=min(width, pixels / plots.DPI * 25.4 * 0.7))
            pdf.ln(2)
        elif piece.strip():
            pdf.write_html(_simplify(piece), pre_code_font="DejaVuMono", font_family=FONT)
    return bytes(pdf.output())


def write_pdf(record: Record, card_md: str, out_dir: Path, pictures: dict | None = None) -> Path:
    """Write ``card.pdf`` into ``out_dir`` (beside card.md and card.html)."""
    path = Path(out_dir) / "card.pdf"
    path.write_bytes(render_pdf(record, card_md, pictures))
    return path


def file_pdf(name: str, version: str, card_md: Path) -> tuple[Path, str]:
    """The PDF of a version's card, written beside ``card_md`` (as just re-rendered by
    ``govern card``) and logged to the version's run under ``review/``; returns the file
    and the artifact path."""
    from govern.core.errors import GovernError
    from govern.stores import registry

    state = registry.VersionState.read(name, version)
    record = registry.read_record(name, state.version)
    if record is None:
        raise GovernError(f"{name} v{state.version} has no {registry.EVIDENCE_DIR}/record.json logged to its run")
    path = write_pdf(record, Path(card_md).read_text(), Path(card_md).parent)
    run_id = registry.get_version(name, state.version).run_id
    registry.client().log_artifact(run_id, str(path), REVIEW_DIR)
    return path, f"{REVIEW_DIR}/{path.name}"
