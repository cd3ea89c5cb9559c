"""Measuring and publishing benchmark figures, shared by every script under benchmarks/.

The Performance page shows only what these functions write, so no figure is copied by
hand.  A script times each row at least three times (``measure`` for calls in this
process, ``summarize`` for rounds it timed itself, e.g. subprocesses), formats cells with
``cell``/``ratio``, and ends with ``write(name, ...)``, which puts
``docs/performance/results/<name>.md`` (included by docs/performance.md) and a JSON twin
beside it, each stamped with the machine, the library versions, the commit and the date.

A reference too slow to run in full is run on a fraction of its work and scaled up:
pass that ``fraction`` to ``measure``/``summarize``; its cells then carry ``~`` and its
ratio says so, e.g. ``~95x (reference run on 5% and scaled)``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "performance" / "results"
MIN_ROUNDS = 3
PACKAGES = ("catboost", "fairlearn", "evidently", "mlflow", "scipy", "scikit-learn", "numpy", "pandas", "pyarrow", "optuna", "prefect", "dask")


@dataclass(frozen=True)
class Timing:
    """Seconds over ``rounds`` runs, already scaled by 1/``fraction`` when the run was partial."""

    rounds: int
    min: float
    median: float
    fraction: float = 1.0
    peak_mib: float | None = None

    @property
    def scaled(self) -> bool:
        return self.fraction < 1.0


def summarize(seconds: Sequence[float], *, fraction: float = 1.0, fixed: Sequence[float] | None = None, peak_mib: float | None = None) -> Timing:
    """Minimum and median of rounds timed by the caller; refuses fewer than three.  A partial
    round is scaled by 1/``fraction``, except its ``fixed`` seconds (work that does not grow
    with the fraction, timed in the same round), which are added back unscaled."""
    if len(seconds) < MIN_ROUNDS:
        raise ValueError(f"a benchmark row needs at least {MIN_ROUNDS} rounds, got {len(seconds)}")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    base = list(fixed) if fixed is not None else [0.0] * len(seconds)
    full = [f + (s - f) / fraction for s, f in zip(seconds, base, strict=True)]
    return Timing(len(full), min(full), statistics.median(full), fraction, peak_mib)


def measure(fn: Callable[[], Any], *, rounds: int = MIN_ROUNDS, fraction: float = 1.0, memory: bool = False) -> tuple[Any, Timing]:
    """Call ``fn`` ``rounds`` times and time each; with ``memory``, one more call first under
    tracemalloc (not timed, since tracing slows Python code) gives the peak MiB allocated."""
    peak = None
    if memory:
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, summarize(times, fraction=fraction, peak_mib=peak)


def number(x: float) -> str:
    """Three significant figures or so, without exponent."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}" if abs(x) >= 1 else f"{x:.3f}"


def cell(t: Timing) -> str:
    """``min / median`` seconds, ``~`` on both when scaled up from a fraction."""
    mark = "~" if t.scaled else ""
    return f"{mark}{number(t.min)} / {mark}{number(t.median)}"


def share(fraction: float) -> str:
    return f"{fraction:.0%}" if fraction >= 0.01 else f"{fraction:.2%}"


def ratio(reference: Timing, ours: Timing, names: tuple[str, str] = ("reference", "ours")) -> str:
    """Median of the first over the second; a side extrapolated from a fraction is marked in
    the ratio itself, with the share actually run."""
    value = reference.median / ours.median
    shown = f"{value:,.0f}x" if value >= 10 else f"{value:.1f}x"
    partial = [f"{side} run on {share(t.fraction)} and scaled" for side, t in zip(names, (reference, ours), strict=True) if t.scaled]
    return f"~{shown} ({'; '.join(partial)})" if partial else shown


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        return round(pages * size / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def _commit(git: Path = ROOT / ".git") -> str:
    """The checkout's commit, read from .git (no child process; in a linked worktree .git
    is a file naming the worktree's own git folder)."""
    try:
        if git.is_file():
            git = Path(git.read_text().split("gitdir:", 1)[1].strip())
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:7]
        ref = head[5:]
        if (git / ref).exists():
            return (git / ref).read_text().strip()[:7]
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line[:7]
    except OSError:
        pass
    return "unknown"


def environment() -> dict[str, Any]:
    """Where and when: machine, load, Python and library versions, commit, UTC date."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{_cpu()}, {os.cpu_count()} CPUs, {_memory_gib()} GiB, {platform.system()} {platform.release()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "versions": versions,
        "commit": _commit(),
    }


def _row(values: Sequence[Any]) -> str:
    return "| " + " | ".join(str(v).replace("|", "&#124;") for v in values) + " |"


def render(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], notes: Sequence[str], command: str, env: dict[str, Any]) -> str:
    """The Markdown a results file holds: title, table, notes, then how and where it was measured."""
    lines = [f"**{title}**", "", _row(columns), _row(["---"] * len(columns)), *(_row(r) for r in rows), ""]
    lines += [f"- {n}" for n in notes]
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items())
    lines += [
        f"- Measured {env['date']} on {env['machine']} (load average {', '.join(map(str, env['load_average']))} at the end, shared machine);"
        f" Python {env['python']}, {versions}; commit {env['commit']}.",
        f"- Produced by `{command}`.",
    ]
    return "\n".join(lines) + "\n"


def write(name: str, *, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], notes: Sequence[str] = (), command: str,
          data: Any = None, folder: Path = RESULTS) -> Path:
    """Write ``<folder>/<name>.md`` and ``<name>.json`` (the same rows plus ``data``), print the table, return the Markdown path."""
    env = environment()
    folder.mkdir(parents=True, exist_ok=True)
    text = render(title, columns, rows, notes, command, env)
    (folder / f"{name}.md").write_text(text)
    payload = {"title": title, "columns": list(columns), "rows": [list(map(str, r)) for r in rows], "notes": list(notes),
               "command": command, "environment": env, "data": data}
    (folder / f"{name}.json").write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n")
    print(text, flush=True)
    return folder / f"{name}.md"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Timing):
        return asdict(value)
    if hasattr(value, "item"):
        return value.item()
    return str(value)
