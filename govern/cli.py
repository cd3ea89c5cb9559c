"""``govern``: the command line of the platform.

Every command sets up the quiet, offline environment first, then imports the heavy
libraries.  Bad input ends with one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from govern.errors import GovernError
from govern.settings import configure_environment, load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Govern customer-analytics models: train challengers, gate, approve, promote, monitor, audit.")


def command(fn):
    """Run a command in the configured environment; turn errors into one line and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        configure_environment()
        try:
            return fn(*args, **kwargs)
        except GovernError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except typer.Exit:
            raise
        except Exception as exc:
            if os.environ.get("GOVERN_DEBUG"):
                raise
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            typer.echo(f"error: {exc.__class__.__name__}: {message} (set GOVERN_DEBUG=1 for the traceback)", err=True)
            raise typer.Exit(1) from None

    return wrapper


def quiet_prefect() -> None:
    """Prefect logs a flow's failure with a traceback; the CLI states it in one line instead.

    Prefect reconfigures its loggers when a run starts, so the levels are set through its
    environment overrides as well as on the loggers themselves.
    """
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        os.environ.setdefault(f"PREFECT_LOGGING_LOGGERS_{name.replace('.', '_').upper()}_LEVEL", "CRITICAL")
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _audit_log():
    from govern.audit import AuditLog

    return AuditLog(load_settings().database_url)


def _precheck(model: str, data: Optional[Path]):
    """Validate spec and data before Prefect starts, so bad input costs no flow run."""
    from govern import validation
    from govern.spec import load_spec
    from govern.transactions import customer_table

    settings = load_settings()
    spec = load_spec(model, settings.models_dir)
    validation.validate_frame(customer_table(spec, settings.root, source=data)[0], spec)
    return spec


def train_model(
    model: str, data: Optional[Path] = None, recent: Optional[Path] = None, trials: Optional[int] = None, provenance: Optional[str] = None,
) -> dict:
    """Run the champion-challenger flow after the cheap checks; ``provenance`` says how
    ``data`` was put together, for the record and card."""
    _precheck(model, data)
    if recent is not None:
        from govern import validation

        validation.load_table(recent)
    quiet_prefect()
    from flows.champion_challenger import champion_challenger

    return champion_challenger(
        model, data=str(data) if data else None, recent=str(recent) if recent else None, trials=trials, provenance=provenance,
    )


def _print_training(result: dict) -> None:
    comparison = result["comparison"]
    line = f"{result['model']} v{result['version']}: gates {result['gates']}, holdout {result['primary_metric']} {result['holdout']:.4f}"
    if comparison:
        line += f", vs champion v{result['champion']} {comparison['delta']:+.4f} [{comparison['lower']:+.4f}, {comparison['upper']:+.4f}]"
    typer.echo(line)
    for failure in result["failures"]:
        typer.echo(f"  failed: {failure}")
    for warning in result.get("warnings", []):
        typer.echo(f"  warning: {warning}")
    for change in result.get("rule_changes", []):
        typer.echo(f"  rule changed since the champion: {change}")
    typer.echo(f"  card: {result['card']}")


