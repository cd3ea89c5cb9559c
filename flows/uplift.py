"""Uplift training as a Prefect flow (wiring only; the logic is :mod:`govern.uplift`).

live frame from the prediction log -> training table with the scored features -> T- and
DR-learner on the training customers -> Qini, AUUC, deciles and targeting value on the
held-out ones -> uplift gates -> register ``<model>-uplift`` through the same
registration as every challenger (evidence, card, digest, audit), so approval and
promotion (``govern approve``/``govern promote <model>-uplift``) govern it too.
"""

from __future__ import annotations

import getpass
import glob
import time
from pathlib import Path

import pandas as pd
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from govern.core.errors import DataValidationError
from govern.core.settings import load_settings
from govern.data.validation import load_table
from govern.evidence.record import Lineage
from govern.governance import registration
from govern.spec.model import load_spec
from govern.stores import registry
from govern.stores.audit.log import AuditLog
from govern.stores.predictions import PredictionLog
from govern.uplift import gate, targeting
from govern.uplift import record as uplift_record
from govern.uplift.evaluation import MODEL, RISK, fit_and_judge
from govern.uplift.learners import Settings
from govern.uplift.table import build_table

STEP = dict(cache_policy=NO_CACHE, persist_result=False)


def _feature_files(features: str) -> list[Path]:
    paths = sorted({Path(p) for part in features.split(",") for p in glob.glob(part.strip())})
    if not paths:
        raise DataValidationError(f"--features: no file matches '{features}'")
    return paths


@task(name="uplift-table", **STEP)
def table_task(spec, features: str, holdout_share: float):
    log = PredictionLog.from_settings()
    try:
        frame = log.live_frame(spec.name)
    finally:
        log.close()
    scored = pd.concat([load_table(p) for p in _feature_files(features)], ignore_index=True)
    return build_table(frame, scored, spec, holdout_share=holdout_share)


@task(name="uplift-fit", **STEP)
def fit_task(table, settings: Settings, resamples: int, confidence: float):
    return fit_and_judge(table, settings=settings, resamples=resamples, confidence=confidence)


@flow(name="uplift", validate_parameters=False)
def uplift(model: str, features: str, *, share: float = 0.5, resamples: int = 500, holdout_share: float = 0.3, seed: int = 0) -> dict:
    """Train, judge and register the uplift model of ``model``'s live experiment."""
    started = time.perf_counter()
    settings = load_settings()
    spec = load_spec(model, settings.models_dir)
    _feature_files(features)  # before anything is read or written
    rules, learner = gate.UpliftGates(), Settings(seed=seed)
    table = table_task(spec, features, holdout_share)
    confidence = spec.experiment.confidence
    fitted = fit_task(table, learner, resamples, confidence)
    held = table.holdout
    values = targeting.compare(held["outcome"], held["treated"], {"risk": fitted.predictions[RISK], "uplift": fitted.predictions[MODEL]},
                               share=share, value=spec.experiment.value_per_saved_customer, cost=spec.experiment.offer_cost,
                               resamples=resamples, seed=seed, confidence=confidence)
    verdict = gate.judge(fitted.evaluation, rules)
    name = uplift_record.uplift_name(spec.name)
    champion = registry.alias_version(name, registry.CHAMPION) if registry.registered(name) else None
    evidence = uplift_record.UpliftEvidence(model=name, risk_model=spec.name, counts=table.counts(), settings=learner.__dict__,
                                            evaluation=fitted.evaluation, targeting=values, gates=verdict)
    with registration.challenger_run(settings, name) as run:
        lineage = Lineage(flow_run=str(flow_run.get_id() or "none"), mlflow_run=run.run_id, experiment=name, tracking_uri=settings.tracking_uri)
        record = uplift_record.build_record(spec, table, fitted.evaluation, verdict, rules=rules, settings=learner, source=f"prediction log + {features}",
                                            champion=champion, lineage=lineage, timings={"total": round(time.perf_counter() - started, 2)})
        uplift_record.write_files(run.staging, evidence)
        registration.log_summary(run.run_id, record)
        inputs = held[table.features]
        model_uri, model_id = registration.log_model(fitted.model.model, inputs, run.run_id, fitted.predictions[MODEL])
        result = registration.register(name=name, model_uri=model_uri, model_id=model_id, run_id=run.run_id, record=record, staging=run.staging,
                                       cards_root=settings.cards_dir, audit=AuditLog(settings.database_url),
                                       actor=registry.logged_in_user() or getpass.getuser())
    return {"model": name, "version": result.version, "gates": str(result.status), "failures": [g.line() for g in verdict.failures],
            "evaluation": fitted.evaluation.model_dump(mode="json"), "targeting": [v.model_dump(mode="json") for v in values],
            "counts": table.counts(), "card": str(result.card_dir / "uplift.md"), "run_id": run.run_id,
            "held_out": held[["customer_id", "as_of", "treated", "outcome"]].assign(risk=fitted.predictions[RISK], uplift=fitted.predictions[MODEL])}
