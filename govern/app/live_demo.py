"""The demo's live chapter: a retention campaign run for seven weeks on the ``retention`` model.

v1 is champion, v2 (trained on the later period) waits as challenger.  Each day a
cohort is scored by the Prefect flow (champion acting, challenger silent, control
held out); the campaign acts on the audience file with a known true effect; each
week the outcomes observed so far are ingested and the experiment report made, so
the live gate can be seen holding and then opening; finally the challenger is
approved and promoted through every gate, the live one included.  The offer's effect
differs by customer (persuadables, sure things, lost causes, sleeping dogs): once every
outcome has matured, an uplift model is trained on the experiment's two arms, judged,
approved and promoted as ``retention-uplift``, and targeting by it is set against
targeting by risk, each with its interval and the simulated truth.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from govern.core.errors import GovernError, PromotionRefused
from govern.core.settings import Settings
from govern.demo import campaign as campaign_demo
from govern.evidence.verdict import PASSED
from govern.governance import acknowledgement, approval, decisions
from govern.stores import registry
from govern.stores.audit.log import AuditLog

MODEL = "retention"
OFFER_EFFECT = 0.35  # the knob: share of churn the offer prevents among treated customers
START, DAYS, ROWS_PER_DAY = date(2026, 8, 1), 49, 400


def run_live_story(settings: Settings, log: AuditLog, train: Path, later: Path, *, trials: int | None, reviewer: str,
                   echo: Callable[[str], None], report: Callable[[Callable, dict], None]) -> dict:
    from flows.experiment import outcomes_and_report
    from flows.score import score
    from govern.app.launch import train_model

    started = time.perf_counter()
    echo("")
    echo(f"live experiment: {MODEL} (a retention offer to customers above the threshold; its effect differs by customer:"
         " persuadables stay, sleeping dogs leave, sure things and lost causes do what they would have done)")
    if registry.alias_version(MODEL, registry.CHAMPION) is None:
        first = train_model(MODEL, train, trials=trials)
        report(echo, first)
        if first["gates"] != PASSED:
            raise GovernError(f"demo: {MODEL} v{first['version']} failed its gates: {'; '.join(first['failures'])}")
        approval.approve(log, MODEL, first["version"], reviewer=reviewer, note="demo approval", acknowledge=acknowledgement.required(MODEL, first["version"]))
        decisions.promote(log, MODEL, first["version"], actor="govern demo")
    second = train_model(MODEL, later, trials=trials)
    report(echo, second)
    challenger = registry.alias_version(MODEL, registry.CHALLENGER)
    echo(f"  challenger: {'v' + challenger + ' scores silently' if challenger else 'none (v' + second['version'] + ' failed its gates)'}")
    campaign = campaign_demo.Campaign(offer_effect=OFFER_EFFECT, window_days=30, seed=11, drift=0.6, segments=campaign_demo.Segments())
    last = None
    for i in range(DAYS):
        day = START + timedelta(days=i)
        path = campaign_demo.write_cohort(campaign.cohort(day, ROWS_PER_DAY), settings.root, day)
        # Downstream systems read the latest scores: the replayed weeks publish their last day only.
        result = score(MODEL, str(path), as_of=day.isoformat(), publish=i == DAYS - 1)
        folder = Path(result["folder"])
        campaign.act(pd.read_parquet(folder / "all.parquet"), pd.read_parquet(folder / "audience.parquet")["customer_id"])
        if i == 0:
            echo(f"  day 1 ({day}): {result['rows']} scored, audience {result['audience']}, control {result['control']}: {result['folder']}")
        if (i + 1) % 7:
            continue
        labels = settings.data_dir / "demo" / "live" / f"outcomes_{day.isoformat()}.parquet"
        campaign.labels(day).to_parquet(labels, index=False)
        last = outcomes_and_report(MODEL, str(labels), today=day.isoformat())
        week = last.get("report")
        if week is None:
            continue
        lift = week["lift"]
        shown = "not measured yet" if lift["difference"] is None else f"{lift['difference']:+.3f} [{lift['lower']:+.3f}, {lift['upper']:+.3f}]"
        unmet = len(week["live_gate"])
        gate = "open" if week["live"] and not unmet else f"holds ({unmet} condition{'s' if unmet != 1 else ''} unmet)"
        echo(f"  week {(i + 1) // 7} ({day}): {week['customers_matured']} matured, {week['customers_provisional']} provisional; lift {shown}; live gate {gate}")
    week = (last or {}).get("report") or {}
    truth = campaign.truth(date.fromisoformat(week["made_on"])) if week else None
    for reason in week.get("live_gate", []):
        echo(f"    not met: {reason}")
    if truth:
        echo(f"  true effect among targeted customers with matured outcomes: {truth.absolute_effect:+.3f}; measured {week['lift']['difference']:+.3f}"
             f" [{week['lift']['lower']:+.3f}, {week['lift']['upper']:+.3f}];"
             f" threshold advice {week['threshold']['recommended']} vs {week['threshold']['current']}")
        echo(f"  report: {week['reports']['html']}")
    features = result["features"]
    echo(f"  latest scores for downstream systems: Feast view {features['view']} in {features['repo']} (govern features {MODEL} <customer id>)"
         if features.get("published") else f"  latest scores not in a feature store: {features.get('reason')}")
    promoted = None
    if challenger:
        acknowledged = acknowledgement.required(MODEL, challenger)
        approval.approve(log, MODEL, challenger, reviewer=reviewer, note="demo approval after the live experiment", acknowledge=acknowledged)
        if acknowledged:
            echo(f"  {reviewer} acknowledges the inconclusive gates: {', '.join(acknowledged)}")
        try:
            promoted = decisions.promote(log, MODEL, challenger, actor="govern demo").version
            echo(f"  approved by {reviewer}; live gate passed: champion v{promoted}")
        except PromotionRefused as exc:
            echo(f"  promotion refused: {exc}")
    targeted = run_uplift_story(settings, log, campaign, reviewer=reviewer, echo=echo)
    echo(f"  live chapter: {DAYS} daily batches of {ROWS_PER_DAY} in {time.perf_counter() - started:.0f} s")
    return {"challenger": challenger, "promoted": promoted, "truth": truth.absolute_effect if truth else None, "lift": week.get("lift"), "uplift": targeted}


def run_uplift_story(settings: Settings, log: AuditLog, campaign: campaign_demo.Campaign, *, reviewer: str, echo: Callable[[str], None]) -> dict:
    """Every outcome matured: train the uplift model, govern it, and price risk against uplift targeting."""
    from flows.experiment import outcomes_and_report
    from flows.uplift import uplift
    from govern.spec.model import load_spec
    from govern.uplift import targeting

    folder = settings.data_dir / "demo" / "live"
    labels = folder / "outcomes_all.parquet"
    campaign.all_labels().to_parquet(labels, index=False)
    outcomes_and_report(MODEL, str(labels), report=False)
    shares = ", ".join(f"{k} {v:.0%}" for k, v in campaign.segment_shares(targeted=True).items())
    echo(f"  uplift: every outcome matured; among targeted customers {shares}")
    result = uplift(MODEL, str(folder / "customers_*.parquet"), share=0.5)
    ev = result["evaluation"]
    model = ev["rankings"]["dr_learner"]
    risk = ev["rankings"]["risk_score"]
    echo(f"  {result['model']} v{result['version']}: gates {result['gates']}; Qini {model['qini']:+.4f} [{model['qini_interval'][0]:+.4f}, "
         f"{model['qini_interval'][1]:+.4f}] against the risk score's {risk['qini']:+.4f} on {ev['customers']} held-out customers")
    for line in result["failures"]:
        echo(f"    not met: {line}")
    held = result["held_out"].merge(campaign.effects()[["customer_id", "effect"]], on="customer_id", how="left")
    economics = load_spec(MODEL, settings.models_dir).experiment
    rows = targeting.compare(held["outcome"], held["treated"], {"risk": held["risk"].to_numpy(), "uplift": held["uplift"].to_numpy()}, share=0.5,
                             value=economics.value_per_saved_customer, cost=economics.offer_cost, resamples=500, true_effect=held["effect"].to_numpy())
    for row in rows:
        echo(f"  offer to the top half by {row.rule}: {row.value_per_1000:,.0f} [{row.interval[0]:,.0f}, {row.interval[1]:,.0f}] per 1,000 targeted customers;"
             f" true {row.true_value_per_1000:,.0f}")
    promoted = None
    if result["gates"] == PASSED:
        approval.approve(log, result["model"], result["version"], reviewer=reviewer, note="demo approval of the uplift model",
                         acknowledge=acknowledgement.required(result["model"], result["version"]))
        try:
            promoted = decisions.promote(log, result["model"], result["version"], actor="govern demo").version
            echo(f"  approved by {reviewer}: {result['model']} champion v{promoted}; card {result['card']}")
        except PromotionRefused as exc:
            echo(f"  promotion refused: {exc}")
    return {"version": result["version"], "gates": result["gates"], "promoted": promoted, "qini": model["qini"], "qini_interval": model["qini_interval"],
            "targeting": [r.model_dump(mode="json") for r in rows]}
