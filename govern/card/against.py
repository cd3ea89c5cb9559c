"""What the challenger was compared with, handed to the mitigation candidates so each is
judged by exactly the challenger's gates (see :func:`govern.mitigation.candidates.judge_mitigated`)."""

from __future__ import annotations

import numpy as np

from govern.evidence.decision import LEGACY_THRESHOLD
from govern.evidence.verdict import GateReport
from govern.mitigation.candidates import Against
from govern.spec.model import ModelSpec
from govern.training import baseline as baselines
from govern.training import comparison as champion_comparison


def challenger_comparisons(spec: ModelSpec, trained, judged) -> Against:
    """The holdout labels, the challenger's threshold, the champion's and the baselines'
    holdout scores behind the same paired bootstrap, and the challenger's leakage results
    (``trained`` and ``judged`` are :class:`govern.card.record.Trained` and ``Judged``)."""
    y = trained.split.holdout[spec.data.target].to_numpy()
    threshold = trained.decision.threshold if trained.decision is not None else LEGACY_THRESHOLD
    evaluation, champion, baseline = judged.evaluation, judged.champion, judged.baseline
    verdict: GateReport = judged.verdict

    def against_champion(scores: np.ndarray):
        if evaluation.champion_scores is None:
            return None
        return champion_comparison.compare(spec, y, scores, evaluation.champion_scores, (threshold, champion.threshold))

    def against_baselines(scores: np.ndarray):
        if baseline is None:
            return []
        return baselines.gate_evidence(baselines.compared(baseline, spec, y, scores, champion_comparison.compare))

    return Against(
        y=y, threshold=threshold, champion_version=champion.version, champion=against_champion, champion_note=evaluation.note,
        baselines=against_baselines, leakage=[r for r in verdict.results if r.kind == "leakage"],
    )
