"""Where a gate is judged: each declared rule against recorded evidence (passed, failed, inconclusive or not measured),
and what changed in the rules between versions."""
