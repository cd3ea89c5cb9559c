"""The card's pictures, drawn from ``record.json`` alone.

Each picture is a PNG from matplotlib (its object API, so no pyplot state and no
display is involved), embedded in ``card.html`` as a data URI so the card opens
offline, and placed in the PDF from the same bytes.  A picture whose evidence is
absent is not drawn; the card says so in words instead.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from govern.evidence.record import Record

COLOURS = {"challenger": "#1f6fb4", "champion": "#e07b10", "baseline": "#7a7a7a"}
TOP_FEATURES = 12
DPI = 96


@dataclass(frozen=True)
class Picture:
    name: str
    title: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode()


def _figure(**size) -> Figure:
    """A matplotlib figure; matplotlib (0.5-1 s to import) loads with the first picture, not with the flow."""
    from matplotlib.figure import Figure

    return Figure(**size)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _label(record: Record, name: str) -> str:
    if name == "challenger":
        return f"challenger v{record.version}"
    if name == "champion":
        return f"champion v{record.champion.version}"
    return f"baseline ({record.baseline.kind if record.baseline else 'simple model'})"


def _models(record: Record) -> dict:
    return (record.curves or {}).get("models") or {}


def roc(record: Record) -> Figure | None:
    models = {k: v["roc"] for k, v in _models(record).items() if v.get("roc")}
    if not models:
        return None
    fig = _figure(figsize=(5, 4.2))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], ls=":", c="#bbbbbb", label="chance")
    for name, points in models.items():
        ax.plot(points["fpr"], points["tpr"], c=COLOURS[name], label=_label(record, name))
    ax.set(xlabel="False positive rate", ylabel="True positive rate", title="ROC on the same holdout")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def calibration(record: Record) -> Figure | None:
    models = {k: v["calibration"] for k, v in _models(record).items() if v.get("calibration")}
    if not models:
        return None
    fig = _figure(figsize=(5, 4.2))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], ls=":", c="#bbbbbb", label="perfectly calibrated")
    for name, bins in models.items():
        ax.plot([b["mean_predicted"] for b in bins], [b["observed_rate"] for b in bins], marker="o", c=COLOURS[name], label=_label(record, name))
    ax.set(xlabel="Mean predicted probability (bin)", ylabel="Observed positive rate", title="Calibration (10 equal-width bins)")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def gain(record: Record) -> Figure | None:
    models = {k: v["deciles"] for k, v in _models(record).items() if v.get("deciles") and v["deciles"][0].get("lift") is not None}
    if not models:
        return None
    fig = _figure(figsize=(9, 3.8))
    left, right = fig.subplots(1, 2)
    left.plot([0, 100], [0, 100], ls=":", c="#bbbbbb", label="random")
    width = 0.8 / len(models)
    for i, (name, table) in enumerate(models.items()):
        share = [0] + [100 * d["decile"] / len(table) for d in table]
        left.plot(share, [0] + [100 * d["cumulative_gain"] for d in table], marker=".", c=COLOURS[name], label=_label(record, name))
        right.bar([d["decile"] + (i - (len(models) - 1) / 2) * width for d in table], [d["lift"] for d in table], width=width, color=COLOURS[name],
                  label=_label(record, name))
    right.axhline(1.0, ls=":", c="#888888")
    left.set(xlabel="% of customers, highest score first", ylabel="% of positives captured", title="Cumulative gain")
    right.set(xlabel="Score decile (1 = highest)", ylabel="Lift over base rate", title="Lift by decile", xticks=range(1, 11))
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    return fig


def predicted_observed(record: Record) -> Figure | None:
    models = {k: v for k, v in _models(record).items() if v.get("scatter")}
    if not models:
        return None
    fig = _figure(figsize=(9, 4))
    left, right = fig.subplots(1, 2)
    low, high = float("inf"), float("-inf")
    for name, curves in models.items():
        points = curves["scatter"]
        left.scatter(points["predicted"], points["observed"], s=6, alpha=0.5, c=COLOURS[name], label=_label(record, name))
        low, high = min(low, *points["predicted"], *points["observed"]), max(high, *points["predicted"], *points["observed"])
        table = curves["deciles"]
        right.plot([d["mean_score"] for d in table], [d["observed"] for d in table], marker="o", c=COLOURS[name], label=_label(record, name))
    for ax in (left, right):
        ax.plot([low, high], [low, high], ls=":", c="#888888")
    left.set(xlabel="Predicted", ylabel="Observed", title="Predicted against observed (sample)")
    right.set(xlabel="Mean predicted (decile)", ylabel="Mean observed", title="By decile of prediction")
    left.legend(fontsize=8)
    return fig


def residuals(record: Record) -> Figure | None:
    blocks = (record.curves or {}).get("residuals_by_group") or {}
    if not blocks:
        return None
    fig = _figure(figsize=(4.5 * len(blocks), 3.8))
    axes = fig.subplots(1, len(blocks), squeeze=False)[0]
    for ax, (feature, groups) in zip(axes, blocks.items()):
        stats = [{"label": f"{g['group']}\n(n={g['rows']})", "med": g["median"], "q1": g["q25"], "q3": g["q75"], "whislo": g["q10"], "whishi": g["q90"],
                  "mean": g["mean"], "fliers": []} for g in groups]
        ax.bxp(stats, showmeans=True)
        ax.axhline(0, ls=":", c="#888888")
        ax.set(title=f"Residuals by {feature}", ylabel="observed - predicted (10/25/50/75/90%)")
    return fig


def importance(record: Record) -> Figure | None:
    overall = (record.explanations or {}).get("overall") or {}
    if "challenger" not in overall:
        return None
    features = list(overall["challenger"])[:TOP_FEATURES][::-1]
    fig = _figure(figsize=(7, 0.35 * len(features) + 1.5))
    ax = fig.subplots()
    width = 0.8 / len(overall)
    for i, (name, values) in enumerate(overall.items()):
        ax.barh([j + (i - (len(overall) - 1) / 2) * width for j in range(len(features))], [values.get(f, 0.0) for f in features], height=width,
                color=COLOURS.get(name, "#444444"), label=_label(record, name))
    ax.set(yticks=range(len(features)), yticklabels=features, xlabel="mean |SHAP| on the holdout", title="What drives the score")
    ax.legend(fontsize=8)
    return fig


def importance_by_group(record: Record) -> Figure | None:
    explanations = record.explanations or {}
    blocks = {f: g for f, g in (explanations.get("by_group") or {}).items() if g}
    top = list((explanations.get("overall") or {}).get("challenger") or {})[:8][::-1]
    if not blocks or not top:
        return None
    fig = _figure(figsize=(4.8 * len(blocks), 0.35 * len(top) + 1.8))
    axes = fig.subplots(1, len(blocks), squeeze=False)[0]
    for ax, (feature, groups) in zip(axes, blocks.items()):
        width = 0.8 / len(groups)
        for i, (group, models) in enumerate(groups.items()):
            values = models.get("challenger") or {}
            ax.barh([j + (i - (len(groups) - 1) / 2) * width for j in range(len(top))], [values.get(f, 0.0) for f in top], height=width, label=group)
        ax.set(yticks=range(len(top)), yticklabels=top, xlabel="challenger's mean |SHAP|", title=f"By {feature}")
        ax.legend(fontsize=7)
    return fig


SHORT = {"selection_rate": "selection rate", "true_positive_rate": "TPR", "false_positive_rate": "FPR", "roc_auc": "ROC AUC", "mae": "MAE",
         "mean_prediction": "mean prediction"}
GROUP_METRICS = {"binary": ("selection_rate", "true_positive_rate", "false_positive_rate", "roc_auc"), "regression": ("mae", "mean_prediction")}


def _group_points(ax, groups, metric: str) -> None:
    """Each group's value with its interval, red where the evidence is insufficient: one
    artist per colour and kind of point, not one per group (a twelfth of the drawing)."""
    for insufficient in (False, True):
        colour = "#c03030" if insufficient else COLOURS["challenger"]
        points = [(x, getattr(g, metric), g.intervals.get(metric)) for x, g in enumerate(groups)
                  if bool(g.insufficient) == insufficient and getattr(g, metric) is not None]
        bounded = [(x, v, i) for x, v, i in points if i and None not in i]
        alone = [(x, v) for x, v, i in points if not (i and None not in i)]
        if bounded:
            xs, values, intervals = zip(*bounded)
            errors = [[v - i[0] for v, i in zip(values, intervals)], [i[1] - v for v, i in zip(values, intervals)]]
            ax.errorbar(xs, values, yerr=errors, fmt="o", c=colour, capsize=3)
        if alone:
            ax.plot(*zip(*alone), "o", c=colour)


def groups(record: Record) -> Figure | None:
    features = record.fairness.features if record.fairness else {}
    if not features:
        return None
    names = GROUP_METRICS["binary" if record.task == "binary" else "regression"]
    fig = _figure(figsize=(3.2 * len(names), 2.6 * len(features)))
    axes = fig.subplots(len(features), len(names), squeeze=False)
    for row, (feature, block) in zip(axes, features.items()):
        labels = [g.group for g in block.groups]
        for ax, metric in zip(row, names):
            _group_points(ax, block.groups, metric)
            ax.set(xticks=range(len(labels)), xlim=(-0.5, len(labels) - 0.5))
            ax.set_title(f"{SHORT[metric]} by {feature.replace('&', ' & ')}", fontsize=9)
            ax.set_xticklabels(labels, fontsize=7, rotation=45 if len(labels) > 4 else 0, ha="right" if len(labels) > 4 else "center")
    return fig


def drift(record: Record) -> Figure | None:
    columns = {k: v for k, v in (record.drift.columns if record.drift else {}).items() if v.score is not None}
    if not columns:
        return None
    names = list(columns)[::-1]
    fig = _figure(figsize=(7, 0.32 * len(names) + 1.5))
    ax = fig.subplots()
    ax.barh(range(len(names)), [columns[n].score for n in names], color=["#c03030" if columns[n].drifted else "#6a9a6a" for n in names])
    thresholds = [columns[n].threshold for n in names]
    ax.scatter(thresholds, range(len(names)), marker="|", s=250, c="black", label="threshold", zorder=3)
    ax.set(yticks=range(len(names)), yticklabels=[f"{n} ({columns[n].method})" for n in names], xlabel="drift score (red: drifted)", title="Drift per column")
    ax.legend(fontsize=8)
    return fig


PICTURES = {
    "importance": ("What drives the score: mean |SHAP| per feature", importance),
    "importance_by_group": ("The challenger's drivers within each sensitive group", importance_by_group),
    "roc": ("ROC of every model on the same holdout", roc),
    "calibration": ("Calibration (reliability) curve", calibration),
    "gain": ("Gain and lift by score decile", gain),
    "predicted_observed": ("Predicted against observed", predicted_observed),
    "residuals": ("Residuals by group", residuals),
    "groups": ("Per-group metrics with their intervals (red: insufficient evidence)", groups),
    "drift": ("Drift score per column against its threshold", drift),
}


def pictures(record: Record) -> dict[str, Picture]:
    """Every picture the record has evidence for, by name."""
    out = {}
    for name, (title, draw) in PICTURES.items():
        fig = draw(record)
        if fig is not None:
            out[name] = Picture(name, title, _png(fig))
    return out
