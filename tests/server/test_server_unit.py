"""The team server's rules that need no server: its log is appended to at each start,
never truncated (refusals that reached only the log in an earlier run stay readable), and
a password basic-auth would refuse is named in one line before any user is created."""

from __future__ import annotations

from govern.server.serve import open_log, password_refusal


def test_each_start_appends_with_a_marker_and_keeps_what_was_there(tmp_path):
    log = tmp_path / "mlruns" / "govern-server.log"
    with open_log(log) as out:
        out.write(b"governance: refused SetTag by ana: earlier\n")
    with open_log(log) as out:
        out.write(b"second run\n")
    lines = log.read_text().splitlines()
    assert lines[1] == "governance: refused SetTag by ana: earlier" and lines[3] == "second run"
    assert [line.startswith("--- govern server starting at ") for line in lines] == [True, False, True, False]


def test_a_short_password_is_named_in_one_line_with_its_source():
    assert password_refusal("twelve-chars", "GOVERN_REVIEWER_PASSWORD") is None
    reason = password_refusal("...", "GOVERN_REVIEWER_PASSWORD")
    assert reason == "GOVERN_REVIEWER_PASSWORD must be at least 12 characters (MLflow basic-auth's rule); it has 3"
    assert "it has 0" in password_refusal(None, "GOVERN_SERVICE_PASSWORD")


def test_the_walkthrough_tests_the_database_role_the_docs_create():
    """docs/teams.md step 1 gives the SQL the walkthrough test runs (tests/team_story.py)."""
    from pathlib import Path

    from tests.team_story import platform_role_statements

    teams = Path(__file__).resolve().parents[2].joinpath("docs", "teams.md").read_text()
    on_server, in_each = platform_role_statements("govern", "a platform db password", ["mlflow", "mlflow_auth", "govern"])
    for sql in on_server:
        assert f'-c "{sql}"' in teams, sql
    assert f'for db in mlflow mlflow_auth govern; do psql -h 127.0.0.1 -U postgres -d $db -c "{in_each[0]}"; done' in teams
