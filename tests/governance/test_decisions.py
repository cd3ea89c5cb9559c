"""Decisions hold: approvals, promotions and rollbacks on registry state set up directly.

Each test registers tiny CatBoost versions through the real registration path (MLflow
on the session's SQLite store, a fresh model name per test), so no flow is trained.
"""

from __future__ import annotations

import threading

import pytest

from govern.core.errors import GovernError, PromotionRefused
from govern.governance import approval, decisions, promotion
from govern.stores import registry
from govern.stores.audit.events import APPROVAL_REFUSED, APPROVED, GATES, PROMOTED, PROMOTION_REFUSED, ROLLBACK_REFUSED, ROLLED_BACK
from govern.stores.audit.log import AuditLog
from tests.decision_story import AUTHOR, approve_by_hand, evidence_folder, gates, register_version, unique_name


@pytest.fixture(autouse=True)
def plain_cards(monkeypatch):
    """The card template is exercised by the flow tests; here a card is two small files."""
    from govern.card import render as cards

    def write_card(record, out_dir, governance=None):
        out_dir.mkdir(parents=True, exist_ok=True)
        md, html = out_dir / "card.md", out_dir / "card.html"
        md.write_text(f"card {record.model} v{record.version} {governance}")
        html.write_text("<p>card</p>")
        return md, html

    monkeypatch.setattr(cards, "write_card", write_card)


@pytest.fixture
def log(project, tmp_path):
    with AuditLog(f"sqlite:///{tmp_path / 'govern.db'}") as audit:
        yield audit


def _champion(name):
    return registry.alias_version(name, registry.CHAMPION)


def _actions(log, name, *actions):
    return [e for e in log.events(name) if e.action in actions]


def _promoted(log, name, tmp_path, count, **kwargs):
    """``count`` versions, each approved and promoted in turn."""
    versions = []
    for _ in range(count):
        version = register_version(log, name, tmp_path, **kwargs)
        approval.approve(log, name, version, reviewer="rev")
        decisions.promote(log, name, version, actor="tester")
        versions.append(version)
    return versions


# -- registration ---------------------------------------------------------------------


@pytest.mark.integration
def test_gate_failed_version_is_not_eligible_and_never_a_challenger(log, tmp_path):
    name = unique_name()
    version = register_version(log, name, tmp_path, status="failed")
    state = registry.VersionState.read(name, version)
    assert (state.gate_status, state.approval_status) == ("failed", registry.NOT_ELIGIBLE)
    assert registry.alias_version(name, registry.CHALLENGER) is None
    assert promotion.refusals(state) == [f"v{version} did not pass its gates (gate.status=failed)"]
    assert "not eligible" in registry.get_version(name, version).description.lower()


@pytest.mark.integration
def test_digest_covers_every_logged_evidence_file(log, tmp_path):
    name = unique_name()
    version = register_version(log, name, tmp_path)
    logged = {p.name for p in evidence_folder(name, version).iterdir()}
    assert {"record.json", "fairness.json", "drift.json", "drift.html", "gates.json", "card.md", "card.html", "holdout.parquet", "reference.parquet"} <= logged
    state = registry.VersionState.read(name, version)
    assert registry.recorded_evidence_digest(name, version) == state.digest


@pytest.mark.integration
@pytest.mark.parametrize("tamper", ["record.json", "fairness.json", "drift.json", "card.html", "reference.parquet", "added", "removed"])
def test_changed_evidence_of_any_kind_blocks_promotion(log, tmp_path, tamper):
    name = unique_name()
    version = register_version(log, name, tmp_path)
    approve_by_hand(name, version)
    folder = evidence_folder(name, version)
    if tamper == "added":
        (folder / "notes.txt").write_text("added after judging")
    elif tamper == "removed":
        (folder / "drift.json").unlink()
    else:
        with (folder / tamper).open("ab") as handle:
            handle.write(b" ")
    with pytest.raises(PromotionRefused, match="evidence changed since it was judged"):
        decisions.promote(log, name, version)
    assert _champion(name) is None


