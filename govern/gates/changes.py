"""What changed in the rules between two versions' gates, in words a reviewer reads.

A version can pass because its gates were loosened, not because it got better; the
card, ``govern approve``, ``govern promote`` and the audit trail say so.  The input is
the ``gates`` section of two specs as recorded (``record.spec.gates``, i.e.
``ModelSpec.gates.model_dump(mode="json")``); everything here is plain data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LOOSENS, TIGHTENS = "loosens", "tightens"

# Evidently's stattests by what their threshold bounds: a distance drifts above it
# (a higher threshold loosens), a p-value drifts below it (a higher threshold tightens).
DISTANCE_METHODS = {"wasserstein", "jensenshannon", "psi", "kl_div", "hellinger", "ed"}
P_VALUE_METHODS = {"ks", "chisquare", "z", "anderson", "cramer_von_mises", "es", "fisher_exact", "g_test", "mannw", "t_test", "empirical_mmd"}


def gates_digest(gates: dict) -> str:
    """SHA-256 of the gates as canonical JSON: equal rules, equal digest."""
    return hashlib.sha256(json.dumps(gates, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _bounds(gate: dict) -> str:
    parts = [f"{key} {_show(gate[key])}" for key in ("min", "max") if gate.get(key) is not None]
    return ", ".join(parts) or "no bound"


def _numeric(before: Any, after: Any) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (before, after))


def _higher_loosens(before: Any, after: Any) -> str | None:
    """A ceiling: raising it (or removing it) lets more through."""
    if after is None and before is not None:
        return LOOSENS
    if before is None and after is not None:
        return TIGHTENS
    return (LOOSENS if after > before else TIGHTENS) if _numeric(before, after) else None


def _higher_tightens(before: Any, after: Any) -> str | None:
    """A floor: raising it lets less through; removing it lets more through."""
    if after is None and before is not None:
        return LOOSENS
    if before is None and after is not None:
        return TIGHTENS
    return (TIGHTENS if after > before else LOOSENS) if _numeric(before, after) else None


def _to_order(order: list) -> Callable[[Any, Any], str | None]:
    """A setting whose values run from loose to tight, e.g. judge point -> bound."""

    def direction(before: Any, after: Any) -> str | None:
        if before in order and after in order:
            return TIGHTENS if order.index(after) > order.index(before) else LOOSENS
        return None

    return direction


Direction = Callable[[Any, Any], str | None]

# What an inconclusive verdict does, from loose to tight.
INCONCLUSIVE_ORDER = _to_order(["warn", "acknowledge", "fail"])
METRIC_FIELDS: dict[str, Direction] = {"min": _higher_tightens, "max": _higher_loosens, "on_inconclusive": INCONCLUSIVE_ORDER}
FAIRNESS_FIELDS: dict[str, Direction] = {
    "min": _higher_tightens, "max": _higher_loosens, "judge": _to_order(["point", "bound"]), "on_inconclusive": INCONCLUSIVE_ORDER,
}
CHAMPION_FIELDS: dict[str, Direction] = {"margin": _higher_loosens, "confidence": _higher_tightens, "on_inconclusive": INCONCLUSIVE_ORDER}
DRIFT_FIELDS: dict[str, Direction] = {"max_drifted_share": _higher_loosens, "when_unmeasured": _to_order(["warn", "fail"])}
LEAKAGE_FIELDS: dict[str, Direction] = {
    "max_univariate_auc": _higher_loosens,
    "max_rank_correlation": _higher_loosens,
    "max_importance_share": _higher_loosens,
    "max_gain_over_champion": _higher_loosens,
}


def _line(text: str, direction: str | None) -> str:
    return f"{text} ({direction})" if direction else text


def _field_changes(label: str, before: dict, after: dict, directions: dict[str, Direction], skip: tuple = ()) -> list[str]:
    """One line per field that differs; fields only one side records are shown as ``none``."""
    lines = []
    for key in [*after, *(k for k in before if k not in after)]:
        if key in skip or before.get(key) == after.get(key):
            continue
        old, new = before.get(key), after.get(key)
        direction = directions.get(key)
        lines.append(_line(f"{label} {key} {_show(old)} -> {_show(new)}", direction(old, new) if direction else None))
    return lines


def _set_changes(label: str, before: list | None, after: list | None, *, added: str | None, removed: str | None) -> list[str]:
    old, new = set(before or []), set(after or [])
    lines = [_line(f"{label}: {item} added", added) for item in sorted(new - old, key=str)]
    lines += [_line(f"{label}: {item} removed", removed) for item in sorted(old - new, key=str)]
    return lines


def _keyed(gates: list | None, key: Callable[[dict], str]) -> dict[str, dict]:
    """Gates by identity; a repeated identity gets a position so none is lost."""
    out: dict[str, dict] = {}
    for gate in gates or []:
        name, n = key(gate), 2
        while name in out:
            name, n = f"{key(gate)} #{n}", n + 1
        out[name] = gate
    return out


def _list_changes(kind: str, before: list | None, after: list | None, key: Callable[[dict], str], fields: dict[str, Direction], identity: tuple) -> list[str]:
    old, new = _keyed(before, key), _keyed(after, key)
    lines = [_line(f"{kind} {name} added ({_bounds(new[name])})", TIGHTENS) for name in new if name not in old]
    lines += [_line(f"{kind} {name} removed (was {_bounds(old[name])})", LOOSENS) for name in old if name not in new]
    for name in (n for n in new if n in old):
        lines += _field_changes(f"{kind} {name}", old[name], new[name], fields, skip=identity)
    return lines


def _champion_changes(before: dict | None, after: dict | None) -> list[str]:
    if before is None and after is None:
        return []
    if before is None:
        assert after is not None
        return [_line(f"champion gate added ({after.get('metric')}, margin {_show(after.get('margin'))})", TIGHTENS)]
    if after is None:
        return [_line(f"champion gate removed (was {before.get('metric')}, margin {_show(before.get('margin'))})", LOOSENS)]
    return _field_changes("champion gate", before, after, CHAMPION_FIELDS)


def _threshold_direction(before: dict, after: dict) -> Direction | None:
    """Clear only when both methods are named, unchanged and of one kind."""
    methods = {after.get("numerical_method"), after.get("categorical_method")}
    same = all(before.get(k) == after.get(k) for k in ("numerical_method", "categorical_method"))
    if not same or None in methods:
        return None
    if methods <= DISTANCE_METHODS:
        return _higher_loosens
    if methods <= P_VALUE_METHODS:
        return _higher_tightens
    return None


def _drift_changes(before: dict | None, after: dict | None) -> list[str]:
    if before is None and after is None:
        return []
    if before is None:
        assert after is not None
        return [_line(f"drift gate added (max drifted share {_show(after.get('max_drifted_share'))})", TIGHTENS)]
    if after is None:
        return [_line(f"drift gate removed (was max drifted share {_show(before.get('max_drifted_share'))})", LOOSENS)]
    fields = dict(DRIFT_FIELDS)
    threshold = _threshold_direction(before, after)
    if threshold is not None:
        fields["threshold"] = threshold
    lines = _field_changes("drift", before, after, fields, skip=("must_not_drift",))
    return lines + _set_changes("drift must_not_drift", before.get("must_not_drift"), after.get("must_not_drift"), added=TIGHTENS, removed=LOOSENS)


def _leakage_changes(before: dict | None, after: dict | None) -> list[str]:
    was_on = bool(before and before.get("enabled", True))
    is_on = bool(after and after.get("enabled", True))
    if was_on != is_on:
        if is_on:
            return [_line("leakage check enabled" if before else "leakage check added", TIGHTENS)]
        return [_line("leakage check disabled" if after else "leakage check removed", LOOSENS)]
    if not is_on:
        return []
    assert before is not None and after is not None  # both on
    lines = _field_changes("leakage", before, after, LEAKAGE_FIELDS, skip=("enabled", "acknowledged"))
    return lines + _set_changes("leakage acknowledged", before.get("acknowledged"), after.get("acknowledged"), added=LOOSENS, removed=TIGHTENS)


KNOWN_SECTIONS = ("metrics", "champion", "fairness", "drift", "leakage")


def describe_changes(before: dict | None, after: dict) -> list[str]:
    """One line per rule that differs from ``before`` to ``after``, marked ``(loosens)``
    or ``(tightens)`` where the direction is clear.  Empty when the rules are equal or
    there is nothing to compare with (``before`` is None: no champion)."""
    if before is None:
        return []
    lines = _list_changes("metric gate", before.get("metrics"), after.get("metrics"), lambda g: str(g.get("metric")), METRIC_FIELDS, ("metric",))
    lines += _champion_changes(before.get("champion"), after.get("champion"))
    lines += _list_changes(
        "fairness gate", before.get("fairness"), after.get("fairness"),
        lambda g: f"{g.get('metric')} by {g.get('feature')}", FAIRNESS_FIELDS, ("metric", "feature"),
    )
    lines += _drift_changes(before.get("drift"), after.get("drift"))
    lines += _leakage_changes(before.get("leakage"), after.get("leakage"))
    for section in sorted(set(before) | set(after)):
        if section not in KNOWN_SECTIONS and before.get(section) != after.get(section):
            lines.append(f"gates {section} {_show(before.get(section))} -> {_show(after.get(section))}")
    return lines


def loosened(lines: list[str]) -> list[str]:
    """The changes that let more through: what a reviewer should look at first."""
    return [line for line in lines if line.endswith(f"({LOOSENS})")]


@dataclass(frozen=True)
class RuleChanges:
    """The rules of ``version`` set against those of the champion ``against``."""

    version: str
    against: str | None
    lines: list[str]
    note: str = ""

    def summary(self) -> list[str]:
        """What the CLI prints: a heading line and one line per change."""
        if self.note:
            return [f"rules: {self.note}"]
        if self.against is None:
            return ["rules: no champion to compare with"]
        if self.against == self.version:
            return [f"rules: v{self.version} is the champion"]
        if not self.lines:
            return [f"rules: same gates as champion v{self.against}"]
        return [f"rules changed since champion v{self.against}:"] + [f"  {line}" for line in self.lines]

    def as_details(self) -> dict:
        """What the audit event records."""
        return {"rule_changes": self.lines, "rules_compared_with": self.against, **({"rules_note": self.note} if self.note else {})}


def recorded_policy(spec: dict) -> dict:
    """A recorded spec's decision policy; an older record's fixed threshold is the policy it implied."""
    if spec.get("decision"):
        return {k: v for k, v in spec["decision"].items() if v is not None}
    return {"kind": "threshold", "threshold": spec.get("decision_threshold") or 0.5}


def decision_changes(before: dict | None, after: dict) -> list[str]:
    """One line when the decision policy differs between two recorded specs: a changed
    policy changes whom the model acts on, so it is a rule change like a gate's."""
    if before is None:
        return []
    old, new = recorded_policy(before), recorded_policy(after)
    if old == new:
        return []
    def words(policy: dict) -> str:
        return ", ".join(f"{k} {_show(v)}" for k, v in policy.items())
    return [f"decision policy {words(old)} -> {words(new)}"]
