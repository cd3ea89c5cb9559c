"""The documentation against the code: the generated reference names every command and
flag of the Typer app, every ``govern`` command and flag the written pages and the README
show exists, every spec shown as YAML loads, and every exit code the CLI raises is explained."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import typer.main
import yaml

from docs.gen import cli_ref, spec_ref
from docs.gen.generate import GENERATED, generate
from govern.spec.model import parse_spec

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
WRITTEN = sorted(p for p in DOCS.rglob("*.md") if p.relative_to(DOCS).as_posix() not in GENERATED and "reference/evidence.md" not in p.as_posix()
                 and "snippets" not in p.parts)
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)
# A command at the start of a line or after && ; |, behind any VAR=value assignments and a path.
COMMAND = re.compile(r"(?:^|&&|;|\|)\s*(?:[A-Za-z_]\w*=(?:'[^']*'|\"[^\"]*\"|\S*)\s+)*(?:\S*/)?govern ([^#|;&)\n]*)")


def _app_commands() -> dict[str, set[str]]:
    """Every command path of ``govern`` and the flags it accepts (with --help)."""
    from govern.cli import app

    found: dict[str, set[str]] = {}

    def visit(cmd: click.Command, path: str) -> None:
        flags = {"--help"}
        for p in cmd.params:
            flags |= {o for o in (*p.opts, *getattr(p, "secondary_opts", ())) if o.startswith("-")}
        found[path] = flags
        for name, sub in getattr(cmd, "commands", {}).items():
            visit(sub, f"{path} {name}".strip())

    visit(typer.main.get_command(app), "")
    return found


def _invocations(text: str) -> list[tuple[str, list[str]]]:
    """Each ``govern ...`` invocation in code blocks and inline code: (words, flags)."""
    found = []
    snippets = [body for _, body in FENCE.findall(text)] + re.findall(r"`([^`\n]*govern [^`\n]*)`", text)
    for snippet in snippets:
        for line in snippet.splitlines():
            for match in COMMAND.finditer(line):
                try:
                    words = shlex.split(match.group(1).replace("...", ""))
                except ValueError:
                    words = match.group(1).split()
                found.append((words, [w.split("=")[0] for w in words if w.startswith("--")]))
    return found


def _resolve(words: list[str], commands: dict[str, set[str]]) -> str | None:
    """The longest command path the words name; "" for ``govern --flag``, None for an unknown command."""
    path = ""
    for word in words:
        if word.startswith("-") or f"{path} {word}".strip() not in commands:
            break
        path = f"{path} {word}".strip()
    return path if path or words[0].startswith("-") else None


@pytest.mark.parametrize("page", [*WRITTEN, ROOT / "README.md"], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_and_flag_shown_exists(page):
    commands = _app_commands()
    unknown = []
    for words, flags in _invocations(page.read_text()):
        if not words or not re.match(r"^-*[a-z-]+$", words[0]):
            continue
        path = _resolve(words, commands)
        if path is None:
            unknown.append(f"govern {words[0]}: no such command")
            continue
        unknown += [f"govern {path} {flag}: no such flag" for flag in flags if flag not in commands[path]]
    assert unknown == [], f"{page.name}: {unknown}"


def test_the_generated_reference_names_every_command_and_flag():
    sections = {s.split("`", 1)[0]: s for s in cli_ref.cli_page().split("\n## `govern ")[1:]}
    for path, flags in _app_commands().items():
        if not path:
            continue
        assert path in sections, f"govern {path} missing from the command reference"
        table = sections[path].split("| argument or flag | help |", 1)[-1]
        for flag in flags - {"--help"}:
            assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", table), f"govern {path} {flag} missing from the command reference"


def test_every_exit_code_the_cli_raises_is_explained():
    sites = cli_ref.exit_sites()
    assert {2, 3, 4, 5} <= set(sites)
    assert set(sites) <= set(cli_ref.EXIT_MEANINGS)
    page = cli_ref.exit_page()
    for code in sites:
        assert f"| {code} |" in page


def test_the_spec_reference_walks_every_field_and_its_supplements_are_fields():
    rows = spec_ref.walk()
    paths = {r.path for r in rows}
    assert {"data.id_column", "decision.kind", "gates.fairness[].on_inconclusive", "experiment.guardrails[].metric", "card.frameworks"} <= paths
    assert set(spec_ref.SUPPLEMENT) <= paths, set(spec_ref.SUPPLEMENT) - paths
    assert set(spec_ref.VOCABULARY) <= paths
    kind = next(r for r in rows if r.path == "decision.kind")
    assert (kind.default, "`expected_value`" in kind.allowed) == ("`share`", True)
    assert next(r for r in rows if r.path == "data.id_column").default == "required"


def test_generated_pages_are_written(tmp_path):
    written = generate(tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in written} >= set(GENERATED) | {"reference/evidence.md"}
    assert (tmp_path / "reference" / "schemas" / "record.schema.json").exists()


BASE = {
    "name": "mymodel", "task": "binary", "primary_metric": "roc_auc",
    "data": {"source": "data/customers.parquet", "target": "churned", "id_column": "customer_id", "time_column": "snapshot_date"},
    "fairness": {"sensitive_features": ["gender", "age_band"]},
    "card": {"owner": "o", "intended_use": "u", "retraining_cadence": "monthly"},
}


def _merged(base: dict, part: dict) -> dict:
    out = dict(base)
    for key, value in part.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@pytest.mark.parametrize("page", sorted((DOCS / "data-scientists").glob("*.md")), ids=lambda p: p.name)
def test_every_spec_shown_loads(page):
    blocks = [yaml.safe_load(body) for lang, body in FENCE.findall(page.read_text()) if lang == "yaml"]
    for block in blocks:
        raw = block if "name" in block else _merged(BASE, block)
        parse_spec(raw, origin=page.name)