def test_digest_of_folders_names_each_file(tmp_path):
    model, evidence = tmp_path / "model", tmp_path / "evidence"
    model.mkdir()
    evidence.mkdir()
    (model / "model.cb").write_bytes(b"weights")
    (evidence / "gates.json").write_text("{}")
    first = registry.evidence_digest(model, evidence)
    (evidence / "sub").mkdir()
    (evidence / "sub" / "future.json").write_text("{}")
    second = registry.evidence_digest(model, evidence)
    (evidence / "sub" / "future.json").rename(evidence / "future.json")
    assert len({first, second, registry.evidence_digest(model, evidence)}) == 3


# -- approvals ------------------------------------------------------------------------


@pytest.mark.integration
def test_refused_approvals_are_audited_and_change_nothing(log, tmp_path):
    name = unique_name()
    failed = register_version(log, name, tmp_path, status="failed")
    with pytest.raises(GovernError, match="failed its gates and cannot be approved"):
        approval.approve(log, name, failed, reviewer="rev")
    passed = register_version(log, name, tmp_path)
    with pytest.raises(GovernError, match="author of its run"):
        approval.approve(log, name, passed, reviewer=AUTHOR)

    refused = _actions(log, name, APPROVAL_REFUSED)
    assert [(e.version, e.actor) for e in refused] == [(failed, "rev"), (passed, AUTHOR)]
    assert "failed its gates" in refused[0].details["reason"] and "author" in refused[1].details["reason"]
    assert registry.VersionState.read(name, failed).approval_status == registry.NOT_ELIGIBLE
    assert registry.VersionState.read(name, passed).approval_status == registry.PENDING
    assert _actions(log, name, APPROVED) == []
    assert log.verify(name) == []


@pytest.mark.integration
def test_approval_and_promotion_record_what_changed_in_the_rules(log, tmp_path):
    name = unique_name()
    (first,) = _promoted(log, name, tmp_path, 1)
    assert _actions(log, name, PROMOTED)[0].details["rule_changes"] == []
    loose = gates(fairness=[], drift={"max_drifted_share": 0.5, "threshold": 0.3, "numerical_method": "wasserstein", "categorical_method": "jensenshannon"})
    second = register_version(log, name, tmp_path, gate_rules=loose)

    decided = approval.approve(log, name, second, reviewer="rev")
    expected = ["fairness gate equalized_odds_difference by sex removed (was max 0.15) (loosens)", "drift threshold 0.1 -> 0.3 (loosens)"]
    assert (decided.rules.against, decided.rules.lines) == (first, expected)
    assert decided.rules.summary()[0] == f"rules changed since champion v{first}:"
    promotion = decisions.promote(log, name, second, actor="tester")
    assert promotion.rule_changes == expected
    for event in (_actions(log, name, APPROVED)[-1], _actions(log, name, PROMOTED)[-1]):
        assert (event.details["rule_changes"], event.details["rules_compared_with"]) == (expected, first)


# -- promotion by schedule ------------------------------------------------------------


@pytest.mark.integration
def test_watch_records_one_refusal_per_version_and_reason(log, tmp_path):
    name = unique_name()
    version = register_version(log, name, tmp_path)
    approve_by_hand(name, version, reviewer=AUTHOR)  # set by hand in the UI: its own author
    for _ in range(3):
        assert decisions.promote_approved(log, [name]) == []
    refused = _actions(log, name, PROMOTION_REFUSED)
    assert len(refused) == 1 and "approved by its own author" in refused[0].details["reasons"][0]

    registry.set_approval(name, version, status=registry.APPROVED, reviewer=" ")  # a new reason
    for _ in range(3):
        decisions.promote_approved(log, [name])
    refused = _actions(log, name, PROMOTION_REFUSED)
    assert len(refused) == 2 and "names no reviewer" in refused[1].details["reasons"][0]

    with pytest.raises(PromotionRefused):  # a person asking again is recorded every time
        decisions.promote(log, name, version)
    assert len(_actions(log, name, PROMOTION_REFUSED)) == 3

    approve_by_hand(name, version, reviewer="rev")
    assert [p.version for p in decisions.promote_approved(log, [name])] == [version]
    assert _champion(name) == version and decisions.audit_model(log, name).ok


