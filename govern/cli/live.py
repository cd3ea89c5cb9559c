"""``govern score``, ``outcomes`` and ``experiment``: the live experiment on customers."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import typer

from govern.app.launch import quiet_prefect
from govern.cli.common import app, command
from govern.core.errors import GovernError
from govern.core.settings import load_settings


def check_engine(engine: str, scheduler: str | None) -> str:
    """``--engine`` named plainly; Dask installed when asked for."""
    if engine not in ("local", "dask"):
        raise GovernError(f"--engine: '{engine}' is not an engine (local or dask)")
    if scheduler and engine != "dask":
        raise GovernError("--scheduler needs --engine dask")
    if engine == "dask":
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise GovernError("--engine dask needs dask and distributed: install the 'scale' extra")
    return engine


def _live_spec(model: str):
    from govern.core.errors import SpecError
    from govern.spec.model import load_spec

    spec = load_spec(model, load_settings().models_dir)
    if spec.experiment is None:
        raise SpecError(f"{spec.name}: the spec has no experiment section (control_share, salt, outcome_window_days, ...)")
    return spec


def _day(value: str | None, option: str):
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
    model: str = typer.Argument(..., help="Spec name under models/ (with an experiment section)"),
    data: Path = typer.Option(..., "--data", help="Customers to score (Parquet streamed in chunks, or CSV)"),
    as_of: str | None = typer.Option(None, "--as-of", help="The batch's date (default today, UTC); also its id unless --batch"),
    batch: str | None = typer.Option(None, "--batch", help="Batch id (default: the as-of date); re-running a batch adds nothing twice"),
    chunk_rows: int = typer.Option(100_000, min=1000, help="Rows per chunk: bounds memory"),
    engine: str = typer.Option("local", "--engine", help="local (one process) or dask (the file's row groups over a Dask cluster)"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="With --engine dask: a cluster's scheduler (tcp://host:8786); default a LocalCluster"),
    daily: bool = typer.Option(False, "--daily", help="Serve a Prefect deployment that scores --data every day (and ingests --labels)"),
    labels: Path | None = typer.Option(None, "--labels", help="With --daily: outcomes file ingested after each scoring"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
):
    """Score customers with the champion, silently with the challenger; hold out the control group."""
    from govern.live.ids import check_input_file

    engine = check_engine(engine, scheduler)
    spec = _live_spec(model)
    # The file is checked before MLflow loads; the models' columns are checked by the flow,
    # which loads the models once, before anything is written.
    check_input_file(data, spec.data.id_column)
    day = _day(as_of, "--as-of")
    quiet_prefect()
    if daily:
        from flows.score import daily as daily_flow
        from govern.runtime.scheduler import serve_until_stopped

        runner = daily_flow.with_options(name=f"daily-score-{spec.name}")
        bound = functools.partial(runner, model=spec.name, data=str(data.resolve()), labels=str(labels.resolve()) if labels else None)
        serve_until_stopped(_Served(runner, bound), name=f"daily-score-{spec.name}", interval=86_400, log=load_settings().mlruns / "prefect-server.log",
                            echo=typer.echo)
        return
    from flows.score import score as score_flow
    from govern.runtime import orchestration

    result = orchestration.run(score_flow, spec.name, str(data), as_of=day, batch_id=batch, chunk_rows=chunk_rows, engine=engine, scheduler=scheduler)
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
    f = result["features"]
    typer.echo(f"  features: {f['view']} in {f['repo']}" + ("" if f["online"] else f" (offline only: {f['reason']})") if f["published"]
               else f"  features: not published ({f['reason']})")


@app.command()
@command
def features(
    model: str = typer.Argument(..., help="Spec name under models/ whose scores to read"),
    customers: list[str] = typer.Argument(..., help="Customer ids"),
    as_json: bool = typer.Option(False, "--json", help="Print the features as JSON"),
):
    """A customer's online features, as a CRM reads them from Feast: score, decision, reasons, arm, version, as-of, actionable."""
    from govern.stores import feature_store

    rows = feature_store.online_features(feature_store.repo_path(load_settings().mlruns), model, customers)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    for r in rows:
        typer.echo(f"{r['customer_id']}: no online features for {model}" if r["score"] is None else
                   f"{r['customer_id']}: score {r['score']:.3f}, decision {r['decision']}, arm {r['arm']}, actionable {r['actionable']},"
                   f" v{r['version']} as of {r['as_of']} (batch {r['batch_id']}); {r['reasons']}")


class _Served:
    """A flow with its parameters bound, served as a deployment (``flow.serve`` takes none)."""

    def __init__(self, flow, bound):
        self.flow, self.bound, self.name = flow, bound, flow.name

    def serve(self, **kwargs):
        return self.flow.serve(parameters=self.bound.keywords, **kwargs)


