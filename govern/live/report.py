"""``govern experiment``: the live experiment's report, beside the model's card and in MLflow.

JSON (the record), Markdown and HTML with four pictures drawn by matplotlib's Agg
backend and embedded as PNG, so the page opens offline.  Written under
``model_cards/<model>/v<champion>/experiment/`` and logged to an MLflow run named
``experiment`` (never under a training run's ``evidence/`` folder, whose digest
would change).  The live evidence inside it is bound to the challenger's version.
"""

from __future__ import annotations

import base64
import io
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import norm  # noqa: E402

from govern.evidence.decision import threshold_of  # noqa: E402
from govern.evidence.io import write_evidence  # noqa: E402
from govern.evidence.live import Cohort, ExperimentReport  # noqa: E402
from govern.live import cuped, guardrails, policies, report_data, sequential, srm  # noqa: E402
from govern.live import experiment as ex  # noqa: E402
from govern.live import gate as live_gate  # noqa: E402
from govern.live.assignment import CONTROL, TREATMENT  # noqa: E402
from govern.live.report_data import ReportData  # noqa: E402
from govern.live.scoring import version_threshold  # noqa: E402
from govern.spec.model import ModelSpec  # noqa: E402


def build(spec: ModelSpec, data: pd.DataFrame | ReportData, today: date) -> tuple[ExperimentReport, live_gate.LiveEvidence | None, pd.DataFrame]:
    """The report from a live frame or, bounded in memory, from :func:`report_data.read`'s reductions."""
    exp, gate = spec.experiment, spec.gates.live
    if isinstance(data, pd.DataFrame):
        data = report_data.from_frame(data, arms=bool(exp.arms))
    start = data.start or today
    compared = policies.compare(data.policy_units, exp, start, customers=data.policy_customers) if exp.arms else None
    matured, provisional = data.matured, data.provisional
    result = ex.arm_lift(matured, exp.confidence)
    overall = float(matured["outcome"].mean()) if len(matured) else None
    champion_version = data.champion_version
    champion_threshold = version_threshold(spec.name, champion_version) if champion_version else threshold_of(None)
    challenger_version = data.challenger_version
    challenger_threshold = version_threshold(spec.name, challenger_version) if challenger_version else champion_threshold
    comparison = ex.live_comparison(spec, matured, gate, (challenger_threshold, champion_threshold))
    targeted = matured[matured["decision"] == 1]
    seq = sequential.lift_test(targeted, start, exp.planned_days, 1 - exp.confidence, exp.spending)
    ratio = srm.check_counts(*data.srm, policies.view_control_share(exp), exp.srm_p_value)
    guards = guardrails.evaluate(exp, targeted, seq)
    evidence = None
    if gate is not None:
        control = matured[(matured["arm"] == CONTROL) & matured["challenger_score"].notna()]
        evidence = live_gate.gather(spec.name, data.silent, control, comparison, gate, exp.outcome_window_days, today,
                                    sequential=seq, srm=ratio, guardrails=guards)
    cohorts = data.cohorts.copy()
    window = pd.Timedelta(days=exp.outcome_window_days)
    cohorts["window_passed"] = pd.to_datetime(cohorts["as_of"]) + window <= pd.Timestamp(today)
    cohorts["as_of"] = pd.to_datetime(cohorts["as_of"]).dt.date.astype(str)
    report = ExperimentReport(
        model=spec.name, made_on=today.isoformat(),
        champion_version=champion_version,
        challenger_version=evidence.challenger_version if evidence else None,
        predictions=int(data.predictions), customers_matured=int(len(matured)), customers_provisional=int(len(provisional)),
        lift=result, provisional_lift=ex.arm_lift(provisional, exp.confidence),
        value=ex.incremental_value(result, exp), power=ex.power_needed(result, exp, overall),
        comparison=comparison, threshold=ex.threshold_advice(spec, matured, result, champion_threshold),
        live=evidence, live_gate=live_gate.judge(evidence, gate) if evidence and gate else [],
        cohorts=[Cohort(**{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}) for row in cohorts.to_dict("records")],
        sequential=seq, srm=ratio, adjusted=cuped.lift(targeted, ["champion_score"], exp.confidence, sequential.current_bound(seq)),
        guardrails=guards, policies=compared,
    )
    return report, evidence, matured


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def pictures(matured: pd.DataFrame, report: ExperimentReport) -> dict[str, bytes]:
    out = {}
    fig, ax = plt.subplots(figsize=(6, 3.2))
    if len(matured) >= 10:
        decile = pd.qcut(matured["champion_score"].rank(method="first"), 10, labels=False)
        rates = matured.assign(decile=decile + 1).groupby(["decile", "arm"])["outcome"].mean().unstack()
        rates.plot(kind="bar", ax=ax, color=[{TREATMENT: "#1f77b4", CONTROL: "#aaaaaa"}.get(c, "#555555") for c in rates.columns])
    ax.set(title="Outcome rate by champion score decile", xlabel="score decile (10 = highest)", ylabel="outcome rate")
    out["lift_by_decile"] = _png(fig)

    fig, ax = plt.subplots(figsize=(6, 3.2))
    looks = [look for look in (report.sequential.looks if report.sequential else []) if look.difference is not None]
    if looks:
        days = pd.to_datetime([look.day for look in looks])
        ax.plot(days, [look.difference for look in looks], color="#1f77b4", label="lift at each look")
        z = norm.ppf(0.5 + report.lift.confidence / 2)
        ax.fill_between(days, [look.difference - z * look.se for look in looks], [look.difference + z * look.se for look in looks], alpha=0.2,
                        label="fixed-horizon interval (not valid when looked at daily)")
        ax.plot(days, [look.lower for look in looks], "k--", lw=0.9, label="sequential boundary (repeated interval)")
        ax.plot(days, [look.upper for look in looks], "k--", lw=0.9)
        ax.legend(fontsize=7)
    ax.axhline(0, color="black", lw=0.8)
    ax.set(title="Cumulative lift (treatment - control) at each daily look", ylabel="difference in outcome rate")
    fig.autofmt_xdate()
    out["cumulative_lift"] = _png(fig)

    fig, ax = plt.subplots(figsize=(4, 4))
    control = matured[matured["arm"] == CONTROL]
    if len(control) >= 10:
        bins = pd.qcut(control["champion_score"].rank(method="first"), min(10, len(control) // 5), labels=False)
        table = control.groupby(bins).agg(predicted=("champion_score", "mean"), observed=("outcome", "mean"))
        ax.plot(table["predicted"], table["observed"], "o-", label="champion (control arm)")
    ax.plot([0, 1], [0, 1], "--", color="grey")
    ax.set(title="Calibration on untreated customers", xlabel="predicted rate", ylabel="observed rate")
    out["calibration"] = _png(fig)

    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    lift = report.lift
    for i, (arm, n) in enumerate(((TREATMENT, lift.treated), (CONTROL, lift.control))):
        rate = lift.treatment_rate if arm == TREATMENT else lift.control_rate
        if rate is not None:
            lo, hi = ex.rate_interval(round(rate * n), n, lift.confidence)
            ax.bar(i, rate, color="#1f77b4" if arm == TREATMENT else "#aaaaaa")
            ax.errorbar(i, rate, yerr=[[rate - lo], [hi - rate]], color="black", capsize=6)
    ax.set_xticks([0, 1], [f"treatment (n={lift.treated})", f"control (n={lift.control})"])
    ax.set(title="Targeted customers: outcome rate", ylabel="outcome rate")
    out["arms"] = _png(fig)
    return out


def _fmt(value, spec: str = "+.4f") -> str:
    return "not measured" if value is None else format(value, spec)


def _srm(report: ExperimentReport) -> list[str]:
    r = report.srm
    if r is None:
        return ["**Sample ratio not checked: the conclusions below are not to be relied on.**", ""]
    if r.mismatch:
        return [f"**CONCLUSIONS WITHHELD: {r.note}.**", ""]
    return [f"Sample ratio: {r.control} control and {r.treatment} treatment customers against a configured control share of"
            f" {r.expected_control_share:.0%} (chi-squared p = {_fmt(r.p_value, '.3g')}; worst batch, Bonferroni,"
            f" p = {_fmt(r.worst_batch_p_value, '.3g')}); no mismatch below {r.threshold:g}.", ""]


def _sequential(report: ExperimentReport) -> list[str]:
    seq = report.sequential
    if seq is None:
        return []
    verdict = (f"crossed on {seq.crossed_on} towards {'fewer' if seq.direction == 'lower' else 'more'} outcomes" if seq.crossed_on
               else "no boundary crossed yet")
    lines = ["## Sequential test of the lift (valid at every daily look)", "",
             f"- Lan-DeMets {seq.spending.replace('_', '-')} spending of alpha {seq.alpha:g} over {seq.planned_days} planned days: {verdict};"
             f" repeated {1 - seq.alpha:.0%} interval [{_fmt(seq.lower)}, {_fmt(seq.upper)}]" + (f" ({seq.note})" if seq.note else ""), "",
             "| look (batches up to) | plan | treated | control | difference | z | boundary | repeated interval | crossed |",
             "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {k.day} | {k.fraction:.0%} | {k.treated} | {k.control} | {_fmt(k.difference)} | {_fmt(k.z, '+.2f')} |"
              f" {_fmt(k.bound, '.2f') if k.bound is not None else 'no alpha'} | [{_fmt(k.lower)}, {_fmt(k.upper)}] | {'yes' if k.crossed else ''} |"
              for k in seq.looks]
    return [*lines, ""]


def _adjusted(report: ExperimentReport) -> list[str]:
    a = report.adjusted
    if a is None:
        return []
    if a.difference is None:
        return ["## Variance reduction (CUPED/CUPAC)", "", f"- {a.note}", ""]
    return ["## Variance reduction (CUPED/CUPAC)", "",
            f"Regression adjustment on {', '.join(a.covariates)} (pre-treatment): variance of the lift reduced by {_fmt(a.variance_reduction, '.1%')}.", "",
            f"| estimate | difference | {report.lift.confidence:.0%} interval | sequential interval |", "|---|---|---|---|",
            f"| raw | {_fmt(report.lift.difference)} | [{_fmt(a.raw_lower)}, {_fmt(a.raw_upper)}] |"
            f" [{_fmt(report.sequential.lower if report.sequential else None)}, {_fmt(report.sequential.upper if report.sequential else None)}] |",
            f"| adjusted | {_fmt(a.difference)} | [{_fmt(a.lower)}, {_fmt(a.upper)}] | [{_fmt(a.sequential_lower)}, {_fmt(a.sequential_upper)}] |", ""]


def _guardrails(report: ExperimentReport) -> list[str]:
    if not report.guardrails:
        return []
    lines = ["## Guardrails (non-inferiority on the sequential bound)", "", "| guardrail | estimate | bound | max | status |", "|---|---|---|---|---|"]
    lines += [f"| {g.metric}{f' ({g.column})' if g.column else ''} | {_fmt(g.estimate, '.4g')} | {_fmt(g.bound, '.4g')} | {g.max:g} |"
              f" {g.status}{f': {g.note}' if g.note else ''} |" for g in report.guardrails]
    return [*lines, ""]


def markdown(report: ExperimentReport, images: dict[str, str]) -> str:
    lift, value, power, thr = report.lift, report.value, report.power, report.threshold
    lines = [f"# Live experiment: {report.model}", "",
             f"Made on {report.made_on} from {report.predictions} logged champion predictions; champion v{report.champion_version}"
             + (f", silent challenger v{report.challenger_version}." if report.challenger_version else ", no silent challenger."), "",
             *_srm(report), *policies.markdown(report.policies),
             "## Lift against the holdout control group (matured outcomes, targeted customers)", "",
             f"- treatment rate {_fmt(lift.treatment_rate, '.3f')} (n={lift.treated}),"
             f" control rate {_fmt(lift.control_rate, '.3f')} (n={lift.control})",
             f"- difference {_fmt(lift.difference)} [{_fmt(lift.lower)}, {_fmt(lift.upper)}] ({lift.confidence:.0%} fixed-horizon interval:"
             " valid for one look only; the sequential test below is valid at every look)",
             f"- relative {_fmt(lift.relative, '+.1%')} [{_fmt(lift.relative_lower, '+.1%')}, {_fmt(lift.relative_upper, '+.1%')}]",
             f"- outcomes prevented {_fmt(value.prevented, '.1f')} [{_fmt(value.prevented_lower, '.1f')}, {_fmt(value.prevented_upper, '.1f')}];"
             f" incremental value {_fmt(value.value, ',.0f')} [{_fmt(value.value_lower, ',.0f')}, {_fmt(value.value_upper, ',.0f')}]"
             f" after offer cost {value.offer_cost:,.0f}",
             f"- power: {power.needed} targeted customers with matured outcomes detect a change of {power.min_effect:g}"
             f" (base rate {power.base_rate:.3f}); {power.have} so far, {power.further} more needed"
             + (f" ({power.note})" if power.note else ""),
             *( [f"- note: {lift.note}"] if lift.note else []), "",
             *_sequential(report), *_adjusted(report), *_guardrails(report),
             "## Provisional (outcome window not yet passed)", "",
             f"- {report.customers_provisional} customers, outcomes observed so far (none yet counts as none);"
             f" difference {_fmt(report.provisional_lift.difference)}"
             f" [{_fmt(report.provisional_lift.lower)}, {_fmt(report.provisional_lift.upper)}], PROVISIONAL: may change as outcomes mature", "",
             "## Champion vs silent challenger on the same untreated customers", ""]
    c = report.comparison
    lines.append(f"- {c.metric}: challenger {c.challenger:.4f}, champion {c.champion:.4f}, difference {c.delta:+.4f}"
                 f" [{c.lower:+.4f}, {c.upper:+.4f}] over {c.rows} customers"
                 if c else "- not measured: too few matured control outcomes of both classes")
    lines += ["", "## Live gate", ""]
    if report.live is None:
        lines.append("- no silent challenger has been scored, or the spec declares no live gate")
    elif report.live_gate:
        lines += [f"- not met: {r}" for r in report.live_gate]
    else:
        lines.append(f"- passed for v{report.challenger_version}")
    lines += ["", "## Threshold from observed outcomes", ""]
    if thr.recommended is None:
        lines.append(f"- {thr.note}")
    else:
        lines.append(f"- recommended {thr.recommended:.2f} (expected value {thr.recommended_value:,.0f} per batch) against the current"
                     f" {thr.current:.2f} ({thr.current_value:,.0f}); measured relative effect {thr.relative_effect:.1%}"
                     + (f", capacity {thr.capacity} per batch" if thr.capacity else ""))
    lines += ["", "## Cohorts", "", "| batch | scored | outcomes known | matured | window passed |", "|---|---|---|---|---|"]
    lines += [f"| {r.as_of} | {r.scored} | {r.known} | {r.matured} | {'yes' if r.window_passed else 'no (provisional)'} |"
              for r in report.cohorts]
    lines += ["", *[f"![{name}]({src})" for name, src in images.items()], ""]
    return "\n".join(lines)


def write(report: ExperimentReport, images: dict[str, bytes], folder: Path) -> dict[str, Path]:
    import markdown as md

    folder.mkdir(parents=True, exist_ok=True)
    for name, data in images.items():
        (folder / f"{name}.png").write_bytes(data)
    paths = {"json": folder / "experiment.json", "markdown": folder / "experiment.md", "html": folder / "experiment.html"}
    write_evidence(paths["json"], report)
    paths["markdown"].write_text(markdown(report, {n: f"{n}.png" for n in images}))
    inline = {n: "data:image/png;base64," + base64.b64encode(d).decode() for n, d in images.items()}
    body = md.markdown(markdown(report, inline), extensions=["tables"])
    paths["html"].write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>Live experiment: {report.model}</title></head>"
                             f"<body style='font-family:sans-serif;max-width:60em;margin:auto'>{body}</body></html>")
    return paths


def log_to_mlflow(spec: ModelSpec, folder: Path, evidence: live_gate.LiveEvidence | None) -> str:
    """Log the report as an ``experiment`` run of the model's MLflow experiment; bind the evidence."""
    import mlflow

    from govern.core.settings import load_settings
    from govern.stores import registry

    settings = load_settings()
    experiment_id = registry.ensure_experiment(spec.name, settings.artifact_root)
    with mlflow.start_run(experiment_id=experiment_id, run_name="experiment", tags={"govern.kind": "experiment"}) as run:
        if evidence is not None:
            write_evidence(folder / "live.json", evidence)
        mlflow.log_artifacts(str(folder), artifact_path="experiment")
    if evidence is not None:
        live_gate.record(spec.name, evidence, run.info.run_id)
    return run.info.run_id
