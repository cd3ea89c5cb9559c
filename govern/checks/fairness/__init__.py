"""Group fairness with Fairlearn: per-group metrics, disparities with bootstrap intervals, and the representation audit."""
