"""NUL characters (issue 21, defect 4): refused at every input boundary, one error per line,
never ending a batch or a session; an import into PostgreSQL removes those already stored."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store import DB_FILENAME
from tests.cli_support import clean_env, run_cli

QUESTION = "Where did they first meet?"


def _citebot(
    data: Path, *args: str, stdin: str, env: dict[str, str]
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        env=clean_env({"CITEBOT_DATA": str(data), **env}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def database_env(request, tmp_path: Path) -> dict[str, str]:
    if request.param == "sqlite":
        return {}
    return {"CITEBOT_DATABASE_URL": request.getfixturevalue("postgres_url")}


def test_a_stdin_line_with_a_nul_gets_its_error_and_the_batch_goes_on(
    tmp_path: Path, database_env: dict[str, str]
) -> None:
    lines = [QUESTION, "Who is\0 Kanye West?", "When was the birthday party?"]
    done = _citebot(
        tmp_path / "D", "ask", "--json", "-", stdin="\n".join(lines) + "\n", env=database_env
    )
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a.get("question") for a in answers] == lines
    assert "error" not in answers[0] and "error" not in answers[2]
    assert answers[1]["error"] == "the question holds a NUL character (\\0); remove it"


def test_a_chat_report_with_a_nul_is_refused_and_the_session_goes_on(
    tmp_path: Path, database_env: dict[str, str]
) -> None:
    data = tmp_path / "D"
    asked = run_cli(data, "ask", "--json", QUESTION, env=database_env)
    answer_id = json.loads(asked.stdout)["answer_id"]
    session = f"/report {answer_id} bad\0reason\n/report {answer_id} a fair reason\n"
    done = _citebot(data, "chat", stdin=session, env=database_env)
    assert done.returncode == 0, done.stderr
    assert "error: the reason holds a NUL character (\\0); remove it" in done.stdout
    assert f"Thanks, a moderator will review it (report #1 on answer `{answer_id}`)" in done.stdout
    listed = run_cli(data, "reports", "--json", env=database_env)
    assert [r["reason"] for r in json.loads(listed.stdout)["reports"]] == ["a fair reason"]


def test_an_sqlite_database_holding_nuls_imports_into_postgresql_without_them(
    tmp_path: Path, postgres_url: str
) -> None:
    data = tmp_path / "D"
    answer_id = json.loads(run_cli(data, "ask", "--json", QUESTION).stdout)["answer_id"]
    assert run_cli(data, "report", answer_id, "--reason", "placeholder").returncode == 0
    with sqlite3.connect(data / DB_FILENAME) as db:  # stored before NULs were refused
        db.execute("UPDATE reports SET reason = 'bad' || char(0) || 'reason'")
    assert run_cli(data, "db", "export", str(tmp_path / "x.jsonl")).returncode == 0
    env = {"CITEBOT_DATABASE_URL": postgres_url}
    imported = run_cli(data, "db", "import", str(tmp_path / "x.jsonl"), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "removed 1 NUL characters from the imported text" in imported.stderr
    listed = run_cli(data, "reports", "--json", env=env)
    assert [r["reason"] for r in json.loads(listed.stdout)["reports"]] == ["badreason"]
