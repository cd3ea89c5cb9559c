"""The demo's live chapter: a retention campaign run for seven weeks on the ``retention`` model.

v1 is champion, v2 (trained on the later period) waits as challenger.  Each day a
cohort is scored by the Prefect flow (champion acting, challenger silent, control
held out); the campaign acts on the audience file with a known true effect; each
week the outcomes observed so far are ingested and the experiment report made, so
the live gate can be seen holding and then opening; finally the challenger is
approved and promoted through every gate, the live one included.
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
    echo(f"live experiment: {MODEL} (a retention offer to customers above the threshold; true effect: the offer prevents {OFFER_EFFECT:.0%} of their churn)")
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
    campaign = campaign_demo.Campaign(offer_effect=OFFER_EFFECT, window_days=30, seed=11, drift=0.6)
    last = None
    for i in range(DAYS):
        day = START + timedelta(days=i)
        path = campaign_demo.write_cohort(campaign.cohort(day, ROWS_PER_DAY), settings.root, day)
        result = score(MODEL, str(path), as_of=day.isoformat())
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
    echo(f"  live chapter: {DAYS} daily batches of {ROWS_PER_DAY} in {time.perf_counter() - started:.0f} s")
    return {"challenger": challenger, "promoted": promoted, "truth": truth.absolute_effect if truth else None, "lift": week.get("lift")}