@app.command()
@command
def train(
    model: str = typer.Argument(..., help="Spec name under models/ (or a path to a spec)"),
    data: Optional[Path] = typer.Option(None, help="Train on this file instead of the spec's data source"),
    recent: Optional[Path] = typer.Option(None, help="Most recent data, for the drift gate (default: the holdout)"),
    trials: Optional[int] = typer.Option(None, min=1, help="Override the spec's trial budget"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
):
    """Run the champion-challenger flow and register the challenger, passing or not."""
    from govern.progress import activity

    with activity(f"training {model}"):
        result = train_model(model, data, recent, trials)
    typer.echo(json.dumps(result, indent=2, default=str)) if as_json else _print_training(result)
    if result["gates"] != "passed":
        raise typer.Exit(3)


def _print_rules(rules) -> None:
    for line in rules.summary():
        typer.echo(f"  {line}")


@app.command()
@command
def approve(
    model: str = typer.Argument(..., help="Registered model (spec name)"),
    version: str = typer.Argument(..., help="Version number to approve or reject"),
    reviewer: str = typer.Option(..., "--reviewer", help="Who approves (must not be the run's author)"),
    reject: bool = typer.Option(False, "--reject", help="Reject instead of approve"),
    note: str = typer.Option("", help="Why"),
    as_json: bool = typer.Option(False, "--json", help="Print the decision as JSON"),
):
    """Set approval.status and approval.reviewer on a version, as a reviewer would in the UI,
    and show what changed in the gates since the champion's."""
    from govern import decisions

    a = decisions.approve(_audit_log(), model, version, reviewer=reviewer, approved=not reject, note=note)
    if as_json:
        typer.echo(json.dumps({"model": model, "version": a.version, "status": a.status, "reviewer": a.reviewer, **a.rules.as_details()}, indent=2))
        return
    typer.echo(f"{model} v{a.version}: {a.status} by {a.reviewer}")
    _print_rules(a.rules)
    if a.card_note:
        typer.echo(f"  note: {a.card_note}")


def _print_move(p, verb: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"model": p.name, "action": verb, "version": p.version, "previous": p.previous, **(p.rules.as_details() if p.rules else {})}, indent=2))
        return
    typer.echo(f"{p.name}: champion v{p.previous or '-'} -> v{p.version}" + (" (rolled back)" if verb == "rollback" else ""))
    if getattr(p, "approval", ""):
        typer.echo(f"  approval: {p.approval}" + (" (not verified: set by tag, no governance server signed it)" if p.approval == "declared" else " (signed by the governance server)"))
    if p.rules is not None:
        _print_rules(p.rules)
    if p.card_note:
        typer.echo(f"  note: {p.card_note}")


@app.command()
@command
def promote(
    model: str = typer.Argument(..., help="Registered model (spec name)"),
    version: Optional[str] = typer.Argument(None, help="Default: the version aliased challenger"),
    as_json: bool = typer.Option(False, "--json", help="Print the promotion as JSON"),
):
    """Move alias champion to an approved version whose gates passed; show what changed in the gates."""
    from govern import decisions

    _print_move(decisions.promote(_audit_log(), model, version), "promotion", as_json)


@app.command()
@command
def rollback(model: str = typer.Argument(..., help="Registered model (spec name)"), as_json: bool = typer.Option(False, "--json", help="Print the rollback as JSON")):
    """Restore the champion before the current one, along the recorded history, if it may still be champion."""
    from govern import decisions

    _print_move(decisions.rollback(_audit_log(), model), "rollback", as_json)


@app.command()
@command
def audit(
    model: str = typer.Argument(..., help="Registered model (spec name)"),
    show: bool = typer.Option(True, help="List the recorded events"),
    as_json: bool = typer.Option(False, "--json", help="Print events, history and problems as JSON"),
):
    """Verify the audit chain and that alias champion is where recorded decisions put it."""
    from govern import decisions

    from govern.status import model_status

    log = _audit_log()
    report = decisions.audit_model(log, model)
    finding = model_status(model, log, load_settings().models_dir).review.finding(model, report.champion)
    warnings = [finding] if finding else []
    if as_json:
        payload = {"model": model, "ok": report.ok, "champion": report.champion, "problems": report.problems, "warnings": warnings, "history": report.history, "events": [e.as_dict() for e in report.events]}
        typer.echo(json.dumps(payload, indent=2, default=str))
    elif show:
        for e in report.events:
            version = f"v{e.version}" if e.version else "-"
            typer.echo(f"{e.seq:>4} {e.recorded_at} {e.action:<20} {version:<5} {e.actor}")
            for reason in e.details.get("reasons") or ([e.details["reason"]] if e.details.get("reason") else []):
                typer.echo(f"{'':>5}reason: {reason}")
            for change in e.details.get("rule_changes") or []:
                typer.echo(f"{'':>5}rule changed since v{e.details.get('rules_compared_with')}: {change}")
        for h in report.history:
            typer.echo(f"champion v{h['version']} from {h['at']} (moved by {h['by']}, previously v{h['from'] or '-'})")
    if report.problems:
        for p in report.problems:
            typer.echo(f"problem: {p}", err=True)
        raise typer.Exit(4)
    if not as_json:
        typer.echo(f"{model}: audit chain intact ({len(report.events)} events), champion v{report.champion or '-'} on record")
    for finding in warnings:
        typer.echo(f"warning: {finding}")


