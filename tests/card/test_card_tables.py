"""Every table of a binary and a regression card keeps its columns in Markdown, HTML and
PDF, whatever its cells hold (a leakage bound reads ``|rank correlation| <= 0.9``), and
the PDF sets each row's cells at the row's top, so a detail sits beside its gate."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from fpdf.enums import VAlign
from pypdf import PdfReader

from govern.card import pdf, render
from govern.evidence.verdict import GateResult
from tests.card_records import binary_record, regression_record

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
GOVERNANCE = {
    "approval_status": "approved", "reviewer": "a|b", "live": ["v2 | held: 1 of 3 days"],
    "monitoring": {"status": "failed", "headline": "failed on 2026-03-20: 1 of 8 checks failed (a | b)", "failures": ["x | y"]},
    "previous_rules": {"against": "1", "status": "failed", "lines": ["metric gate roc_auc min 0.9 -> 0.7 (loosens)"], "note": ""},
}


def _records():
    """The two recorded cards, each with a gate whose name and detail hold pipes too."""
    out = []
    for record in (binary_record(), regression_record()):
        piped = GateResult("x | y", "metric", "passed", 0.5, ">= |0.1|", "a | b | c")
        record.gates = record.gates.model_copy(update={"results": [*record.gates.results, piped]})
        out.append(record)
    return out


RECORDS = pytest.mark.parametrize("record", _records(), ids=["binary", "regression"])


def _markdown_tables(md: str) -> list[list[str]]:
    tables, current = [], []
    for line in md.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    return tables + ([current] if current else [])


class _Tables(HTMLParser):
    """Cells per row of every <table>, with each cell's text."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@RECORDS
def test_every_markdown_and_html_table_keeps_its_columns(record):
    md = render.render_markdown(record, GOVERNANCE)
    tables = _markdown_tables(md)
    assert len(tables) >= 8
    for table in tables:
        widths = {len(UNESCAPED_PIPE.findall(row)) for row in table}
        assert len(widths) == 1, table
    parser = _Tables()
    parser.feed(render.render_body(md))
    assert len(parser.tables) == len(tables)
    for table in parser.tables:
        assert len({len(row) for row in table}) == 1, table
    governance = next(t for t in parser.tables if t[0][:2] == ["Gate", "Kind"])
    rows = {row[0]: row for row in governance[1:]}
    assert rows["x | y"][4] == ">= |0.1|" and rows["x | y"][6] == "a | b | c"
    if record.task == "regression":
        assert rows["leakage"][4].startswith("|rank correlation| <= 0.9")
    header = next(t for t in parser.tables if t[0][0] == "Model")
    assert ["Live gate", "holds: v2 | held: 1 of 3 days"] in header


class _Capturing(pdf.CardHTML):
    tables: list = []

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        if tag == "table":
            _Capturing.tables.append(self.table)


def _chunks(page) -> list[tuple[float, float, str]]:
    parts: list[tuple[float, float, str]] = []
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: parts.append((round(tm[4], 1), round(tm[5], 1), text.strip())) if text.strip() else None)
    return parts


@RECORDS
def test_every_pdf_table_keeps_its_columns_and_its_rows_aligned(record, monkeypatch):
    monkeypatch.setattr(pdf.CardPDF, "HTML2FPDF_CLASS", _Capturing)
    _Capturing.tables = []
    md = render.render_markdown(record, GOVERNANCE)
    data = pdf.render_pdf(record, md, pictures={})
    assert len(_Capturing.tables) == len(_markdown_tables(md))
    for table in _Capturing.tables:
        assert table._v_align == VAlign.T
        columns = {sum(cell.colspan for cell in row.cells) for row in table.rows}
        assert len(columns) == 1

    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "a | b | c" in text
    if record.task == "regression":
        assert "|rank\ncorrelation|" in text or "|rank correlation|" in text
    page = next(p for p in reader.pages if "Governance record" in p.extract_text())
    chunks = _chunks(page)
    gate_x, top = next((x, y) for x, y, t in chunks if t == "Governance record")
    header = next(y for x, y, t in chunks if t == "Gate" and y < top)
    first_row = max(y for x, y, t in chunks if x == gate_x and y < header)
    columns = sorted(x for x, y, t in chunks if y == first_row)
    assert len(columns) == 7
    observed_x, detail_x = columns[3], columns[6]
    row_tops = [y for x, y, t in chunks if x == observed_x and y < header]  # one number a row, never wrapped
    assert len(row_tops) >= 2
    for y in row_tops:  # the observed value, the gate's name and the detail's first line on one line
        assert any(x == gate_x and yy == y for x, yy, t in chunks), y
        assert any(x == detail_x and yy == y for x, yy, t in chunks), y
