"""``govern train``, ``schema``, ``card``, ``ui``, ``monitor``, ``watch``, ``demo`` and ``status``.

Every command sets up the quiet, offline environment first, then imports the heavy
libraries.  Bad input ends with one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import typer

from govern.app.launch import quiet_prefect, train_model
from govern.cli.common import app, audit_log, command
from govern.core.errors import GovernError
from govern.core.settings import load_settings
from govern.evidence.verdict import PASSED


def _print_training(result: dict) -> None:
    comparison = result["comparison"]
    line = f"{result['model']} v{result['version']}: gates {result['gates']}, holdout {result['primary_metric']} {result['holdout']:.4f}"
    if comparison:
        line += f", vs champion v{result['champion']} {comparison['delta']:+.4f} [{comparison['lower']:+.4f}, {comparison['upper']:+.4f}]"
    typer.echo(line)
    if result.get("decision"):
        typer.echo(f"  decisions: {result['decision']}")
    for failure in result["failures"]:
        typer.echo(f"  failed: {failure}")
    for warning in result.get("warnings", []):
        typer.echo(f"  warning: {warning}")
    if result.get("needs_acknowledgement"):
        typer.echo(f"  needs the reviewer's acknowledgement to promote (govern approve --acknowledge): {', '.join(result['needs_acknowledgement'])}")
    for change in result.get("rule_changes", []):
        typer.echo(f"  rule changed since the champion: {change}")
    typer.echo(f"  card: {result['card']}")


@app.command()
@command
def train(
    model: str = typer.Argument(..., help="Spec name under models/ (or a path to a spec)"),
    data: Path | None = typer.Option(None, help="Train on this file instead of the spec's data source"),
    recent: Path | None = typer.Option(None, help="Most recent data, for the drift gate (default: the holdout)"),
    trials: int | None = typer.Option(None, min=1, help="Override the spec's trial budget"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
):
    """Run the champion-challenger flow and register the challenger, passing or not."""
    from govern.app.progress import activity

    with activity(f"training {model}"):
        result = train_model(model, data, recent, trials)
    typer.echo(json.dumps(result, indent=2, default=str)) if as_json else _print_training(result)
    if result["gates"] != PASSED:
        raise typer.Exit(3)


@app.command()
@command
def schema(
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the schema to this file instead of printing it"),
    name: str = typer.Option("record", "--name", help="Which file's schema: record, gates, fairness, drift, live, experiment or outcome (monitoring)"),
):
    """Print the JSON Schema of record.json (the evidence record of every version), or with --name of another evidence file."""
    from govern.evidence.schema import NAMES, schema_text

    if name not in NAMES:
        raise GovernError(f"--name {name}: no such evidence schema (one of {', '.join(NAMES)})")
    text = schema_text(name)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)
        typer.echo(f"wrote {output}")


@app.command()
@command
def card(
    model: str = typer.Argument(..., help="Registered model (spec name)"),
    version: str = typer.Argument(..., help="Version whose card to re-render"),
    as_json: bool = typer.Option(False, "--json", help="Print the written files as JSON"),
    pdf: bool = typer.Option(False, "--pdf", help="Also write card.pdf (with its pictures) and log it to the version's run under review/"),
):
    """Re-render a version's card from its recorded evidence and current approval state."""
    from govern.governance import card_refresh

    md, html = card_refresh.refresh_card(audit_log(), model, version)
    if pdf:
        from govern.card.pdf import file_pdf

        pdf_path, logged = file_pdf(model, version, md)
        if as_json:
            typer.echo(json.dumps({"model": model, "version": version, "markdown": str(md), "html": str(html), "pdf": str(pdf_path), "pdf_artifact": logged},
                                  indent=2))
            return
        typer.echo(f"{md}\n{html}\n{pdf_path} (logged to the version's run as {logged})")
        return
    if as_json:
        typer.echo(json.dumps({"model": model, "version": version, "markdown": str(md), "html": str(html)}, indent=2))
        return
    typer.echo(f"{md}\n{html}")


@app.command()
@command
def ui(port: int = typer.Option(5000, help="Localhost port"), host: str = typer.Option("127.0.0.1", help="Address to listen on (keep it local)")):
    """Start the MLflow UI on the embedded store, where reviewers approve versions."""
    from govern.runtime.ui import serve_ui, ui_log

    settings = load_settings()
    typer.echo(f"MLflow UI on http://{host}:{port} (Ctrl-C to stop; server log: {ui_log(settings)})")
    serve_ui(settings, host=host, port=port)


