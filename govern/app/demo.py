"""``govern demo``: the whole story on generated data, offline, for both demo specs.

1. Generate a first half-year of customers and a later, drifted half-year.
2. Train v1 of each model, approve it as a demo reviewer, promote it.
3. Monitor the champion against the start of the later period: drift is found.
4. Train v2 on the later period; it is judged against the champion on the same holdout
   and left pending for a human reviewer in the MLflow UI.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from govern.core.errors import GovernError
from govern.core.settings import Settings
from govern.demo.customers import generate_customers
from govern.demo.files import write_demo_data
from govern.evidence.verdict import PASSED
from govern.governance import acknowledgement, approval, decisions
from govern.stores import registry
from govern.stores.audit.log import AuditLog

DEMO_MODELS = ("churn", "clv")
DEMO_REVIEWER = "demo-reviewer"


def write_later_period(root: Path, rows: int, seed: int = 1) -> Path:
    """A second half-year whose distributions have moved (drift 0.6), with fresh ids."""
    frame = generate_customers(rows, start="2026-07-01", months=6, drift=0.6, seed=seed, id_offset=10_000_000)
    path = root / "data" / "demo" / "customers_2026h2.parquet"
    frame.to_parquet(path, index=False)
    return path


CLV_TABLES = (("train", "transactions", None), ("recent", "transactions_later", "2027-01-01"), ("later", "transactions_later", "2027-07-01"))


def write_clv_tables(settings: Settings, paths: dict[str, Path]) -> dict[str, tuple[Path, str]]:
    """The CLV customer tables built from the demo's transaction logs, each with how it
    was built: v1's at the spec's cutoffs, monitoring's at the latest cutoff only of a
    drifted later log, and v2's at later cutoffs of that log."""
    import json

    from govern.data.transactions import customer_table
    from govern.spec.model import load_spec

    spec = load_spec("clv", settings.models_dir)
    tables = {}
    for key, log, cutoff in CLV_TABLES:
        frame, note = customer_table(spec, settings.root, source=paths[log], cutoff=cutoff)
        if key == "recent":
            frame = frame[frame[spec.data.time_column] == frame[spec.data.time_column].max()]
        out = paths[log].parent / f"clv_customers_{key}.parquet"
        frame.to_parquet(out, index=False)
        out.with_suffix(".build.json").write_text(json.dumps(note.to_dict(), indent=2))
        tables[key] = (out, note.summary())
    return tables


def run_demo(settings: Settings, *, rows: int = 4000, trials: int | None = None, echo: Callable[[str], None] = print) -> dict:
    from flows.monitor import monitor
    from govern.app.launch import quiet_prefect, train_model

    quiet_prefect()
    started = time.perf_counter()
    paths = write_demo_data(settings.root, n=rows, seed=0)
    later = write_later_period(settings.root, rows)
    echo(f"demo data: {paths['train']} ({rows} rows), {paths['recent']}, {later}, {paths['transactions']}")
    inputs = {"churn": {"train": (paths["train"], None), "recent": (paths["recent"], None), "later": (later, None)}}
    if "clv" in DEMO_MODELS:
        inputs["clv"] = write_clv_tables(settings, paths)
        inputs["clv"]["train"] = (None, None)  # v1 trains on the spec's transaction log, built by the flow
    log = AuditLog(settings.database_url)
    summary: dict = {}
    for name in DEMO_MODELS:
        if registry.alias_version(name, registry.CHAMPION) is None:
            first = train_model(name, inputs[name]["train"][0], trials=trials, provenance=inputs[name]["train"][1])
            _report(echo, first)
            if first["gates"] != PASSED:
                raise GovernError(f"demo: {name} v{first['version']} failed its gates: {'; '.join(first['failures'])}")
            acknowledged = acknowledgement.required(name, first["version"])
            approval.approve(log, name, first["version"], reviewer=DEMO_REVIEWER, note="demo approval", acknowledge=acknowledged)
            if acknowledged:
                echo(f"  {DEMO_REVIEWER} acknowledges the inconclusive gates: {', '.join(acknowledged)}")
            promoted = decisions.promote(log, name, first["version"], actor="govern demo")
            echo(f"  approved by {DEMO_REVIEWER}, promoted: champion v{promoted.version}")
        watch = monitor(name, str(inputs[name]["recent"][0]))
        drifted = ", ".join(watch["drift"]["drifted_columns"]) or "none"
        perf, primary = watch["performance"] or {}, watch["primary_metric"]
        echo(f"  monitoring v{watch['champion']} on {inputs[name]['recent'][0].name}: {watch['status']}; drift gate {watch['drift_gate']} "
             f"({watch['drift']['drifted_share']:.0%} of columns; drifted: {drifted})"
             + (f"; {primary} on new labels {perf[primary]:.4f}" if primary in perf else ""))
        for reason in watch["failures"]:
            echo(f"    check failed: {reason}")
        echo(f"    report: {watch['reports']['markdown']}")
        second = train_model(name, inputs[name]["later"][0], trials=trials, provenance=inputs[name]["later"][1])
        _report(echo, second)
        summary[name] = {"challenger": second, "monitoring": watch["status"], "drift_gate": watch["drift_gate"]}
    from govern.app.live_demo import run_live_story

    summary["retention"] = run_live_story(settings, log, paths["train"], later, trials=trials, reviewer=DEMO_REVIEWER, echo=echo, report=_report)
    elapsed = time.perf_counter() - started
    echo("")
    echo(f"done in {elapsed:.0f} s. Challengers await a reviewer: open the MLflow UI with")
    echo("  .venv/bin/govern ui      # then http://127.0.0.1:5000 -> Models")
    echo("and on the version page edit tag approval.status to approved (or rejected), add approval.reviewer=<your name>; then")
    echo("  .venv/bin/govern promote churn      # or let `govern watch` promote on a schedule")
    return summary


def _report(echo, result: dict) -> None:
    line = f"{result['model']} v{result['version']}: gates {result['gates']}; holdout {result['primary_metric']} {result['holdout']:.4f}"
    comparison = result["comparison"]
    if comparison:
        line += f"; vs champion v{result['champion']}: {comparison['delta']:+.4f} [{comparison['lower']:+.4f}, {comparison['upper']:+.4f}]"
    else:
        line += "; no champion yet"
    share = result["drifted_share"]
    line += f"; drift {share:.0%} of columns" if share is not None else "; drift not measured"
    for gate in result.get("fairness_gates", []):
        line += f"; {gate}"
    if result.get("mitigation"):
        line += f"; mitigation candidates: {', '.join(result['mitigation'])}"
    echo(line)
    if result.get("decision"):
        echo(f"  decisions: {result['decision']}")
    for failure in result["failures"]:
        echo(f"  gate failed: {failure}")
    t = result["timings"]
    echo(f"  card: {result['card']}  (tune {t['tune']:.1f} s, fairness {t['fairness']:.1f} s, drift {t['drift']:.1f} s)")
