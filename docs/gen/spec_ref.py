"""The spec reference, walked from the pydantic models in govern.spec: every field with
its type, default, allowed values and description, so the page cannot drift from the code."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass

import annotated_types
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from docs.gen.text import cell as _cell
from govern.spec import base
from govern.spec.mitigation import MITIGATION_METHODS, MitigationMethods
from govern.spec.model import ModelSpec

# Fields whose allowed values are a vocabulary kept in govern.spec.base rather than a Literal.
VOCABULARY = {
    "primary_metric": f"binary: {', '.join(base.CLASSIFICATION_METRICS)}; regression: {', '.join(base.REGRESSION_METRICS)}",
    "gates.metrics[].metric": "a metric of the task (see primary_metric)",
    "gates.champion.metric": "a metric of the task (see primary_metric)",
    "gates.live.metric": "a binary metric (see primary_metric)",
    "gates.fairness[].metric": f"binary: {', '.join(base.BINARY_DISPARITIES)}; regression: {', '.join(base.REGRESSION_DISPARITIES)}",
    "gates.fairness[].feature": "a sensitive feature, or all of them joined by & (an intersection)",
    "fairness.mitigation": f"none, or one or a list of {', '.join(MITIGATION_METHODS)}",
}


# Descriptions of fields whose pydantic Field carries none; a test checks every key is still a field.
SUPPLEMENT = {
    "name": "The registered model's name in MLflow; must match the spec's file name",
    "task": "binary classification or regression",
    "description": "A paragraph at the top of the card",
    "primary_metric": "The metric the Optuna study optimises, and the champion comparison's when gates.champion is absent",
    "data": "Where the table is and what its columns mean",
    "data.target": "The column to predict",
    "data.id_column": "Unique per row, never missing: the split keeps each customer's rows in one part, the live experiment assigns arms by it",
    "data.time_column": "The rows' date: with it the holdout is the latest period (split.strategy auto)",
    "data.min_rows": "Fewer rows are refused before training",
    "split.holdout_fraction": "Share of rows (of ids, of the latest period) judged by the gates, never trained on",
    "split.validation_fraction": "Share of the remaining rows for early stopping, tuning and fitting the decision policy",
    "split.seed": "Seed of every random draw of the split",
    "tuning": "The Optuna study of CatBoost candidates",
    "tuning.trials": "Trial budget of the study (govern train --trials overrides it)",
    "tuning.timeout_seconds": "The study stops after this many seconds even with trials left",
    "tuning.early_stopping_rounds": "CatBoost stops a candidate after this many iterations without gain on validation rows",
    "tuning.pruner": "Optuna pruner on CatBoost's per-iteration metric",
    "tuning.search_space": "CatBoost parameters to search, by name",
    "fairness": "Groups to check and how sure each group metric must be",
    "fairness.sensitive_features": "Columns whose groups are compared; they need not be features",
    "fairness.mitigation_constraint": "The fairness constraint the mitigated candidates aim at",
    "gates": "What a challenger must meet to be eligible for promotion",
    "gates.metrics[].min": "Floor: the interval must lie above it",
    "gates.metrics[].max": "Ceiling: the interval must lie below it",
    "gates.champion.confidence": "Coverage of the paired bootstrap interval",
    "gates.champion.resamples": "Paired bootstrap resamples",
    "gates.fairness[].max": "Ceiling on the disparity",
    "gates.fairness[].min": "Floor on the disparity (ratios, worst-group metrics)",
    "gates.drift": "Drift of the training data against the most recent data (Evidently)",
    "gates.drift.max_drifted_share": "Ceiling on the share of columns that drift",
    "gates.drift.must_not_drift": "Columns whose drift alone fails the gate",
    "gates.leakage.enabled": "Turns the leakage check off (it is on by default)",
    "gates.baseline.enabled": "Turns the baseline gate off (it is on by default)",
    "gates.live.confidence": "Coverage of the live paired bootstrap interval",
    "gates.live.resamples": "Paired bootstrap resamples of the live comparison",
    "experiment.outcome_date_column": "Column of the labels file holding each outcome's date",
    "experiment.power": "Power of the sample-size calculation",
    "experiment.confidence": "Confidence of the lift intervals and the sequential test",
    "card": "The facts of the model card that no data can give",
    "card.owner": "Who answers for the model",
    "card.intended_use": "What the scores are for",
    "card.out_of_scope": "Uses the model is not fit for",
    "card.limitations": "Known limitations, one per item",
    "card.ethical_considerations": "Risks to people and how they are handled",
    "card.retraining_cadence": "When the model is retrained, in words",
}


@dataclass(frozen=True)
class FieldRow:
    path: str
    type: str
    default: str
    allowed: str
    description: str


def _type_name(annotation) -> str:
    if annotation is MitigationMethods:
        return "str | list[str]"
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return "str" if all(isinstance(a, str) for a in args) else "literal"
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " | ".join(dict.fromkeys(names)) + (" | null" if type(None) in args else "")
    if origin is list:
        return f"list[{_type_name(args[0])}]"
    if origin is dict:
        return f"map of {_type_name(args[0])} to {_type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "section"
    return getattr(annotation, "__name__", str(annotation))


def _literals(annotation) -> list:
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    values: list = []
    for arg in typing.get_args(annotation):
        values += _literals(arg)
    return values


def _bounds(info) -> list[str]:
    words = {annotated_types.Ge: (">=", "ge"), annotated_types.Gt: (">", "gt"), annotated_types.Le: ("<=", "le"), annotated_types.Lt: ("<", "lt")}
    out = []
    for item in info.metadata:
        for kind, (sign, attr) in words.items():
            if isinstance(item, kind):
                out.append(f"{sign} {getattr(item, attr)}")
        if isinstance(item, annotated_types.MinLen):
            out.append(f"at least {item.min_length} {'character' if info.annotation is str else 'item'}(s)")
        pattern = getattr(item, "pattern", None)
        if pattern:
            out.append(f"matches `{pattern}`")
    return out


def _default(info) -> str:
    if info.is_required():
        return "required"
    value = info.default_factory() if info.default_factory is not None else info.default
    if value is PydanticUndefined:
        return "required"
    if isinstance(value, BaseModel):
        return "(section defaults)"
    if isinstance(value, MitigationMethods):
        return "none" if not value else ", ".join(value)
    if value is None:
        return "null"
    if value == "":
        return '`""`'
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, dict)) and not value:
        return "[]" if isinstance(value, list) else "{}"
    return f"`{value}`"


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def _suffix(annotation) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return next((_suffix(a) for a in typing.get_args(annotation) if a is not type(None)), "")
    if origin is list:
        return "[]"
    if origin is dict:
        return ".<name>"
    return ""


def _doc(model: type[BaseModel]) -> str:
    doc = model.__doc__ or ""
    return " ".join(doc.split()) if doc and not doc.startswith(("A base class", "!!!", "Usage docs")) else ""


def walk(model: type[BaseModel] = ModelSpec, prefix: str = "") -> list[FieldRow]:
    """Every field of ``model`` and of the sections nested in it, depth first."""
    rows: list[FieldRow] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = info.annotation
        nested = _models_in(annotation)
        allowed = [", ".join(f"`{v}`" for v in _literals(annotation))] if _literals(annotation) else []
        allowed += _bounds(info)
        if path in VOCABULARY:
            allowed.append(VOCABULARY[path])
        description = " ".join((info.description or SUPPLEMENT.get(path, "")).split())
        if nested and not description:
            description = " ".join(_doc(m) for m in nested if _doc(m))
        rows.append(FieldRow(path, _type_name(annotation), _default(info), "; ".join(a for a in allowed if a), description))
        child = f"{path}{_suffix(annotation)}."
        for sub in nested:
            if len(nested) > 1:
                kind = _literals(sub.model_fields["type"].annotation)[0] if "type" in sub.model_fields else sub.__name__
                rows.append(FieldRow(f"{path}{_suffix(annotation)} ({kind})", "section", "", "", _doc(sub)))
            rows += walk(sub, child)
    return rows



def page() -> str:
    rows = walk()
    lines = [
        "# Spec fields",
        "",
        "Generated by `docs/gen/generate.py` from the pydantic models in `govern/spec` (`ModelSpec` and every",
        "section nested in it); `make docs` regenerates it. A spec is `models/<name>.yaml`; unknown fields",
        "are errors, and a broken spec fails with one line naming the field. `[]` marks an item of a list,",
        "`<name>` a key of your choosing.",
        "",
    ]
    sections: dict[str, list[FieldRow]] = {}
    for row in rows:
        sections.setdefault(row.path.split(".")[0].split("[")[0].split(" ")[0], []).append(row)
    top = [members[0] for members in sections.values() if len(members) == 1]
    sections = {"top level": top, **{k: v for k, v in sections.items() if len(v) > 1}}
    for section, members in sections.items():
        title = section if section == "top level" else f"`{section}`"
        lines += [f"## {title}", "", "| field | type | default | allowed | description |", "|---|---|---|---|---|"]
        for r in members:
            lines.append(f"| `{r.path}` | {_cell(r.type)} | {_cell(r.default)} | {_cell(r.allowed)} | {_cell(r.description)} |")
        lines.append("")
    return "\n".join(lines)
