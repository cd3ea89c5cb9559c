"""The declarative model spec: one YAML file per governed model under ``models/``.

A spec says everything the platform needs to train, judge and document a model, so
the flow holds no model-specific knowledge.  Loading validates it; a broken spec
fails with a message that names the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from govern.core.errors import SpecError
from govern.spec.base import (  # noqa: F401 (re-exported: the spec's vocabulary)
    BINARY_DISPARITIES,
    CLASSIFICATION_METRICS,
    FAIRNESS_METRICS,
    LOWER_IS_BETTER,
    REGRESSION_DISPARITIES,
    REGRESSION_METRICS,
    Strict,
    Task,
)
from govern.spec.data import DataSpec, SplitSpec, TransactionsSpec  # noqa: F401 (re-exported)
from govern.spec.decision import DecisionPolicy
from govern.spec.experiment import ExperimentSpec, Guardrail  # noqa: F401 (re-exported)
from govern.spec.gates import (  # noqa: F401 (re-exported)
    BaselineGate,
    ChampionGate,
    DriftGate,
    FairnessGate,
    GatesSpec,
    LeakageGate,
    LiveGate,
    MetricGate,
)
from govern.spec.mitigation import MITIGATION_METHODS, MitigationMethods  # noqa: F401 (re-exported)


class IntParam(Strict):
    type: Literal["int"]
    low: int
    high: int
    log: bool = False


class FloatParam(Strict):
    type: Literal["float"]
    low: float
    high: float
    log: bool = False


class CategoricalParam(Strict):
    type: Literal["categorical"]
    choices: list[str | int | float]


SearchParam = IntParam | FloatParam | CategoricalParam


class TuningSpec(Strict):
    trials: int = Field(10, ge=1)
    timeout_seconds: float | None = Field(600, gt=0)
    iterations: int = Field(300, ge=10, description="CatBoost iterations per candidate")
    early_stopping_rounds: int = Field(30, ge=1)
    pruner: Literal["median", "hyperband", "none"] = "median"
    objective: Literal["rmse", "tweedie"] = Field(
        "rmse", description="Regression loss: rmse, or tweedie (log link, variance power 1.5) for zero-inflated spend"
    )
    search_space: dict[str, SearchParam] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ranges(self) -> TuningSpec:
        for name, param in self.search_space.items():
            if isinstance(param, (IntParam, FloatParam)) and param.low >= param.high:
                raise ValueError(f"search_space.{name}: low must be below high")
        return self


class FairnessSpec(Strict):
    sensitive_features: list[str] = Field(default_factory=list)
    min_group_size: int = Field(30, ge=1, description="Rows a group needs before it counts in a disparity")
    min_class_size: int = Field(
        10, ge=1, description="Positives and negatives a group needs for error-rate metrics (TPR, FPR, equalized odds, AUC)"
    )
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="Coverage of the bootstrap intervals of group metrics")
    resamples: int = Field(500, ge=100, description="Bootstrap resamples for group metric intervals")
    mitigation: MitigationMethods = Field(
        MitigationMethods(), description="Mitigated candidates judged beside the tuned model: one method, a list, or none"
    )
    mitigation_constraint: Literal["equalized_odds", "demographic_parity"] = "equalized_odds"
    bins: dict[str, list[float]] = Field(
        default_factory=dict,
        description="Numeric sensitive features turned into labelled bands before any check, e.g. {age: [0, 30, 50, 120]}; the last edge inclusive",
    )

    @model_validator(mode="after")
    def _bins(self) -> FairnessSpec:
        for feature, edges in self.bins.items():
            if feature not in self.sensitive_features:
                raise ValueError(f"bins.{feature}: '{feature}' is not in fairness.sensitive_features")
            if len(edges) < 3 or any(b <= a for a, b in zip(edges, edges[1:])):
                raise ValueError(f"bins.{feature}: give at least three ascending edges (two bands), e.g. [0, 30, 50, 120]")
        return self


class MonitoringSpec(Strict):
    """What monitoring judges on labelled new data, beyond drift: the spec's metric
    floors and fairness gates apply as they do at training."""

    max_metric_drop: float | None = Field(
        None, ge=0.0, description="Largest tolerated loss of the primary metric against the champion's holdout value"
    )
    max_base_rate_shift: float | None = Field(
        0.10, ge=0.0, description="Binary: largest tolerated change of the positive rate against the training rows"
    )
    retrain_data: Literal["combined", "new_only"] = Field(
        "combined", description="On drift, retrain on the training data plus the new data, or the new data alone"
    )


CardFramework = Literal["eu_ai_act", "us_interagency_2026"]
CARD_FRAMEWORKS: tuple[str, ...] = ("eu_ai_act", "us_interagency_2026")


class CardSpec(Strict):
    owner: str
    intended_use: str
    out_of_scope: str = ""
    limitations: list[str] = Field(default_factory=list)
    ethical_considerations: str = ""
    retraining_cadence: str
    intended_users: str = Field("", description="Who acts on the scores, e.g. the retention team")
    contact: str = Field("", description="Where questions about the model go")
    review_every_days: int | None = Field(
        None, ge=1, le=3660, description="Days from a champion's promotion until its review is due (govern status, govern audit)"
    )
    frameworks: list[CardFramework] = Field(
        default_factory=list, exclude_if=lambda v: not v,  # left out when empty: records keep their digest
        description="Regulatory frameworks the card maps its sections to (a crosswalk section; the mapping's version goes in the record)",
    )


class ModelSpec(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    task: Task
    description: str = ""
    primary_metric: str
    decision: DecisionPolicy = DecisionPolicy()
    data: DataSpec
    split: SplitSpec = SplitSpec()
    tuning: TuningSpec = TuningSpec()
    fairness: FairnessSpec = FairnessSpec()
    gates: GatesSpec = GatesSpec()
    monitoring: MonitoringSpec = MonitoringSpec()
    experiment: ExperimentSpec | None = None
    card: CardSpec

    @model_validator(mode="before")
    @classmethod
    def _threshold_as_policy(cls, raw):
        """An older spec's ``decision_threshold: x`` is the policy ``{kind: threshold, threshold: x}``."""
        if isinstance(raw, dict) and "decision_threshold" in raw:
            raw = dict(raw)
            threshold = raw.pop("decision_threshold")
            if "decision" in raw:
                raise ValueError("decision_threshold: give the policy once, under decision (decision_threshold is its older spelling)")
            raw["decision"] = {"kind": "threshold", "threshold": threshold}
        return raw

    @model_validator(mode="after")
    def _metrics_fit_task(self) -> ModelSpec:
        allowed = CLASSIFICATION_METRICS if self.task == "binary" else REGRESSION_METRICS
        used = [("primary_metric", self.primary_metric)]
        used += [(f"gates.metrics[{i}].metric", g.metric) for i, g in enumerate(self.gates.metrics)]
        if self.gates.champion:
            used.append(("gates.champion.metric", self.gates.champion.metric))
        if self.gates.live:
            used.append(("gates.live.metric", self.gates.live.metric))
        for field, metric in used:
            if metric not in allowed:
                raise ValueError(f"{field}: '{metric}' is not a {self.task} metric (one of {', '.join(allowed)})")
        disparities = BINARY_DISPARITIES if self.task == "binary" else REGRESSION_DISPARITIES
        sensitive = self.fairness.sensitive_features
        for i, gate in enumerate(self.gates.fairness):
            if gate.metric not in FAIRNESS_METRICS:
                raise ValueError(f"gates.fairness[{i}].metric: '{gate.metric}' is unknown (one of {', '.join(FAIRNESS_METRICS)})")
            if gate.metric not in disparities:
                raise ValueError(f"gates.fairness[{i}].metric: '{gate.metric}' is not a {self.task} disparity (one of {', '.join(disparities)})")
            members = gate.feature.split("&")
            strangers = [m for m in members if m not in sensitive]
            if strangers:
                raise ValueError(f"gates.fairness[{i}].feature: '{', '.join(strangers)}' is not in fairness.sensitive_features")
            if len(members) > 1 and len(members) != len(sensitive):
                raise ValueError(f"gates.fairness[{i}].feature: an intersection names all sensitive features ({'&'.join(sensitive)})")
        if self.task == "regression" and self.fairness.mitigation != "none":
            raise ValueError("fairness.mitigation: mitigation is available for binary tasks only")
        if self.task == "regression" and self.data.positive_class is not None:
            raise ValueError("data.positive_class: only a binary task has a positive class")
        return self

    @property
    def higher_is_better(self) -> bool:
        return self.primary_metric not in LOWER_IS_BETTER

    def source_path(self, root: Path) -> Path:
        path = Path(self.data.source)
        return path if path.is_absolute() else root / path


def _field_path(loc: tuple) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        elif item in ("int", "float", "categorical") or str(item).endswith("Param"):
            continue
        else:
            parts.append(str(item))
    return ".".join(parts)


def parse_spec(raw: dict, origin: str = "spec") -> ModelSpec:
    try:
        return ModelSpec.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _field_path(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        prefix = f"{origin}: {where}: " if where else f"{origin}: "
        raise SpecError(f"{prefix}{message}") from None


def load_spec(name_or_path: str | Path, models_dir: Path) -> ModelSpec:
    """Load ``models/<name>.yaml`` (or a path to a YAML file) and validate it."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = models_dir / f"{name_or_path}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in models_dir.glob("*.yaml")) if models_dir.exists() else []
        raise SpecError(f"unknown model '{name_or_path}': no {path} (known: {', '.join(known) or 'none'})")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SpecError(f"{path.name}: not valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path.name}: expected a mapping of fields")
    spec = parse_spec(raw, origin=path.name)
    if spec.name != path.stem:
        raise SpecError(f"{path.name}: name: '{spec.name}' must match the file name '{path.stem}'")
    return spec