@app.command()
@command
def card(
    model: str = typer.Argument(..., help="Registered model (spec name)"),
    version: str = typer.Argument(..., help="Version whose card to re-render"),
    as_json: bool = typer.Option(False, "--json", help="Print the written files as JSON"),
    pdf: bool = typer.Option(False, "--pdf", help="Also write card.pdf (with its pictures) and log it to the version's run under review/"),
):
    """Re-render a version's card from its recorded evidence and current approval state."""
    from govern import decisions

    md, html = decisions.refresh_card(_audit_log(), model, version)
    if pdf:
        from govern.pdf import file_pdf

        pdf_path, logged = file_pdf(model, version, md)
        if as_json:
            typer.echo(json.dumps({"model": model, "version": version, "markdown": str(md), "html": str(html), "pdf": str(pdf_path), "pdf_artifact": logged}, indent=2))
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
    from govern.ui import serve_ui, ui_log

    settings = load_settings()
    typer.echo(f"MLflow UI on http://{host}:{port} (Ctrl-C to stop; server log: {ui_log(settings)})")
    serve_ui(settings, host=host, port=port)


@app.command()
@command
def monitor(
    model: str = typer.Argument(..., help="Spec name of the model whose champion to judge"),
    current: Path = typer.Option(..., "--current", help="New data to judge the champion on"),
    retrain: bool = typer.Option(False, "--retrain-on-failure", "--retrain-on-drift", help="Train a challenger when any monitoring check fails, on data chosen by the spec's monitoring.retrain_data"),
    retrain_data: Optional[Path] = typer.Option(None, help="Labelled new data to retrain with (default: --current)"),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON"),
):
    """Judge the champion on new data: drift, and metrics, fairness and base rate where labels exist.

    Exit 0 when every check passes, 5 when one fails; with --retrain-on-failure, the
    challenger's verdict (0, or 3 when it fails its gates) instead.
    """
    import inspect
    from datetime import datetime, timezone

    from govern import monitoring, retraining, validation
    from govern.monitoring_report import summary_lines
    from govern.spec import load_spec

    settings = load_settings()
    spec = load_spec(model, settings.models_dir)
    validation.validate_frame(validation.load_table(current), spec, require_target=False)
    monitoring.require_champion(spec.name)
    quiet_prefect()
    from flows.monitor import monitor as monitor_flow

    from govern.progress import activity

    with activity(f"monitoring {model}"):
        outcome = monitor_flow(model, str(current))
    emit = (lambda line: None) if as_json else typer.echo
    for line in summary_lines(monitoring.MonitoringOutcome.from_dict(outcome)):
        emit(line)
    if outcome["status"] == "passed" or not retrain:
        if as_json:
            typer.echo(json.dumps(outcome, indent=2, default=str))
        if outcome["status"] != "passed":
            raise typer.Exit(5)
        return
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    plan = retraining.retrain_data(spec, settings.root, retrain_data or current, outcome["champion"], stamp)
    emit(f"monitoring failed: retraining {model} on {plan.rule} data, {plan.rows} rows ({plan.path})")
    extra = {"provenance": plan.provenance} if "provenance" in inspect.signature(train_model).parameters else {}
    result = train_model(model, plan.path, **extra)
    outcome["retraining"] = {"rule": plan.rule, "data": str(plan.path), "rows": plan.rows, "provenance": plan.provenance, "challenger": result}
    if as_json:
        typer.echo(json.dumps(outcome, indent=2, default=str))
    else:
        _print_training(result)
    if result["gates"] != "passed":
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
    from govern.scheduler import serve_until_stopped

    serve_until_stopped(promote_approved, name="govern-watch", interval=interval, log=load_settings().mlruns / "prefect-server.log", echo=typer.echo)


