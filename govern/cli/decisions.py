"""``govern approve``, ``promote``, ``rollback`` and ``audit``: the decisions and their record."""

from __future__ import annotations

import json

import typer

from govern.cli.common import app, audit_log, command
from govern.core.errors import GovernError
from govern.core.settings import load_settings


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
    acknowledge: list[str] = typer.Option([], "--acknowledge", help="An inconclusive gate the reviewer acknowledges (repeat for each gate that needs it)"),
    as_json: bool = typer.Option(False, "--json", help="Print the decision as JSON"),
):
    """Set approval.status and approval.reviewer on a version, as a reviewer would in the UI,
    and show what changed in the gates since the champion's."""
    from govern.governance import approval

    a = approval.approve(audit_log(), model, version, reviewer=reviewer, approved=not reject, note=note, acknowledge=acknowledge)
    if as_json:
        typer.echo(json.dumps({"model": model, "version": a.version, "status": a.status, "reviewer": a.reviewer, "acknowledged": list(a.acknowledged),
                               **a.rules.as_details()}, indent=2))
        return
    typer.echo(f"{model} v{a.version}: {a.status} by {a.reviewer}" + (f" (acknowledged: {', '.join(a.acknowledged)})" if a.acknowledged else ""))
    _print_rules(a.rules)
    if a.card_note:
        typer.echo(f"  note: {a.card_note}")


def _print_move(p, verb: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"model": p.name, "action": verb, "version": p.version, "previous": p.previous, **(p.rules.as_details() if p.rules else {})},
                              indent=2))
        return
    typer.echo(f"{p.name}: champion v{p.previous or '-'} -> v{p.version}" + (" (rolled back)" if verb == "rollback" else ""))
    if getattr(p, "approval", ""):
        typer.echo(f"  approval: {p.approval}"
                   + (" (not verified: set by tag, no governance server signed it)" if p.approval == "declared" else " (signed by the governance server)"))
    if p.rules is not None:
        _print_rules(p.rules)
    if p.card_note:
        typer.echo(f"  note: {p.card_note}")


@app.command()
@command
def promote(
    model: str = typer.Argument(..., help="Registered model (spec name)"),
    version: str | None = typer.Argument(None, help="Default: the version aliased challenger"),
    as_json: bool = typer.Option(False, "--json", help="Print the promotion as JSON"),
):
    """Move alias champion to an approved version whose gates passed; show what changed in the gates."""
    from govern.governance import decisions

    _print_move(decisions.promote(audit_log(), model, version), "promotion", as_json)


@app.command()
@command
def rollback(model: str = typer.Argument(..., help="Registered model (spec name)"),
             as_json: bool = typer.Option(False, "--json", help="Print the rollback as JSON")):
    """Restore the champion before the current one, along the recorded history, if it may still be champion."""
    from govern.governance import decisions

    _print_move(decisions.rollback(audit_log(), model), "rollback", as_json)


@app.command()
@command
def audit(
    model: str = typer.Argument(None, help="Registered model (spec name)"),
    server: bool = typer.Option(False, "--server", help="The server's own chain instead: refused user administration and writes of no model"),
    show: bool = typer.Option(True, help="List the recorded events"),
    as_json: bool = typer.Option(False, "--json", help="Print events, history and problems as JSON"),
):
    """Verify the audit chain and that alias champion is where recorded decisions put it."""
    from govern.governance import decisions
    from govern.governance.status import model_status
    from govern.stores.audit.events import SERVER_CHAIN

    if (model is None) == (not server):
        raise GovernError("govern audit needs a model name or --server (not both)")
    log = audit_log()
    model = SERVER_CHAIN if server else model
    report = decisions.audit_model(log, model)
    finding = None if server else model_status(model, log, load_settings().models_dir).review.finding(model, report.champion)
    warnings = [finding] if finding else []
    if as_json:
        payload = {"model": model, "ok": report.ok, "champion": report.champion, "problems": report.problems, "warnings": warnings, "history": report.history,
                   "events": [e.as_dict() for e in report.events]}
        typer.echo(json.dumps(payload, indent=2, default=str))
    elif show:
        for e in report.events:
            version = f"v{e.version}" if e.version else "-"
            typer.echo(f"{e.seq:>4} {e.recorded_at} {e.action:<20} {version:<5} {e.actor}")
            for reason in e.details.get("reasons") or ([e.details["reason"]] if e.details.get("reason") else []):
                typer.echo(f"{'':>5}reason: {reason}")
            for change in e.details.get("rule_changes") or []:
                typer.echo(f"{'':>5}rule changed since v{e.details.get('rules_compared_with')}: {change}")
            for change in e.details.get("rule_changes_since_previous") or []:
                typer.echo(f"{'':>5}rule changed since the previous version v{e.details.get('rules_previous')}: {change}")
        for h in report.history:
            typer.echo(f"champion v{h['version']} from {h['at']} (moved by {h['by']}, previously v{h['from'] or '-'})")
    if report.problems:
        for p in report.problems:
            typer.echo(f"problem: {p}", err=True)
        raise typer.Exit(4)
    if not as_json:
        on_record = "" if server else f", champion v{report.champion or '-'} on record"
        typer.echo(f"{model}: audit chain intact ({len(report.events)} events){on_record}")
    for finding in warnings:
        typer.echo(f"warning: {finding}")
