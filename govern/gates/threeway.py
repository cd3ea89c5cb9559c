"""Three-way verdicts on an interval, and the smallest difference it could detect.

A bound is met when the whole interval lies on its good side, missed when the whole
interval lies on its bad side, and undecided (``inconclusive``) when the interval
straddles it: the evidence cannot tell the two apart, whatever the point estimate says.
The minimum detectable effect tells a reviewer how much the holdout could tell apart:
for a two-sided test at level ``alpha`` with the given ``power``,
MDE = (z_{1-alpha/2} + z_{power}) x SE, with SE read from the interval's half-width
(half-width / z_{(1+confidence)/2}).  At 95% and 80% power that is about 1.43 half-widths.
"""

from __future__ import annotations

from statistics import NormalDist

from govern.evidence.evaluation import Comparison
from govern.evidence.verdict import FAILED, INCONCLUSIVE, PASSED, GateResult, GateStatus
from govern.spec.gates import OnInconclusive

_Z = NormalDist()


def minimum_detectable_effect(interval: tuple[float, float] | None, *, confidence: float = 0.95, alpha: float = 0.05, power: float = 0.8) -> float | None:
    """The smallest true difference the evidence behind ``interval`` would detect with
    ``power`` at level ``alpha``; None without an interval."""
    if interval is None:
        return None
    low, high = interval
    half_width = abs(high - low) / 2
    se = half_width / _Z.inv_cdf((1 + confidence) / 2)
    return (_Z.inv_cdf(1 - alpha / 2) + _Z.inv_cdf(power)) * se


def interval_status(interval: tuple[float, float], low: float | None, high: float | None) -> GateStatus:
    """Passed when ``interval`` lies wholly within [low, high] (either may be open),
    failed when it lies wholly outside one of them, inconclusive when it straddles one."""
    lo, hi = min(interval), max(interval)
    if (low is not None and hi < low) or (high is not None and lo > high):
        return FAILED
    if (low is None or lo >= low) and (high is None or hi <= high):
        return PASSED
    return INCONCLUSIVE


def bound_text(low: float | None, high: float | None) -> str:
    """">= 0.7 and <= 0.9"; a bound of -0 (a zero margin) reads 0."""
    return " and ".join(b for b in (f">= {low + 0.0:g}" if low is not None else "", f"<= {high + 0.0:g}" if high is not None else "") if b)


def margin_bound(margin: float) -> str:
    """The bound a paired difference must stay above: ">= -0.01", or ">= 0" for no margin."""
    return bound_text(-margin, None)


def verdict_words(status: GateStatus, bound: str, mde: float | None, on_inconclusive: str, what: str = "difference") -> str:
    """The end of a gate's sentence: what the interval says against ``bound``, and for an
    inconclusive verdict how small a ``what`` the evidence could not tell from zero, and what follows."""
    if status == PASSED:
        return f"interval wholly meets {bound}: passed"
    if status == FAILED:
        return f"interval wholly misses {bound}: failed"
    article = "an" if what[:1].lower() in "aeiou" else "a"
    power = f"; this holdout cannot tell {article} {what} under {mde:.2g} from zero" if mde is not None else ""
    return f"interval straddles {bound}: inconclusive{power} (on_inconclusive: {on_inconclusive})"


def paired_result(name: str, kind: str, comparison: Comparison, against: str, margin: float, bound: str, on_inconclusive: OnInconclusive) -> GateResult:
    """A challenger judged against another model (champion or baseline) three-way on the
    paired interval of their difference, within ``margin``; one sentence for both kinds."""
    c = comparison
    interval = (c.lower, c.upper)
    status = interval_status(interval, -margin, None)
    mde = minimum_detectable_effect(interval, confidence=c.confidence)
    reason = (
        f"challenger {c.challenger:.4g} vs {against} {c.champion:.4g}: difference {c.delta:+.4g}, "
        f"{c.confidence:.0%} interval [{c.lower:+.4g}, {c.upper:+.4g}] ({c.resamples} paired resamples of {c.rows} rows); "
        f"{verdict_words(status, margin_bound(margin), mde, on_inconclusive)}"
    )
    return GateResult(name, kind, status, c.delta, bound, reason, interval, mde, on_inconclusive)