@app.command()
@command
def demo(
    rows: int = typer.Option(4000, help="Customers in the first period"),
    trials: Optional[int] = typer.Option(None, min=1, help="Override the specs' trial budget"),
):
    """The whole story on generated demo data, offline."""
    from govern.demo import run_demo

    from govern.progress import echo_steps

    with echo_steps("govern demo", typer.echo) as echo:
        run_demo(load_settings(), rows=rows, trials=trials, echo=echo)


@app.command()
@command
def status(
    model: Optional[str] = typer.Argument(None, help="One model (default: every governed model)"),
    as_json: bool = typer.Option(False, "--json", help="Print the inventory as JSON"),
):
    """Every governed model: champion and its age, next review due, challengers waiting and
    why, last monitoring verdict.  An overdue review is a warning, not a failure."""
    from govern import status as inventory

    settings = load_settings()
    log = _audit_log()
    rows = [inventory.model_status(model, log, settings.models_dir)] if model else inventory.inventory(log, settings.models_dir)
    if model and not rows[0].has_spec and not rows[0].registered and not log.events(model):
        raise GovernError(f"unknown model '{model}': no spec, no registered version, no recorded decision")
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in rows], indent=2, default=str))
        return
    for row in rows:
        for line in inventory.summary_lines(row):
            typer.echo(line)


server_app = typer.Typer(help="The team's MLflow server with the governance app (PostgreSQL, basic-auth).")
app.add_typer(server_app, name="server")
_BACKEND = typer.Option(None, "--backend-store-uri", envvar="GOVERN_MLFLOW_DATABASE_URL", help="MLflow's PostgreSQL database")
_AUTH_DB = typer.Option(None, "--auth-database-uri", envvar="GOVERN_AUTH_DATABASE_URL", help="basic-auth's users and roles (its own PostgreSQL database)")


def _team_server(backend: Optional[str], auth_db: Optional[str], artifacts: Optional[str] = None, host: str = "127.0.0.1", port: int = 5000):
    from govern.team_server import TeamServer

    missing = [flag for flag, value in (("--backend-store-uri (GOVERN_MLFLOW_DATABASE_URL)", backend), ("--auth-database-uri (GOVERN_AUTH_DATABASE_URL)", auth_db)) if not value]
    if missing:
        raise GovernError(f"govern server needs {' and '.join(missing)}")
    settings = load_settings()
    server = TeamServer(backend, auth_db, artifacts or str(settings.mlruns / "server-artifacts"), settings.mlruns, host=host, port=port)
    server.check()
    return server


@server_app.callback(invoke_without_command=True)
@command
def server(
    ctx: typer.Context,
    backend_store_uri: Optional[str] = _BACKEND,
    auth_database_uri: Optional[str] = _AUTH_DB,
    artifacts_destination: Optional[str] = typer.Option(None, help="Where the server keeps artifacts (default mlruns/server-artifacts)"),
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(5000, help="Port"),
):
    """Start MLflow with the governance app: one worker, no job runners, basic-auth users,
    the reviewers and platform roles and the service user created on first start."""
    if ctx.invoked_subcommand is not None:
        return
    import time

    from govern.team_server import require_server_secrets, start

    require_server_secrets()
    team = _team_server(backend_store_uri, auth_database_uri, artifacts_destination, host, port)
    began = time.monotonic()
    process = start(team, log=load_settings().mlruns / "govern-server.log")
    typer.echo(f"govern server on {team.url} (started in {time.monotonic() - began:.1f} s; log: {load_settings().mlruns / 'govern-server.log'}; Ctrl-C to stop)")
    import signal

    # Stopping govern server stops MLflow's too: SIGTERM becomes the same clean stop as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=30)