# -- rollback -------------------------------------------------------------------------


@pytest.mark.integration
def test_rollbacks_go_back_along_the_recorded_history(log, tmp_path):
    name = unique_name()
    v1, v2, v3 = _promoted(log, name, tmp_path, 3)
    assert _champion(name) == v3
    first = decisions.rollback(log, name, actor="oncall")
    assert (first.previous, first.version, _champion(name)) == (v3, v2, v2)
    second = decisions.rollback(log, name, actor="oncall")
    assert (second.previous, second.version, _champion(name)) == (v2, v1, v1)
    with pytest.raises(PromotionRefused, match="no earlier champion"):
        decisions.rollback(log, name, actor="oncall")
    assert _champion(name) == v1
    assert [(e.version, e.details["from"]) for e in _actions(log, name, ROLLED_BACK)] == [(v2, v3), (v1, v2)]
    assert len(_actions(log, name, ROLLBACK_REFUSED)) == 1
    report = decisions.audit_model(log, name)
    assert report.ok, report.problems


@pytest.mark.integration
@pytest.mark.parametrize("break_target", ["rejected", "own author", "evidence"])
def test_rollback_target_must_pass_the_promotion_rules(log, tmp_path, break_target):
    name = unique_name()
    v1, v2 = _promoted(log, name, tmp_path, 2)
    if break_target == "rejected":
        approval.approve(log, name, v1, reviewer="rev2", approved=False)
    elif break_target == "own author":
        registry.set_approval(name, v1, status=registry.APPROVED, reviewer=AUTHOR)
    else:
        (evidence_folder(name, v1) / "gates.json").write_text("{}")
    with pytest.raises(PromotionRefused, match=f"rollback to v{v1} refused"):
        decisions.rollback(log, name, actor="oncall")
    assert _champion(name) == v2
    refused = _actions(log, name, ROLLBACK_REFUSED)
    assert len(refused) == 1 and refused[0].version == v1 and refused[0].details["from"] == v2
    assert decisions.audit_model(log, name).ok


@pytest.mark.integration
def test_rollback_refuses_when_the_alias_left_the_record(log, tmp_path):
    name = unique_name()
    v1, v2 = _promoted(log, name, tmp_path, 2)
    registry.client().set_registered_model_alias(name, registry.CHAMPION, v1)  # by hand in the UI
    with pytest.raises(PromotionRefused, match="recorded champion is v"):
        decisions.rollback(log, name)
    assert _champion(name) == v1 and len(_actions(log, name, ROLLBACK_REFUSED)) == 1


# -- two promotions at once -----------------------------------------------------------


@pytest.mark.integration
def test_two_promotions_at_once_end_with_one_consistent_champion(log, tmp_path):
    name = unique_name()
    _promoted(log, name, tmp_path, 1)
    for _round in range(2):
        contenders = [register_version(log, name, tmp_path) for _ in range(2)]
        for version in contenders:
            approval.approve(log, name, version, reviewer="rev")
        errors: list[BaseException] = []
        start = threading.Barrier(len(contenders))

        def promote(version: str, start: threading.Barrier = start, errors: list[BaseException] = errors) -> None:
            try:
                with AuditLog(log.url) as own:  # each promoter its own handle, as two processes would
                    start.wait()
                    decisions.promote(own, name, version, actor=f"p{version}")
            except BaseException as exc:  # noqa: BLE001 -- asserted below
                errors.append(exc)

        threads = [threading.Thread(target=promote, args=(v,)) for v in contenders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        promotions = _actions(log, name, PROMOTED)
        assert _champion(name) == promotions[-1].version
        assert {p.version for p in promotions[-2:]} == set(contenders)
        assert promotions[-1].details["from"] == promotions[-2].version
        assert log.verify(name) == []
        report = decisions.audit_model(log, name)
        assert report.ok, report.problems
    assert [e.action for e in log.events(name)].count(GATES) == 5
