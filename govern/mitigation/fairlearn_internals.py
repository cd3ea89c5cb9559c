"""The only place Fairlearn's internals are touched (written against fairlearn 0.15.0).

Both mitigators' public ``predict`` draws randomised 0/1 labels, and neither has a
``predict_proba``: the probability each row is predicted 1, which the score-based
metrics (ROC AUC, Brier score) need, is only exposed by their private
``_pmf_predict`` (the probability mass function ``predict`` draws from).  The private
method is used rather than averaging many seeded ``predict`` calls, which would be
slower and only approximate.

Each function moves one use here unchanged; ``tests/test_library_internals.py`` has a
canary per use.
"""

from __future__ import annotations


def threshold_optimizer_pmf(mitigator, X, sensitive_features):
    """``ThresholdOptimizer``'s (P(0), P(1)) per row of ``X``."""
    return mitigator._pmf_predict(X, sensitive_features=sensitive_features)


def exponentiated_gradient_pmf(mitigator, X):
    """``ExponentiatedGradient``'s (P(0), P(1)) per row of ``X``."""
    return mitigator._pmf_predict(X)
