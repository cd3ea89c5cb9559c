"""The regulatory crosswalk: which card section, record field and audit event serves which
provision of the EU AI Act and of the 2026 US interagency model risk guidance.

One table, read by the card (a spec's ``card.frameworks`` adds it to the card and its
version to the record) and by the documentation's generator, so the two cannot differ.
The rows are keyed by the card template's own headings: a heading without a row fails
a test, so the crosswalk cannot drift from the card.  A mapping is the platform's
reading of where its evidence helps a provider or deployer, not legal advice; what it
cannot show (a deployer's impact assessment, an incident report) is said in the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

MAPPING_VERSION = "2026-12-06"
"""Changed whenever a row changes; recorded with every version whose card carries the crosswalk."""


@dataclass(frozen=True)
class Framework:
    key: str
    title: str
    scope: str


FRAMEWORKS: dict[str, Framework] = {
    "eu_ai_act": Framework(
        "eu_ai_act",
        "EU AI Act (Regulation (EU) 2024/1689)",
        "High-risk duties for credit scoring of natural persons (Annex III point 5(b)) apply from December 2027.",
    ),
    "us_interagency_2026": Framework(
        "us_interagency_2026",
        "US interagency model risk guidance (Fed SR 26-2, OCC Bulletin 2026-13, FDIC FIL-15-2026; April 2026, replacing SR 11-7)",
        "Principles-based and risk-based: the depth and frequency of review follow a model's materiality. Cited by theme, not paragraph.",
    ),
}

# The provisions a row may cite, by framework.
EU = {
    "art10": "Art. 10 data and data governance",
    "art11": "Art. 11 and Annex IV technical documentation",
    "art12": "Art. 12 record-keeping (automatic logs)",
    "art13": "Art. 13 transparency and instructions for use",
    "art14": "Art. 14 human oversight",
    "art15": "Art. 15 accuracy, robustness",
    "art19": "Art. 19 logs kept by the provider (at least six months)",
    "art26_6": "Art. 26(6) logs kept by the deployer (at least six months)",
    "art27": "Art. 27 fundamental-rights impact assessment (deployers of Annex III 5(b))",
    "art72": "Art. 72 post-market monitoring plan",
    "art73": "Art. 73 serious incidents reported within 15 days",
}
US = {
    "purpose": "model purpose, use and limitations",
    "development": "sound development: data, method, testing",
    "documentation": "documentation sufficient for someone unfamiliar with the model",
    "validation": "validation with effective challenge, independent of development",
    "outcomes": "outcomes analysis against actual results and benchmarks",
    "monitoring": "ongoing monitoring of performance and inputs",
    "governance": "governance: inventory, roles, approvals, change control",
    "materiality": "review frequency and depth by materiality",
}
PROVISIONS = {"eu_ai_act": EU, "us_interagency_2026": US}


@dataclass(frozen=True)
class Row:
    what: str
    serves: str
    eu_ai_act: tuple[str, ...]
    us_interagency_2026: tuple[str, ...]

    def cites(self, framework: str) -> list[str]:
        return [PROVISIONS[framework][key] for key in getattr(self, framework)]


def _table(rows: list[tuple[str, str, str, str]]) -> dict[str, Row]:
    """Rows as (what, serves, EU provision keys, US theme keys), keys separated by spaces."""
    return {what: Row(what, serves, tuple(eu.split()), tuple(us.split())) for what, serves, eu, us in rows}


# Keyed by the card template's headings (## and ###), a Jinja expression read as its name in capitals.
CARD_SECTIONS: dict[str, Row] = _table([
    ("Model details", "algorithm, tuning study, trees, parameters, software versions", "art11", "development documentation"),
    ("How to use", "model URI, inputs and types, meaning of the output, threshold", "art11 art13", "purpose documentation"),
    ("Decisions", "the decision policy, fitted on validation rows, and whom it flags by group", "art11 art13 art14", "purpose development"),
    ("Intended use", "intended use and out-of-scope uses from the spec", "art11 art13", "purpose"),
    ("Factors", "sensitive features measured and their share of the importance", "art10 art11", "development"),
    ("Metrics", "holdout metrics with intervals; challenger against champion and baseline", "art11 art15", "validation outcomes"),
    ("Explanations", "mean |SHAP| per feature, overall and by group", "art11 art13", "development validation"),
    ("Evaluation data", "the holdout: rows, period, base rate, how it was split", "art10 art11", "validation"),
    ("Training data", "source, digest, features, provenance, how a table was built", "art10 art11", "development documentation"),
    ("Quantitative analyses", "per-group metrics and disparities with intervals", "art10 art11 art15", "validation outcomes"),
    ("By FEATURE", "one sensitive feature's groups", "art10 art15", "validation"),
    ("Representation", "each group's share in training beside the latest data", "art10", "development monitoring"),
    ("Fairness mitigation", "mitigated candidates judged by the same gates", "art10 art11", "development validation"),
    ("Leakage", "features too predictive to be true, and their acknowledgement", "art10 art15", "development validation"),
    ("Data drift", "drift of training data against later data, per column", "art11 art72", "monitoring"),
    ("Ethical considerations", "risks to people, from the spec", "art11 art27", "purpose"),
    ("Caveats and recommendations", "limitations, retraining cadence, what monitoring triggers", "art11 art13 art72", "purpose monitoring"),
    ("Governance record", "every gate's verdict, rule changes, champion history, lineage, approval", "art11 art12 art14", "governance validation"),
    ("Regulatory crosswalk", "this table, with its mapping version", "art11", "documentation"),
])

# Fields of record.json (govern.evidence.record.Record).
RECORD_FIELDS: dict[str, Row] = _table([
    ("spec, spec_digest, gates_digest, rule_changes", "the rules the version was judged by, and what changed", "art11 art12", "governance documentation"),
    ("data, split, labels", "data source and digest, split, positive class", "art10 art11", "development"),
    ("metrics, champion, baseline", "metrics with intervals and paired comparisons", "art11 art15", "validation outcomes"),
    ("fairness, representation, mitigation", "group metrics, shares, mitigated candidates", "art10 art15", "validation"),
    ("leakage, drift", "signal too strong to be true; drift against later data", "art10 art72", "validation monitoring"),
    ("decision", "the policy, its fitted threshold and whom it flags", "art13 art14", "purpose"),
    ("gates", "each gate's verdict, bound and detectable difference", "art11 art12", "validation governance"),
    ("lineage, software, tuning", "git commit, flow run, MLflow run, study, library versions", "art11 art12", "documentation"),
    ("crosswalk", "the frameworks on the card and this mapping's version", "art11", "documentation"),
])

# Actions of the hash-chained audit trail (govern.stores.audit.events, govern.server.audit).
AUDIT_EVENTS: dict[str, Row] = _table([
    ("gates.evaluated", "a challenger judged, passing or not", "art12 art19 art26_6", "validation governance"),
    ("approval.approved / approval.rejected", "a reviewer's decision, named and (team mode) signed", "art12 art14", "validation governance"),
    ("approval.refused", "an approval the rules refused (author, not eligible, unacknowledged gate)", "art12 art14", "governance"),
    ("promotion / rollback", "the champion moved, by whom, on which evidence digest", "art12 art19 art26_6", "governance"),
    ("promotion.refused / rollback.refused", "a move the gates refused", "art12 art14", "governance"),
    ("monitoring", "the champion judged on new data", "art12 art72 art73", "monitoring outcomes materiality"),
    ("alias.mismatch", "a champion alias moved outside the gates", "art12 art14 art73", "governance"),
    ("server.write / server.refused", "a watched write in team mode, and each refusal, with the actor", "art12 art19", "governance"),
])

NOT_COVERED = {
    "eu_ai_act": [
        "Art. 27: the fundamental-rights impact assessment is the deployer's; the card's intended use, factors and ethical considerations are inputs to it.",
        "Art. 73: reporting a serious incident within 15 days is the provider's act; monitoring events and alias findings are the evidence, not the report.",
        "Art. 19 and 26(6): keeping logs at least six months is a retention setting of the database that holds the audit chain; the platform deletes nothing.",
    ],
    "us_interagency_2026": [
        "Materiality tiers and the review frequency they imply are the institution's; `card.review_every_days` records the cadence chosen.",
    ],
}


def template_headings() -> list[str]:
    """The card template's section headings (levels 2 and 3), a Jinja expression as its name in capitals."""
    text = resources.files("govern.card").joinpath("templates/card.md.j2").read_text()
    headings = []
    for line in text.splitlines():
        match = re.match(r"^#{2,3} (.+)$", line)
        if match:
            title = re.sub(r"\{\{\s*([a-z_.]+)\s*\}\}", lambda m: m.group(1).split(".")[-1].upper(), match.group(1)).strip()
            if title not in headings:
                headings.append(title)
    return headings


def crosswalk(frameworks: list[str] | tuple[str, ...]) -> dict:
    """The block a record keeps: the frameworks, this mapping's version and every card row."""
    unknown = [f for f in frameworks if f not in FRAMEWORKS]
    if unknown:
        raise ValueError(f"card.frameworks: '{', '.join(unknown)}' unknown (one of {', '.join(FRAMEWORKS)})")
    keys = list(dict.fromkeys(frameworks))
    return {
        "version": MAPPING_VERSION,
        "frameworks": {k: {"title": FRAMEWORKS[k].title, "scope": FRAMEWORKS[k].scope} for k in keys},
        "sections": [{"section": row.what, **{k: row.cites(k) for k in keys}} for row in CARD_SECTIONS.values()],
        "not_covered": {k: NOT_COVERED[k] for k in keys},
    }

