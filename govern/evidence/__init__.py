"""The evidence as types: the contract between the steps that measure and the rules, cards and audits that read.

Only types and the one writer (:mod:`govern.evidence.io`) live here: verdicts, the challenger's
evaluation, fairness, drift, mitigation and the whole record, with the published JSON Schema."""
