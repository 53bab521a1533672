"""Clear errors instead of internal ones (issue 21, defects 7 to 9): each names the real cause
in one line, and echoes no more than a few dozen characters of what was typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_support import run_cli

QUESTION = "Where did they first meet?"
LINE = 400  # an error line longer than this echoes too much


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> Path:
    """A data folder with one open report, #1."""
    data = tmp_path_factory.mktemp("reported") / "D"
    answer_id = json.loads(run_cli(data, "ask", "--json", QUESTION).stdout)["answer_id"]
    assert run_cli(data, "report", answer_id, "--reason", "wrong").returncode == 0
    return data


def _one_line_error(done, *parts: str, code: int = 2) -> str:
    assert done.returncode == code, done.stdout
    assert done.stderr.startswith("citebot: error: ") and done.stderr.count("\n") == 1
    assert len(done.stderr) < LINE, done.stderr[:LINE]
    for part in parts:
        assert part in done.stderr
    return done.stderr


def _status_of_report_1(data: Path) -> str:
    listed = json.loads(run_cli(data, "reports", "--status", "all", "--json").stdout)["reports"]
    return listed[0]["status"]


def test_a_paragraph_number_of_thousands_of_digits_is_a_clear_error(reported: Path) -> None:
    answer = "000:" + "9" * 5000
    done = run_cli(reported, "reports", "resolve", "1", "--note", "n", "--answer", answer)
    _one_line_error(done, "no passage has a paragraph number", "too large")
    assert _status_of_report_1(reported) == "open"


def test_a_source_id_of_thousands_of_characters_is_cut_in_the_message(reported: Path) -> None:
    answer = "9" * 5000 + ":1"
    done = run_cli(reported, "reports", "resolve", "1", "--note", "n", "--answer", answer)
    _one_line_error(done, "is not a source")


def test_an_answer_id_of_100000_characters_is_cut_in_the_message(reported: Path) -> None:
    done = run_cli(reported, "report", "a" * 100_000, "--reason", "r")
    _one_line_error(done, "no answer with id 'aaaa", "\u2026'")


def test_an_empty_answer_is_refused_not_taken_as_none(reported: Path) -> None:
    done = run_cli(reported, "reports", "resolve", "1", "--note", "n", "--answer", "")
    _one_line_error(done, "the passage that answers is empty")
    assert _status_of_report_1(reported) == "open"  # not resolved without its correction


@pytest.mark.parametrize("port", ["99999", "0", "abc"])
@pytest.mark.parametrize("command", [("reports",), ("db", "check")])
def test_a_port_that_is_not_one_is_a_clear_error(
    tmp_path: Path, port: str, command: tuple[str, ...]
) -> None:
    url = f"postgresql://citebot:secret@127.0.0.1:{port}/citebot"
    done = run_cli(tmp_path / "D", *command, env={"CITEBOT_DATABASE_URL": url})
    error = _one_line_error(done, f"names the port '{port}'", "a number from 1 to 65535")
    assert "secret" not in error


def test_a_statement_timeout_is_named_not_taken_for_a_lock(
    tmp_path: Path, postgres_url: str
) -> None:
    url = f"{postgres_url}?options=-c%20statement_timeout%3D1"
    done = run_cli(tmp_path / "D", "reports", env={"CITEBOT_DATABASE_URL": url})
    error = _one_line_error(done, "PostgreSQL cancelled a statement", "statement_timeout")
    assert "locked" not in error and "busy" not in error


def test_db_check_that_cannot_log_in_says_so_and_advises_no_restore(
    tmp_path: Path, postgres_url: str
) -> None:
    url = postgres_url.replace("postgresql://postgres@", "postgresql://nobody:wrong@")
    done = run_cli(tmp_path / "D", "db", "check", env={"CITEBOT_DATABASE_URL": url})
    error = _one_line_error(
        done, "cannot check the database", "PostgreSQL refused the login", code=1
    )  # 1: db check's "not healthy", as for a damaged one
    assert "restore" not in error and "wrong" not in error


@pytest.mark.parametrize(
    "args",
    [
        ("reports", "resolve", "x" * 100_000, "--note", "n"),
        ("reports", "--status", "x" * 100_000),
        ("corrections", "withdraw", "x" * 100_000),
    ],
    ids=["report id", "status", "correction id"],
)
def test_a_value_the_parser_refuses_is_cut_in_its_message(tmp_path: Path, args) -> None:
    done = run_cli(tmp_path / "D", *args)
    assert done.returncode == 2
    error = done.stderr.splitlines()[-1]
    assert len(error) < LINE and "'" + "x" * 40 + "\u2026'" in error
