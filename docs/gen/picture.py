"""The pictures the documentation shows, drawn by the card's own plotting code from a
recorded churn version (tests/card/records/binary.json, kept as the flow wrote it), so
no picture is drawn by hand.

    .venv/bin/python -m docs.gen.picture
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHOWN = ("roc", "groups")


def draw(out: Path = ROOT / "docs" / "img") -> list[Path]:
    from govern.card import plots
    from govern.evidence.record import read_record_file

    record = read_record_file(ROOT / "tests" / "card" / "records" / "binary.json")
    pictures = plots.pictures(record)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SHOWN:
        path = out / f"card-{name}.png"
        path.write_bytes(pictures[name].png)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in draw():
        print(f"wrote {path.relative_to(ROOT)}")
