"""Text from docstrings and help strings made safe for a Markdown table cell."""

from __future__ import annotations

import re


def cell(text: str) -> str:
    """One line, ``|`` escaped, and ``<`` ``>`` outside code spans as entities (``<model>`` is not a tag)."""
    parts = re.split(r"(`+[^`]*`+)", " ".join(text.split()))
    safe = [p if p.startswith("`") else p.replace("<", "&lt;").replace(">", "&gt;") for p in parts]
    return "".join(safe).replace("|", "\\|")
