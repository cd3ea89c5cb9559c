"""Bias mitigation: candidates (post-processing and reweighing) fitted around the tuned model and judged by the same gates beside it."""
