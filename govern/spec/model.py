"""The declarative model spec: one YAML file per governed model under ``models/``.

A spec says everything the platform needs to train, judge and document a model, so
the flow holds no model-specific knowledge.  Loading validates it; a broken spec
fails with a message that names the field.
"""

from __future__ import annotations

from datetime import date
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
from govern.spec.decision import DecisionPolicy
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


class TransactionsSpec(Strict):
    """A transaction log (customer id, date, amount) that the platform turns into one row
    per customer and cutoff (see govern.data.transactions); ``data.source`` is then the log,
    ``data.target`` and ``data.time_column`` name the built target and cutoff columns."""

    id_column: str | None = Field(None, description="Customer id in the log; default data.id_column")
    date_column: str
    amount_column: str
    cutoff: date = Field(description="Features see purchases before this date; the target is spend from it on")
    horizon_days: int = Field(ge=1, le=3660, description="Days after a cutoff whose spend is the target")
    snapshots: int = Field(
        1, ge=1, le=24,
        description="Cutoffs, horizon_days apart and ending at cutoff, so no training target reaches past the latest cutoff; the holdout is the latest",
    )
    windows_days: list[int] = Field([30, 90, 180], description="Recent windows whose purchase counts and spend become features")
    attributes: str | None = Field(None, description="Customer table joined by id (e.g. region, gender), relative to the project root")

    @model_validator(mode="after")
    def _windows(self) -> TransactionsSpec:
        if any(w < 1 for w in self.windows_days) or len(set(self.windows_days)) != len(self.windows_days):
            raise ValueError("windows_days: positive, distinct numbers of days")
        return self


class DataSpec(Strict):
    source: str = Field(description="Parquet or CSV file, relative to the project root")
    target: str
    id_column: str
    time_column: str | None = None
    features: list[str] | None = Field(None, description="Columns to train on; default: all others")
    exclude: list[str] = Field(default_factory=list, description="Columns never trained on")
    min_rows: int = Field(200, ge=10)
    positive_class: str | int | bool | None = Field(
        None, description="The target value that means 1 (e.g. 'Churned'); required unless the target is 0/1 or boolean"
    )
    transactions: TransactionsSpec | None = Field(None, description="Build the table from a transaction log at source")

    @model_validator(mode="after")
    def _built_table(self) -> DataSpec:
        if self.transactions is not None and not self.time_column:
            raise ValueError("time_column: a table built from transactions needs a column name for its cutoff dates")
        return self

    @model_validator(mode="after")
    def _features_apart(self) -> DataSpec:
        """The target, id and time columns are never features: the target leaks itself, the
        id and time columns duplicate columns the evidence already keeps beside them."""
        roles = {self.target: "target", self.id_column: "id_column"}
        if self.time_column:
            roles.setdefault(self.time_column, "time_column")
        for column in self.features or []:
            if column in roles:
                raise ValueError(f"features: '{column}' is data.{roles[column]}, not a feature; remove it from data.features")
        return self


class SplitSpec(Strict):
    """How rows are divided; a random split is never chosen silently (see govern.data.splits)."""

    holdout_fraction: float = Field(0.2, gt=0.0, lt=0.5)
    validation_fraction: float = Field(0.2, gt=0.0, lt=0.5)
    seed: int = 42
    strategy: Literal["auto", "time", "group", "random"] = Field(
        "auto",
        description="auto: by time with data.time_column, else by id when ids repeat, else refused; "
        "group: whole ids drawn at random; random: rows drawn at random, only on request and with one row per id",
    )
    target_window_days: int | None = Field(
        None, ge=1, description="Days after each row's time that its target covers (default: transactions.horizon_days); "
        "training rows whose window ends after the holdout's first date are purged",
    )


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


class Guardrail(Strict):
    """A metric the offer must not harm beyond ``max`` (non-inferiority), judged on its
    sequential bound: ``cost_per_retained_customer`` (offer cost per outcome prevented),
    ``rate_increase`` (treatment minus control rate of a 0/1 ``column`` of the live data,
    e.g. an opt-out flag) or ``treated_disparity`` (largest gap in outcome rate between the
    groups of ``column`` among treated customers).  Not measured blocks."""

    metric: Literal["cost_per_retained_customer", "rate_increase", "treated_disparity"]
    column: str | None = Field(None, description="The 0/1 column (rate_increase) or the group column (treated_disparity)")
    max: float = Field(gt=0.0, description="Non-inferiority margin: the bound must stay at or below it")

    @model_validator(mode="after")
    def _column(self) -> Guardrail:
        if self.metric != "cost_per_retained_customer" and not self.column:
            raise ValueError(f"guardrail {self.metric} needs a column")
        return self


class ExperimentSpec(Strict):
    """The live experiment: a holdout control group chosen by a salted hash of the
    customer id, the outcome window, and the economics of acting on a score."""

    control_share: float = Field(0.1, gt=0.0, lt=0.5, description="Share of customers held out of every audience")
    salt: str = Field(min_length=1, description="Changing it reshuffles the arms: keep it for the experiment's life")
    outcome_window_days: int = Field(30, ge=1, description="Days after scoring before an outcome counts as matured")
    outcome_date_column: str = "outcome_date"
    min_effect: float = Field(0.02, gt=0.0, lt=1.0, description="Smallest absolute change in outcome rate worth detecting")
    power: float = Field(0.8, gt=0.5, lt=1.0)
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    offer_cost: float = Field(0.0, ge=0.0, description="Cost of acting on one customer")
    value_per_saved_customer: float = Field(gt=0.0, description="Value of one outcome prevented (e.g. a customer's CLV)")
    capacity: int | None = Field(None, ge=1, description="Most customers that can be acted on per daily batch")
    planned_days: int = Field(28, ge=1, description="Daily batches the experiment is planned to run: the group-sequential test spends its alpha over them")
    spending: Literal["obrien_fleming", "pocock"] = Field("obrien_fleming", description="Lan-DeMets alpha-spending function of the sequential test")
    srm_p_value: float = Field(0.001, gt=0.0, lt=0.5, description="Sample-ratio mismatch below this p-value blocks the report's conclusions and the live gate")
    guardrails: list[Guardrail] = Field(default_factory=list)
    arms: dict[Literal["control", "risk", "uplift"], float] | None = Field(
        None, description="Policies compared live on arms drawn by the salted hash, e.g. {risk: 0.4, uplift: 0.4, control: 0.2}:"
        " risk acts by the champion's recorded policy, uplift by incremental value from the <model>-uplift champion, control never;"
        " control_share follows the control arm")

    @model_validator(mode="before")
    @classmethod
    def _control_share_from_arms(cls, data):
        if isinstance(data, dict) and isinstance(data.get("arms"), dict) and "control" in data["arms"] and "control_share" not in data:
            data = {**data, "control_share": data["arms"]["control"]}
        return data

    @model_validator(mode="after")
    def _arms_add_up(self) -> ExperimentSpec:
        if self.arms is None:
            return self
        if "control" not in self.arms or len(self.arms) < 2:
            raise ValueError("experiment.arms needs a control arm and at least one policy arm")
        if any(share <= 0 for share in self.arms.values()) or abs(sum(self.arms.values()) - 1) > 1e-9:
            raise ValueError(f"experiment.arms shares must be positive and sum to 1 (they sum to {sum(self.arms.values()):g})")
        if abs(self.arms["control"] - self.control_share) > 1e-12:
            raise ValueError(f"experiment.control_share {self.control_share:g} differs from arms.control {self.arms['control']:g}")
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
