"""The monitoring verdict in words: every check with what was observed, its bound and verdict.

Evidently's ``drift.html`` shows distributions; this summary says what was judged and
why, so a reader does not have to open ``outcome.json`` to learn that the base rate
moved or a fairness gate failed.  The CLI prints the same lines in short.
"""

from __future__ import annotations

from pathlib import Path

from govern.card.render import render_html
from govern.evidence.verdict import FAILED, NOT_MEASURED
from govern.monitoring.check import MonitoringOutcome

_RULES = {
    "combined": "the champion's training data plus the labelled new data (an id in both keeps the new row)",
    "new_only": "the labelled new data alone",
}


def _num(value, digits: int = 4) -> str:
    if value is None or value != value:
        return "n/a"
    return f"{value:.{digits}g}"


def _interval(interval) -> str:
    return "" if not interval else f" [{_num(interval[0])}, {_num(interval[1])}]"


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _headline(o: MonitoringOutcome) -> str:
    failed, unmeasured = len(o.failures), len(o.not_measured)
    text = f"{o.status}: {failed} of {len(o.checks)} checks failed"
    return text + (f", {unmeasured} not measured" if unmeasured else "")


def _observed(c) -> str:
    if c.kind in ("drift", "base_rate") and c.observed is not None:
        return _pct(c.observed)
    return f"{_num(c.observed)}{_interval(c.interval)}"


def _checks_table(checks) -> list[str]:
    lines = ["| Check | Kind | Observed | Bound | Verdict | Detail |", "|---|---|---|---|---|---|"]
    for c in checks:
        verdict = f"**{c.status}**" if c.status in (FAILED, NOT_MEASURED) else c.status
        lines.append(f"| {_cell(c.gate)} | {c.kind} | {_observed(c)} | {_cell(c.bound)} | {verdict} | {_cell(c.reason)} |")
    return lines


def _performance(o: MonitoringOutcome) -> list[str]:
    if not o.labelled:
        return ["Not measured: the new data has no labels, so the champion could not be scored on it."]
    lines = ["| Metric | New data | Champion's holdout | Change |", "|---|---|---|---|"]
    for row in o.performance_table:
        change = None if row.current is None or row.champion_holdout is None else row.current - row.champion_holdout
        name = f"**{row.metric}** (primary)" if row.metric == o.primary_metric else row.metric
        lines.append(f"| {name} | {_num(row.current)}{_interval(row.current_interval)} | "
                     f"{_num(row.champion_holdout)}{_interval(row.champion_interval)} | {'n/a' if change is None else f'{change:+.4g}'} |")
    lines.append("")
    lines.append("Intervals are 95% bootstrap percentile intervals; the champion's come from its record.")
    if o.auc_bound:
        lines.append(f"Scores were floored to a grid to keep memory bounded: every AUC above is within {o.auc_bound:.1e} of the exact one.")
    return lines


def _base_rate(o: MonitoringOutcome) -> list[str]:
    if o.base_rate is None:
        return ["Not measured: " + ("the new data has no labels." if not o.labelled else "only binary tasks have a base rate.")]
    shift = o.base_rate.shift
    return [
        "| Rows | Positive rate |", "|---|---|",
        f"| Champion's training rows | {_pct(o.base_rate.training)} |",
        f"| New data | {_pct(o.base_rate.current)} |",
        f"| Shift | {'n/a' if shift is None else f'{shift * 100:+.1f} points'} |",
    ]


def _drift(o: MonitoringOutcome) -> list[str]:
    d = o.drift
    lines = [f"{d.drifted_count} of {d.column_count} columns drifted ({'n/a' if d.drifted_share is None else f'{d.drifted_share:.0%}'});"
             f" drift gate **{o.drift_gate}**. "
             "Distributions are in Evidently's [drift.html](drift.html).", "",
             "| Column | Method | Score | Threshold | Drifted |", "|---|---|---|---|---|"]
    for name, col in d.columns.items():
        lines.append(f"| {name} | {col.method} | {_num(col.score)} | {_num(col.threshold)} | {'yes' if col.drifted else 'no'} |")
    return lines


def render_markdown(o: MonitoringOutcome) -> str:
    fairness = [c for c in o.checks if c.kind == "fairness"]
    labels = "labelled" if o.labelled else "unlabelled"
    lines = [
        f"# Monitoring {o.model} v{o.champion}", "",
        f"New data: `{o.current}` ({o.rows} rows, {labels}){f', checked {o.checked_at}' if o.checked_at else ''}.", "",
        f"**Verdict: {_headline(o)}.**", "",
        "## Checks", "", *_checks_table(o.checks), "",
        "## Performance: new data against the champion's holdout", "", *_performance(o), "",
        "## Base rate", "", *_base_rate(o), "",
        "## Fairness gates", "", *(_checks_table(fairness) if fairness else ["The spec declares no fairness gates."]), "",
        "## Data drift", "", *_drift(o), "",
        "## Retraining", "",
        f"When a check fails, `govern monitor --retrain-on-failure` trains a challenger on {_RULES.get(o.retrain_data, o.retrain_data)} "
        f"(`monitoring.retrain_data: {o.retrain_data}` in the spec).",
    ]
    return "\n".join(lines) + "\n"


def summary_lines(o: MonitoringOutcome) -> list[str]:
    """What the CLI prints: the verdict, every check, the primary metric and base rate."""
    d = o.drift
    drifted = ", ".join(d.drifted_columns) or "none"
    lines = [f"{o.model} v{o.champion}: monitoring {_headline(o)}; drift gate {o.drift_gate}, "
             f"{d.drifted_count} of {d.column_count} columns drifted ({drifted})"]
    lines += [f"  {c.status:<12} {c.reason if c.reason.startswith(c.gate) else f'{c.gate}: {c.reason}'}" for c in o.checks]
    for row in o.performance_table:
        if row.metric == o.primary_metric:
            lines.append(f"  {row.metric} on new data {_num(row.current)}{_interval(row.current_interval)} "
                         f"vs champion's holdout {_num(row.champion_holdout)}{_interval(row.champion_interval)}")
    if o.base_rate is not None:
        lines.append(f"  positive rate {_pct(o.base_rate.current)} on new data vs {_pct(o.base_rate.training)} in training rows")
    if o.reports.get("markdown"):
        lines.append(f"  report: {o.reports['markdown']}")
    return lines


def write_reports(o: MonitoringOutcome, out_dir: Path) -> dict[str, str]:
    """Write ``monitoring.md`` and ``monitoring.html`` beside ``drift.html``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md = render_markdown(o)
    md_path, html_path = out_dir / "monitoring.md", out_dir / "monitoring.html"
    md_path.write_text(md)
    html_path.write_text(render_html(md, f"Monitoring: {o.model} v{o.champion}"))
    return {"markdown": str(md_path), "html": str(html_path), "drift": str(out_dir / "drift.html")}
