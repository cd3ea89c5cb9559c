"""The evidence as types: the contract between the steps that measure and the rules, cards and audits that read.

Only types and the one writer (:mod:`govern.evidence.io`) live here: verdicts, the challenger's
evaluation, fairness, drift, mitigation and the whole record, the live experiment's report and
evidence, monitoring's outcome, with each file's published JSON Schema."""
