"""The README stays a front door: at most 150 lines, the two commands, one picture, and
links that lead to pages that exist; CI runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_the_readme_is_short_and_names_the_two_commands():
    assert len(README.splitlines()) <= 150
    assert "make demo" in README and "make test" in README
    assert re.search(r"^make test\s*$", (ROOT / ".ci" / "run").read_text(), re.M), ".ci/run runs the README's test command"
    assert re.search(r"^make docs\s*$", (ROOT / ".ci" / "run").read_text(), re.M), ".ci/run builds the documentation"


def test_every_link_and_picture_of_the_readme_exists():
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    local = [t for t in targets if not re.match(r"^[a-z]+://", t)]
    assert any(t.endswith(".png") for t in local), "one picture"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert missing == []
