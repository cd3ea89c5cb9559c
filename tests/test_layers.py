"""The layering the tree promises: only the application layer starts flows, and the
governance logic never imports the CLI.

An equivalent of an import-linter contract, read from the source with ``ast`` so it
needs no installed tool and fails with the offending import named.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Modules that launch flows on a user's behalf: the command line, the demo, the team's
# training deployment.
APPLICATION = {"cli", "cli_app", "cli_decisions", "cli_live", "cli_team", "launch", "demo", "live_demo", "team_training"}


def _application(name: str) -> bool:
    return name == "flows" or name.startswith("flows.") or name.removeprefix("govern.") in APPLICATION and name.startswith("govern.")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "govern").glob("*.py")), ids=lambda p: p.stem)
def test_only_the_application_layer_imports_flows_or_the_cli(path):
    if path.stem in APPLICATION:
        return
    wrong = [name for name in _imports(path) if _application(name)]
    assert wrong == [], f"govern/{path.name} imports {', '.join(wrong)}: only {', '.join(sorted(APPLICATION))} may"


@pytest.mark.parametrize("path", sorted((ROOT / "flows").glob("*.py")), ids=lambda p: p.stem)
def test_flows_only_wire_the_governance_logic(path):
    wrong = [name for name in _imports(path) if _application(name) and not name.startswith("flows")]
    assert wrong == [], f"flows/{path.name} imports {', '.join(wrong)}"
