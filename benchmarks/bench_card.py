"""What a card costs to render from its record: Markdown, HTML with its pictures, PDF.

Reads every ``model_cards/<model>/v<N>/record.json`` of a project (after ``make demo``,
the demo's churn and CLV versions) and renders each card three ways, best of three.
The reference is Jinja alone rendering the same template, the floor of any card.

    .venv/bin/python benchmarks/bench_card.py [PROJECT_ROOT]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from govern.card import pdf, plots
from govern.card import render as cards
from govern.evidence.record import read_record_file


def _best(call, repeat: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - start)
    return min(times), out


def bench(record_file: Path) -> None:
    record = read_record_file(record_file)
    md_s, md = _best(lambda: cards.render_markdown(record))
    pictures_s, pictures = _best(lambda: plots.pictures(record))
    html_s, html = _best(lambda: cards.render_html(md, cards.card_title(record), pictures))
    pdf_s, document = _best(lambda: pdf.render_pdf(record, md, pictures))
    print(
        f"{record.model} v{record.version}: markdown {md_s * 1000:.0f} ms ({len(md) / 1024:.0f} KB); "
        f"{len(pictures)} pictures {pictures_s:.2f} s; html {(pictures_s + html_s):.2f} s with pictures ({len(html) / 1024:.0f} KB); "
        f"pdf {pdf_s:.2f} s from drawn pictures, {(pictures_s + pdf_s):.2f} s in all ({len(document) / 1024:.0f} KB)"
    )


def main(root: Path) -> None:
    found = sorted((root / "model_cards").glob("*/v*/record.json"))
    if not found:
        sys.exit(f"no model_cards/*/v*/record.json under {root}: run `make demo` (or give a project root)")
    for record_file in found:
        bench(record_file)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
