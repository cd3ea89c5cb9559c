"""Every performance figure the docs show is written by a benchmark: the shared writer gives
minimum and median over at least three rounds, marks an extrapolated reference in the ratio
with the share run, and stamps machine, versions and date; the Performance page includes
each results file and holds no figure of its own; the README cites none."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "performance.md"
RESULTS_DIR = ROOT / "docs" / "performance" / "results"
FIGURE = re.compile(r"\d[\d,.]*\s?(x\b|s\b|ms\b|seconds|minutes|MiB|GiB|rows/s|rows per second)|x faster", re.I)


def _results_module():
    spec = importlib.util.spec_from_file_location("bench_results", ROOT / "benchmarks" / "results.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


results = _results_module()


def _writers() -> dict[str, str]:
    """Results name per benchmark script that writes one under a fixed name."""
    found = {}
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        match = re.search(r'results\.write\(\s*"(\w+)",', script.read_text())
        if match:
            found[script.name] = match.group(1)
    return found


def _published() -> set[str]:
    """Every results file: the fixed names, and any a script names at run time (bench_scale's steps)."""
    return set(_writers().values()) | {p.stem for p in RESULTS_DIR.glob("*.md")}


def test_rounds_give_minimum_and_median_and_refuse_fewer_than_three():
    timing = results.summarize([3.0, 1.0, 2.0, 10.0])
    assert (timing.rounds, timing.min, timing.median) == (4, 1.0, 2.5)
    with pytest.raises(ValueError, match="at least 3 rounds"):
        results.summarize([1.0, 2.0])
    calls = []
    _, measured = results.measure(lambda: calls.append(1), rounds=3, memory=True)
    assert measured.rounds == 3 and len(calls) == 4 and measured.peak_mib is not None


def test_a_partial_run_is_scaled_and_marked_in_the_cell_and_the_ratio():
    reference = results.summarize([1.0, 1.0, 1.0], fraction=0.05)
    assert reference.median == pytest.approx(20.0)
    ours = results.summarize([0.2, 0.25, 0.3])
    assert results.cell(reference).startswith("~") and results.cell(ours) == "0.200 / 0.250"
    assert results.ratio(reference, ours) == "~80x (reference run on 5% and scaled)"
    assert results.ratio(ours, ours) == "1.0x"
    with_fixed = results.summarize([1.5, 1.5, 1.5], fraction=0.1, fixed=[0.5, 0.5, 0.5])
    assert with_fixed.median == pytest.approx(10.5), "the fixed part is added back unscaled"


def test_the_writer_stamps_machine_versions_and_date(tmp_path):
    rows = [["10,000", results.cell(results.summarize([1.0, 2.0, 3.0]))]]
    path = results.write("demo", title="A table", columns=["rows", "s"], rows=rows, notes=["a note"], command="python x.py", folder=tmp_path)
    text = path.read_text()
    assert "| 10,000 | 1.00 / 2.00 |" in text and "- a note" in text and "`python x.py`" in text
    for name in ("Python", "catboost", "scipy", "fairlearn", "evidently", "mlflow", "UTC", "CPUs"):
        assert name in text
    env = json.loads((tmp_path / "demo.json").read_text())["environment"]
    assert {"date", "machine", "python", "versions", "commit"} <= set(env)


def test_the_performance_page_includes_every_results_file_and_holds_no_figure_of_its_own():
    page = PAGE.read_text()
    included = re.findall(r'^--8<-- "performance/results/([\w-]+)\.md"$', page, re.M)
    assert _published() == set(included), "the page includes every results file, and only those"
    for name in included:
        assert (RESULTS_DIR / f"{name}.md").exists(), f"{name}.md is committed: the page shows it"
    own = "\n".join(line for line in page.splitlines() if not line.startswith("--8<--"))
    assert FIGURE.search(own) is None, FIGURE.search(own)
    assert "reference_bootstrap" not in page and not (ROOT / "benchmarks" / "reference_bootstrap.py").exists()


def _rounds(value) -> list[int]:
    if isinstance(value, dict):
        return ([value["rounds"]] if isinstance(value.get("rounds"), int) else []) + [n for v in value.values() for n in _rounds(v)]
    return [n for v in value for n in _rounds(v)] if isinstance(value, list) else []


def test_every_committed_result_has_three_rounds_a_stamp_and_marked_extrapolations():
    for name in _published():
        text = (RESULTS_DIR / f"{name}.md").read_text()
        payload = json.loads((RESULTS_DIR / f"{name}.json").read_text())
        assert payload["environment"]["versions"] and payload["environment"]["date"], name
        assert "min / median" in text, name
        counts = [int(n) for n in re.findall(r"min / median of (\d+)", text)] + _rounds(payload["data"])
        assert all(n >= results.MIN_ROUNDS for n in counts), (name, counts)
        for ratio in re.findall(r"~[\d,.]+x[^|]*", text):
            assert re.search(r"run on [\d.]+% and scaled", ratio), (name, ratio)


def test_the_readme_cites_no_performance_figure():
    readme = (ROOT / "README.md").read_text()
    assert FIGURE.search(readme) is None, FIGURE.search(readme)