@app.command()
@command
def monitor(
    model: str = typer.Argument(..., help="Spec name of the model whose champion to judge"),
    current: Path = typer.Option(..., "--current", help="New data to judge the champion on"),
    retrain: bool = typer.Option(False, "--retrain-on-failure", "--retrain-on-drift",
                                 help="Train a challenger when any monitoring check fails, on data chosen by the spec's monitoring.retrain_data"),
    retrain_data: Path | None = typer.Option(None, help="Labelled new data to retrain with (default: --current)"),
    engine: str = typer.Option("local", "--engine", help="local (one process, streamed) or dask (row groups over a Dask cluster)"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="With --engine dask: a cluster's scheduler (tcp://host:8786); default a LocalCluster"),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON"),
):
    """Judge the champion on new data: drift, and metrics, fairness and base rate where labels exist.

    Exit 0 when every check passes, 5 when one fails; with --retrain-on-failure, the
    challenger's verdict (0, or 3 when it fails its gates) instead.
    """
    import inspect
    from datetime import datetime

    from govern.cli.live import check_engine
    from govern.data import retraining
    from govern.monitoring import check as monitoring
    from govern.monitoring import stream
    from govern.monitoring.report import summary_lines
    from govern.spec.model import load_spec

    engine = check_engine(engine, scheduler)
    settings = load_settings()
    spec = load_spec(model, settings.models_dir)
    stream.precheck(spec, current)  # columns, ids, row count and a first chunk, without reading the file whole
    monitoring.require_champion(spec.name)
    quiet_prefect()
    from flows.monitor import monitor as monitor_flow
    from govern.app.progress import activity
    from govern.runtime import orchestration

    with activity(f"monitoring {model}"):
        outcome = orchestration.run(monitor_flow, model, str(current), engine=engine, scheduler=scheduler)
    emit = (lambda line: None) if as_json else typer.echo
    for line in summary_lines(monitoring.MonitoringOutcome.from_dict(outcome)):
        emit(line)
    if outcome["status"] == PASSED or not retrain:
        if as_json:
            typer.echo(json.dumps(outcome, indent=2, default=str))
        if outcome["status"] != PASSED:
            raise typer.Exit(5)
        return
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    plan = retraining.retrain_data(spec, settings.root, retrain_data or current, outcome["champion"], stamp)
    emit(f"monitoring failed: retraining {model} on {plan.rule} data, {plan.rows} rows ({plan.path})")
    extra = {"provenance": plan.provenance} if "provenance" in inspect.signature(train_model).parameters else {}
    result = train_model(model, plan.path, **extra)
    outcome["retraining"] = {"rule": plan.rule, "data": str(plan.path), "rows": plan.rows, "provenance": plan.provenance, "challenger": result}
    if as_json:
        typer.echo(json.dumps(outcome, indent=2, default=str))
    else:
        _print_training(result)
    if result["gates"] != PASSED:
        raise typer.Exit(3)


@app.command()
@command
def watch(
    interval: int = typer.Option(60, min=5, help="Seconds between promotion checks"),
    once: bool = typer.Option(False, "--once", help="Check once and exit (no server needed)"),
    as_json: bool = typer.Option(False, "--json", help="With --once: print the promotions as JSON"),
):
    """Promote reviewer-approved challengers on a schedule (a Prefect deployment)."""
    from flows.watch import promote_approved

    if once:
        promoted = promote_approved()
        if as_json:
            typer.echo(json.dumps(promoted, indent=2, default=str))
            return
        for p in promoted:
            typer.echo(f"{p['model']}: champion v{p['previous'] or '-'} -> v{p['version']}")
        return
    from govern.runtime.scheduler import serve_until_stopped

    serve_until_stopped(promote_approved, name="govern-watch", interval=interval, log=load_settings().mlruns / "prefect-server.log", echo=typer.echo)


@app.command()
@command
def demo(
    rows: int = typer.Option(4000, help="Customers in the first period"),
    trials: int | None = typer.Option(None, min=1, help="Override the specs' trial budget"),
):
    """The whole story on generated demo data, offline."""
    from govern.app.demo import run_demo
    from govern.app.progress import echo_steps

    with echo_steps("govern demo", typer.echo) as echo:
        run_demo(load_settings(), rows=rows, trials=trials, echo=echo)


@app.command()
@command
def status(
    model: str | None = typer.Argument(None, help="One model (default: every governed model)"),
    as_json: bool = typer.Option(False, "--json", help="Print the inventory as JSON"),
):
    """Every governed model: champion and its age, next review due, challengers waiting and
    why, last monitoring verdict.  An overdue review is a warning, not a failure."""
    from govern.governance import status as inventory

    settings = load_settings()
    log = audit_log()
    rows = [inventory.model_status(model, log, settings.models_dir)] if model else inventory.inventory(log, settings.models_dir)
    if model and not rows[0].has_spec and not rows[0].registered and not log.events(model):
        raise GovernError(f"unknown model '{model}': no spec, no registered version, no recorded decision")
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in rows], indent=2, default=str))
        return
    for row in rows:
        for line in inventory.summary_lines(row):
            typer.echo(line)