@app.command()
@command
def outcomes(
    model: str = typer.Argument(..., help="Spec name under models/ whose predictions the outcomes belong to"),
    labels: Path = typer.Option(..., "--labels", help="Observed outcomes: id, target, outcome date"),
    today: str | None = typer.Option(None, "--today", help="Date the report is made as of (default today, UTC)"),
    report: bool = typer.Option(True, help="Make the experiment report again when outcomes changed"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
):
    """Join observed outcomes to earlier predictions; matured once the spec's window has passed."""
    import tempfile

    from govern.live import outcomes as outcome_rules

    spec = _live_spec(model)
    with tempfile.TemporaryDirectory(prefix="govern-labels-") as folder:  # checked by chunks before the flow starts
        outcome_rules.labels_to_parquet(spec, labels, Path(folder) / "labels.parquet")
    quiet_prefect()
    from flows.experiment import outcomes_and_report
    from govern.runtime import orchestration

    result = orchestration.run(outcomes_and_report, spec.name, str(labels), today=_day(today, "--today"), report=report)
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
                   f" n={lift['treated']}, control {lift['control_rate']:.3f} n={lift['control']});"
                   f" {r['power']['further']} more matured outcomes for the min effect")
    c = r["comparison"]
    if c:
        typer.echo(f"  challenger vs champion live {c['metric']}: {c['delta']:+.4f} [{c['lower']:+.4f}, {c['upper']:+.4f}] on {c['rows']} control customers")
    for reason in r["live_gate"]:
        typer.echo(f"  live gate not met: {reason}")
    if r["live"] and not r["live_gate"]:
        typer.echo(f"  live gate passed for v{r['challenger_version']}")
    t = r["threshold"]
    if t["recommended"] is not None:
        typer.echo(f"  threshold: recommended {t['recommended']:.2f} ({t['recommended_value']:,.0f} per batch)"
                   f" vs current {t['current']:.2f} ({t['current_value']:,.0f})")
    typer.echo(f"  report: {r['reports']['html']}")


@app.command()
@command
def experiment(
    model: str = typer.Argument(..., help="Spec name under models/ to report the live experiment of"),
    today: str | None = typer.Option(None, "--today", help="Date the report is made as of (default today, UTC)"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
):
    """The live experiment's report: lift against control, champion vs silent challenger, power, threshold, live gate."""
    spec = _live_spec(model)
    quiet_prefect()
    from flows.experiment import experiment as experiment_flow
    from govern.runtime import orchestration

    result = orchestration.run(experiment_flow, spec.name, today=_day(today, "--today"))
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    typer.echo(f"{spec.name}: {result['customers_matured']} customers with matured outcomes, {result['customers_provisional']} provisional")
    _print_experiment(result)


@app.command()
@command
def uplift(
    model: str = typer.Argument(..., help="Spec name under models/ whose live experiment the uplift model learns from"),
    features: str = typer.Option(..., "--features", help="The files that were scored (glob, or comma-separated globs): the model's inputs by id"),
    share: float = typer.Option(0.5, "--share", min=0.01, max=1.0, help="Share of targeted customers offered when pricing risk and uplift targeting"),
    resamples: int = typer.Option(500, "--resamples", min=100, help="Bootstrap resamples for the Qini, AUUC and value intervals"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON"),
):
    """Train the uplift model on the experiment's two arms, judge it by Qini against the risk score, register <model>-uplift."""
    spec = _live_spec(model)
    quiet_prefect()
    from flows.uplift import uplift as uplift_flow

    result = uplift_flow(spec.name, features, share=share, resamples=resamples)
    result.pop("held_out")
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    ev, counts = result["evaluation"], result["counts"]
    typer.echo(f"{result['model']} v{result['version']}: gates {result['gates']}; trained on {counts['train']}, judged on {counts['held_out']}"
               f" targeted customers ({counts['treated']} treated, {counts['control']} control in all)")
    for name, r in ev["rankings"].items():
        typer.echo(f"  {name}: Qini {r['qini']:+.4f} [{r['qini_interval'][0]:+.4f}, {r['qini_interval'][1]:+.4f}], AUUC {r['auuc']:+.4f}")
    for t in result["targeting"]:
        typer.echo(f"  top {t['share']:.0%} by {t['rule']}: {t['value_per_1000']:,.0f} [{t['interval'][0]:,.0f}, {t['interval'][1]:,.0f}] per 1,000 customers")
    for line in result["failures"]:
        typer.echo(f"  not met: {line}")
    typer.echo(f"  card: {result['card']}")