@server_app.command("add-reviewer")
@command
def add_reviewer(
    username: str = typer.Argument(..., help="The reviewer's MLflow login"),
    auth_database_uri: Optional[str] = _AUTH_DB,
):
    """Put a user in the reviewers' role (creating it with GOVERN_REVIEWER_PASSWORD if new)."""
    from govern.team_server import TeamServer, add_reviewer as add

    if not auth_database_uri:
        raise GovernError("govern server add-reviewer needs --auth-database-uri (GOVERN_AUTH_DATABASE_URL)")
    settings = load_settings()
    created = add(TeamServer("postgresql://unused", auth_database_uri, "", settings.mlruns), username, os.environ.get("GOVERN_REVIEWER_PASSWORD"))
    typer.echo(f"{username}: {'created and ' if created else ''}added to the reviewers' role")


def _live_spec(model: str):
    from govern.errors import SpecError
    from govern.spec import load_spec

    spec = load_spec(model, load_settings().models_dir)
    if spec.experiment is None:
        raise SpecError(f"{spec.name}: the spec has no experiment section (control_share, salt, outcome_window_days, ...)")
    return spec


def _day(value: Optional[str], option: str):
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise GovernError(f"{option}: '{value}' is not a date (YYYY-MM-DD)") from None


@app.command()
@command
def score(
    model: str,
    data: Path = typer.Option(..., "--data", help="Customers to score (Parquet streamed in chunks, or CSV)"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="The batch's date (default today, UTC); also its id unless --batch"),
    batch: Optional[str] = typer.Option(None, "--batch", help="Batch id (default: the as-of date); re-running a batch adds nothing twice"),
    chunk_rows: int = typer.Option(100_000, min=1000, help="Rows per chunk: bounds memory"),
    daily: bool = typer.Option(False, "--daily", help="Serve a Prefect deployment that scores --data every day (and ingests --labels)"),
    labels: Optional[Path] = typer.Option(None, "--labels", help="With --daily: outcomes file ingested after each scoring"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
):
    """Score customers with the champion, silently with the challenger; hold out the control group."""
    from govern import scoring

    spec = _live_spec(model)
    models = scoring.load_models(spec.name)
    scoring.check_input(spec, models, data)
    day = _day(as_of, "--as-of")
    quiet_prefect()
    if daily:
        from flows.score import daily as daily_flow
        from govern.scheduler import serve_until_stopped

        runner = daily_flow.with_options(name=f"daily-score-{spec.name}")
        bound = functools.partial(runner, model=spec.name, data=str(data.resolve()), labels=str(labels.resolve()) if labels else None)
        serve_until_stopped(_Served(runner, bound), name=f"daily-score-{spec.name}", interval=86_400, log=load_settings().mlruns / "prefect-server.log", echo=typer.echo)
        return
    from flows.score import score as score_flow

    result = score_flow(spec.name, str(data), as_of=day, batch_id=batch, chunk_rows=chunk_rows)
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    typer.echo(f"{spec.name} batch {result['batch_id']}: {result['rows']} customers scored by champion v{result['champion']}"
               + (f" and silently by challenger v{result['challenger']}" if result["challenger"] else " (no challenger)")
               + f"; audience {result['audience']}, control {result['control']}; {result['logged']} new rows logged; {result['seconds']:.1f} s")
    worst = max(result["balance"]["features"], key=lambda f: abs(f["difference"]), default=None)
    typer.echo(f"  control share {result['balance']['control_share']:.1%} (spec {result['balance']['expected_control_share']:.0%})"
               + (f"; largest imbalance {worst['feature']} {worst['difference']:+.3f} ({worst['note']})" if worst else ""))
    typer.echo(f"  files: {result['folder']}/audience.parquet, all.parquet")


class _Served:
    """A flow with its parameters bound, served as a deployment (``flow.serve`` takes none)."""

    def __init__(self, flow, bound):
        self.flow, self.bound, self.name = flow, bound, flow.name

    def serve(self, **kwargs):
        return self.flow.serve(parameters=self.bound.keywords, **kwargs)


@app.command()
@command
def outcomes(
    model: str,
    labels: Path = typer.Option(..., "--labels", help="Observed outcomes: id, target, outcome date"),
    today: Optional[str] = typer.Option(None, "--today", help="Date the report is made as of (default today, UTC)"),
    report: bool = typer.Option(True, help="Make the experiment report again when outcomes changed"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
):
    """Join observed outcomes to earlier predictions; matured once the spec's window has passed."""
    from govern import outcomes as outcome_rules
    from govern import validation

    spec = _live_spec(model)
    outcome_rules.read_labels(spec, validation.load_table(labels))
    quiet_prefect()
    from flows.experiment import outcomes_and_report

    result = outcomes_and_report(spec.name, str(labels), today=_day(today, "--today"), report=report)
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    i = result["ingest"]
    typer.echo(f"{spec.name}: {i['rows']} outcomes read; {i['stored']} stored, {i['updated']} updated, {i['unchanged']} unchanged"
               f" ({i['matured']} matured, {i['provisional']} provisional)")
    if i["unknown_ids"]:
        typer.echo(f"  not stored: {i['unknown_ids']} ids never scored (e.g. {', '.join(i['examples']['unknown_ids'])})")
    if i["before_prediction"]:
        typer.echo(f"  not stored: {i['before_prediction']} outcomes dated before their prediction (e.g. {', '.join(i['examples']['before_prediction'])})")
    if "report" in result:
        _print_experiment(result["report"])


def _print_experiment(r: dict) -> None:
    lift = r["lift"]
    if lift["difference"] is None:
        typer.echo(f"  lift: {lift['note']}")
    else:
        typer.echo(f"  lift among targeted: {lift['difference']:+.4f} [{lift['lower']:+.4f}, {lift['upper']:+.4f}] (treatment {lift['treatment_rate']:.3f}"
                   f" n={lift['treated']}, control {lift['control_rate']:.3f} n={lift['control']}); {r['power']['further']} more matured outcomes for the min effect")
    c = r["comparison"]
    if c:
        typer.echo(f"  challenger vs champion live {c['metric']}: {c['delta']:+.4f} [{c['lower']:+.4f}, {c['upper']:+.4f}] on {c['rows']} control customers")
    for reason in r["live_gate"]:
        typer.echo(f"  live gate not met: {reason}")
    if r["live"] and not r["live_gate"]:
        typer.echo(f"  live gate passed for v{r['challenger_version']}")
    t = r["threshold"]
    if t["recommended"] is not None:
        typer.echo(f"  threshold: recommended {t['recommended']:.2f} ({t['recommended_value']:,.0f} per batch) vs current {t['current']:.2f} ({t['current_value']:,.0f})")
    typer.echo(f"  report: {r['reports']['html']}")


@app.command()
@command
def experiment(
    model: str,
    today: Optional[str] = typer.Option(None, "--today", help="Date the report is made as of (default today, UTC)"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
):
    """The live experiment's report: lift against control, champion vs silent challenger, power, threshold, live gate."""
    spec = _live_spec(model)
    quiet_prefect()
    from flows.experiment import experiment as experiment_flow

    result = experiment_flow(spec.name, today=_day(today, "--today"))
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    typer.echo(f"{spec.name}: {result['customers_matured']} customers with matured outcomes, {result['customers_provisional']} provisional")
    _print_experiment(result)


@server_app.command("deploy-training")
@command
def deploy_training(pool: str = typer.Option("training", "--pool", help="Prefect work pool (type process), created if absent")):
    """Register the champion-challenger flow as a deployment on a work pool of the Prefect
    server at PREFECT_API_URL; machines join with `prefect worker start --pool POOL`."""
    from govern.team_training import DEPLOYMENT, FLOW_NAME, deploy_training as deploy

    if not os.environ.get("PREFECT_API_URL"):
        raise GovernError("govern server deploy-training needs PREFECT_API_URL (the team's Prefect server)")
    deploy(pool)
    typer.echo(f"deployment {FLOW_NAME}/{DEPLOYMENT} on pool {pool}; workers: prefect worker start --pool {pool} --type process")
    typer.echo(f"run: prefect deployment run {FLOW_NAME}/{DEPLOYMENT} --param model=churn")


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
