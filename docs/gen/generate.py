"""Write the documentation pages generated from the code (run by ``make docs`` before
``mkdocs build --strict``).  The files it writes are ignored by git: they are rebuilt
from the code every time, so they cannot fall behind it.

    .venv/bin/python -m docs.gen.generate
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from docs.gen import cli_ref, pages, spec_ref  # noqa: E402

GENERATED = {
    "reference/spec.md": spec_ref.page,
    "reference/cli.md": cli_ref.cli_page,
    "reference/exit-codes.md": cli_ref.exit_page,
    "compliance/crosswalk.md": pages.crosswalk_page,
    "snippets/bench-commands.md": pages.bench_page,
}


def generate(docs: Path = ROOT / "docs") -> list[Path]:
    written = []
    for name, make in GENERATED.items():
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make())
        written.append(path)
    evidence = docs / "reference" / "evidence.md"
    evidence.write_text(pages.evidence_page(evidence.parent))
    return written + [evidence]


if __name__ == "__main__":
    for path in generate():
        print(f"wrote {path.relative_to(ROOT)}")
