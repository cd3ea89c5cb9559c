"""Model cards, rendered from what was recorded, never from memory.

The sections follow "Model Cards for Model Reporting" (Mitchell et al.) with
plain-language uses and risks in the manner of Hugging Face's template, plus the
governance record an auditor needs: gates, approval, lineage, drift, cadence.
Every metric is given with its bootstrap interval.
"""

from __future__ import annotations

import html as html_text
import re
from pathlib import Path

import markdown
from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic import BaseModel

from govern.card import plots
from govern.evidence.record import Record
from govern.spec.model import CLASSIFICATION_METRICS, REGRESSION_METRICS

_PIPE = re.compile(r"(?<!\\)\|")


def _escaped(value):
    """Every value the template prints has its ``|`` escaped, so text such as
    ``|rank correlation| <= 0.9`` stays one cell of a Markdown table (``\\|`` reads as
    ``|`` in the HTML and PDF, and outside tables too)."""
    return _PIPE.sub(r"\\|", value) if isinstance(value, str) else value


_env = Environment(loader=PackageLoader("govern.card", "templates"), undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=True, finalize=_escaped)


def _fmt(value, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _pct1(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _ci(block, name: str, values: str | None = None) -> str:
    """A value with its interval, e.g. ``0.312 [0.281, 0.344]``; ``values`` names the
    sub-dict holding the value when it is not on ``block`` itself."""
    block = block.model_dump() if isinstance(block, BaseModel) else block
    value = (block.get(values) or {}).get(name) if values else block.get(name)
    interval = (block.get("intervals") or {}).get(name)
    text = _fmt(value, 3)
    if value is not None and interval and None not in interval:
        text += f" [{_fmt(interval[0], 3)}, {_fmt(interval[1], 3)}]"
    return text


_env.filters["fmt"] = _fmt
_env.filters["ci"] = _ci
_env.filters["pct"] = _pct
_env.filters["pct1"] = _pct1


def _in_order(metrics: dict | None) -> list[str]:
    """Metric names in the platform's fixed order, whatever order a stored record has."""
    names = list(metrics or {})
    order = [m for m in (*CLASSIFICATION_METRICS, *REGRESSION_METRICS) if m in names]
    return order + [m for m in names if m not in order]


_env.filters["in_order"] = _in_order
PICTURE_MARK = re.compile(r"<!-- picture:([a-z_]+) -->")

_HTML_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1b1f24; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }}
th, td {{ border: 1px solid #c9d1d9; padding: 0.25rem 0.6rem; text-align: left; }}
th {{ background: #f3f5f7; }}
code {{ background: #f3f5f7; padding: 0 0.2rem; }}
h1 {{ border-bottom: 2px solid #1b1f24; }} h2 {{ border-bottom: 1px solid #c9d1d9; margin-top: 2rem; }}
figure {{ margin: 1rem 0; }} figure img {{ max-width: 100%; height: auto; border: 1px solid #e1e4e8; }} figcaption {{ font-size: 0.85rem; color: #57606a; }}
</style></head><body>
{body}
</body></html>
"""


def render_markdown(record: Record, governance: dict | None = None) -> str:
    """The card as Markdown from a run's ``record.json`` and the current governance state."""
    governance = {"approval_status": None, "reviewer": None, "history": [], **(governance or {})}
    return _env.get_template("card.md.j2").render(r=record, g=governance)


def render_body(card_md: str, pictures: dict | None = None) -> str:
    """The card's HTML body; each ``<!-- picture:NAME -->`` mark becomes that picture
    (an inline PNG), or disappears when the record had no evidence to draw it."""
    body = markdown.markdown(card_md, extensions=["tables", "fenced_code"])

    def figure(match: re.Match) -> str:
        picture = (pictures or {}).get(match.group(1))
        if picture is None:
            return ""
        caption = html_text.escape(picture.title)
        return f'<figure><img alt="{caption}" src="{picture.data_uri}"><figcaption>{caption}</figcaption></figure>'

    return PICTURE_MARK.sub(figure, body)


def render_html(card_md: str, title: str, pictures: dict | None = None) -> str:
    return _HTML_PAGE.format(title=html_text.escape(title), body=render_body(card_md, pictures))


def card_title(record: Record) -> str:
    return f"Model card: {record.model} v{record.version}"


def write_card(record: Record, out_dir: Path, governance: dict | None = None) -> tuple[Path, Path]:
    """Write ``card.md`` and ``card.html`` into ``out_dir``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md = render_markdown(record, governance)
    md_path, html_path = out_dir / "card.md", out_dir / "card.html"
    md_path.write_text(md)
    html_path.write_text(render_html(md, card_title(record), plots.pictures(record)))
    return md_path, html_path
