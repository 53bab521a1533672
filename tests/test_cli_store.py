"""The command line over the store: ask --json, report, reports, export, cache, db check, and
moving a database between SQLite and PostgreSQL with db export / db import."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import DB_FILENAME
from tests.cli_support import run_cli
from tests.store_support import ROOT, cli, run_unprivileged

QUESTION = "Where did Kim and Ivanka first meet?"


@pytest.fixture
def data(tmp_path: Path) -> str:
    return str(tmp_path / "data")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ask_json(capsys, data: str, question: str = QUESTION) -> dict:
    code, out, _ = run(capsys, "ask", question, "--json", "--data", data)
    assert code == 0
    return json.loads(out)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- ask --------------------------------------------------------------------------------------
def test_ask_json_carries_answer_id_and_cached(capsys, data: str) -> None:
    first = ask_json(capsys, data)
    second = ask_json(capsys, data, QUESTION.upper())
    assert first["cached"] is False and second["cached"] is True
    assert first["answer_id"] == second["answer_id"]
    assert second["question"] == QUESTION.upper()
    assert first["quotes"] == second["quotes"]


def test_ask_text_names_the_answer_id_to_report(capsys, data: str) -> None:
    answer_id = ask_json(capsys, data)["answer_id"]
    code, out, _ = run(capsys, "ask", QUESTION, "--data", data)
    assert code == 0
    assert f"citebot report {answer_id}" in out and "from the cache" in out


def test_ask_from_stdin_goes_through_the_cache(capsys, monkeypatch, data: str) -> None:
    lines = f"{QUESTION}\n\n{'why ' * 200}\n{QUESTION.lower()}\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    code, out, _ = run(capsys, "ask", "-", "--json", "--data", data)
    assert code == 0
    first, error, third = (json.loads(line) for line in out.splitlines())
    assert first["cached"] is False and third["cached"] is True
    assert first["answer_id"] == third["answer_id"]
    assert "characters long" in error["error"] and "answer_id" not in error


# -- report and reports -----------------------------------------------------------------------
def test_report_list_resolve_and_reject(capsys, data: str) -> None:
    answer_id = ask_json(capsys, data)["answer_id"]
    code, out, _ = run(capsys, "report", answer_id, "--reason", "wrong meeting", "--data", data)
    assert code == 0 and "report #1 received" in out
    code, out, _ = run(
        capsys, "report", answer_id, "--reason", "also 2019", "--category", "outdated",
        "--data", data,
    )  # fmt: skip
    assert code == 0 and "updated your open report #1" in out
    run(capsys, "report", answer_id, "--reason", "fine", "--reporter", "bo", "--data", data)

    code, out, _ = run(capsys, "reports", "--json", "--data", data)
    reports = json.loads(out)["reports"]
    assert [(r["report_id"], r["category"], r["status"]) for r in reports] == [
        (1, "outdated", "open"),
        (2, "wrong", "open"),
    ]
    assert reports[0]["reason"] == "wrong meeting\n\nalso 2019"
    assert reports[0]["guild_id"] is None and reports[1]["reporter_name"] == "bo"
    code, out, _ = run(capsys, "reports", "--data", data)
    assert "#1" in out and "also 2019" in out and "bo" in out

    # Options before the action are kept (argparse would otherwise reset them).
    code, out, _ = run(capsys, "reports", "--data", data, "resolve", "1", "--note", "fixed")
    assert code == 0 and "report #1 resolved" in out
    code, out, _ = run(
        capsys, "reports", "resolve", "2", "--note", "it is right", "--reject", "--data", data
    )
    assert code == 0 and "rejected" in out
    code, out, _ = run(capsys, "reports", "--data", data)
    assert out.strip() == "no open reports"
    code, out, _ = run(capsys, "reports", "--status", "rejected", "--json", "--data", data)
    (rejected,) = json.loads(out)["reports"]
    assert rejected["resolution_note"] == "it is right" and rejected["moderator"]


def test_bad_reports_exit_2_with_one_line(capsys, data: str) -> None:
    answer_id = ask_json(capsys, data)["answer_id"]
    code, _, err = run(capsys, "report", "nope", "--reason", "x", "--data", data)
    assert code == 2 and "no answer with id 'nope'" in err and "Traceback" not in err
    code, _, err = run(capsys, "report", answer_id, "--reason", "x" * 1001, "--data", data)
    assert code == 2 and "1001 characters" in err
    with pytest.raises(SystemExit) as caught:
        main(["report", answer_id, "--reason", "x", "--category", "rude", "--data", data])
    assert caught.value.code == 2
    code, _, err = run(capsys, "reports", "resolve", "9", "--note", "n", "--data", data)
    assert code == 2 and "no report #9" in err
    run(capsys, "report", answer_id, "--reason", "x", "--data", data)
    run(capsys, "reports", "resolve", "1", "--note", "n", "--data", data)
    code, _, err = run(capsys, "reports", "resolve", "1", "--note", "n", "--data", data)
    assert code == 2 and "already resolved" in err


def test_export_csv_and_jsonl(capsys, data: str, tmp_path: Path) -> None:
    answer_id = ask_json(capsys, data)["answer_id"]
    run(capsys, "report", answer_id, "--reason", "=1+1", "--data", data)
    run(capsys, "report", answer_id, "--reason", "two", "--reporter", "bo", "--data", data)
    run(capsys, "reports", "resolve", "2", "--note", "ok", "--data", data)

    target = tmp_path / "reports.csv"
    code, _, err = run(
        capsys, "reports", "export", "--format", "csv", "--output", str(target), "--data", data
    )
    assert code == 0 and str(target) in err
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert [(row["report_id"], row["status"], row["reason"]) for row in rows] == [
        ("1", "open", "'=1+1"),
        ("2", "resolved", "two"),
    ]
    code, out, _ = run(
        capsys, "reports", "export", "--format", "jsonl", "--status", "open", "--data", data
    )
    assert [json.loads(line)["reason"] for line in out.splitlines()] == ["=1+1"]
    code, _, err = run(
        capsys, "reports", "export", "--format", "csv", "--output", str(tmp_path / "no" / "f.csv"),
        "--data", data,
    )  # fmt: skip
    assert code == 2 and "does not exist" in err


# -- cache and db -----------------------------------------------------------------------------
def test_cache_stats_and_clear(capsys, data: str) -> None:
    ask_json(capsys, data)
    ask_json(capsys, data)
    ask_json(capsys, data, "Who is Kanye West?")
    code, out, _ = run(capsys, "cache", "stats", "--json", "--data", data)
    stats = json.loads(out)
    assert (stats["entries"], stats["hits"], stats["misses"]) == (2, 1, 2)
    assert stats["hit_rate"] == pytest.approx(1 / 3, abs=1e-3)
    code, out, _ = run(capsys, "cache", "stats", "--data", data)
    assert "33.3%" in out
    code, out, _ = run(capsys, "cache", "clear", "--data", data)
    assert code == 0 and "cleared 2" in out
    assert ask_json(capsys, data)["cached"] is False


def test_db_check(capsys, data: str) -> None:
    code, out, _ = run(capsys, "db", "check", "--data", data)
    assert code == 0 and "no database yet" in out
    ask_json(capsys, data)
    code, out, _ = run(capsys, "db", "check", "--data", data)
    assert code == 0 and ": ok (schema" in out
    code, out, _ = run(capsys, "db", "check", "--json", "--data", data)
    assert json.loads(out)["ok"] is True


def test_db_check_on_postgresql(capsys, monkeypatch, postgres_url: str, data: str) -> None:
    monkeypatch.setenv("CITEBOT_DATABASE_URL", postgres_url)
    code, out, _ = run(capsys, "db", "check")
    assert code == 0 and "no database yet" in out
    ask_json(capsys, data)
    code, out, _ = run(capsys, "db", "check")
    assert code == 0 and out.startswith(postgres_url) and ": ok (schema" in out
    assert not (Path(data) / DB_FILENAME).exists()  # the answer went to PostgreSQL
    port = postgres_url.rsplit(":", 1)[1].split("/")[0]
    unreachable = f"postgresql://citebot:s3cret@127.0.0.1:{int(port) + 1}/nowhere"
    monkeypatch.setenv("CITEBOT_DATABASE_URL", unreachable)
    code, _, err = run(capsys, "db", "check")
    assert code == 1 and "cannot reach PostgreSQL" in err and "s3cret" not in err
    code, _, err = run(capsys, "ask", QUESTION)
    assert code == 2 and err.count("\n") == 1 and "s3cret" not in err
    monkeypatch.setenv("CITEBOT_DATABASE_URL", "mysql://somewhere/db")
    code, _, err = run(capsys, "db", "check")
    assert code == 2 and "CITEBOT_DATABASE_URL must be postgresql://" in err


def _rows(path: Path) -> list[str]:
    return sorted(path.read_text().splitlines()[1:])


def test_export_and_import_move_everything_from_sqlite_to_postgresql_and_back(
    capsys, monkeypatch, postgres_url: str, data: str, tmp_path: Path
) -> None:
    answer_id = ask_json(capsys, data)["answer_id"]
    ask_json(capsys, data, "Who is Kanye West?")
    run(capsys, "report", answer_id, "--reason", "wrong meeting", "--data", data)
    run(capsys, "report", answer_id, "--reason", "mine", "--reporter", "bo", "--data", data)
    run(capsys, "reports", "resolve", "1", "--note", "fixed", "--answer", "000:3", "--data", data)
    code, _, err = run(capsys, "db", "export", str(tmp_path / "from-sqlite.jsonl"), "--data", data)
    assert code == 0 and "reports: 2" in err and "corrections: 1" in err

    monkeypatch.setenv("CITEBOT_DATABASE_URL", postgres_url)
    code, out, _ = run(capsys, "db", "import", str(tmp_path / "from-sqlite.jsonl"))
    assert code == 0 and "answers: 2" in out and "reports: 2" in out
    code, _, err = run(capsys, "db", "import", str(tmp_path / "from-sqlite.jsonl"))
    assert code == 2 and "already holds answers or reports" in err
    code, out, _ = run(capsys, "reports", "--status", "all", "--json")
    reports = json.loads(out)["reports"]
    assert [r["status"] for r in reports] == ["resolved", "open"]
    assert reports[0]["answer_ref"].endswith(":3") and reports[0]["correction_status"] == "active"
    code, out, _ = run(capsys, "report", answer_id, "--reason", "third", "--reporter", "cy")
    assert "report #3 received" in out  # numbering continues after the imported reports
    assert ask_json(capsys, data)["cached"] is False  # its report is open: not served
    assert ask_json(capsys, data, "Who is Kanye West?")["cached"] is True
    run(capsys, "db", "export", str(tmp_path / "from-postgres.jsonl"))

    monkeypatch.setenv("CITEBOT_DATABASE_URL", str(tmp_path / "back.sqlite3"))
    code, _, _ = run(capsys, "db", "import", str(tmp_path / "from-postgres.jsonl"))
    assert code == 0
    run(capsys, "db", "export", str(tmp_path / "back.jsonl"))
    assert _rows(tmp_path / "back.jsonl") == _rows(tmp_path / "from-postgres.jsonl")
    code, out, _ = run(capsys, "reports", "--json")
    assert [r["reporter_name"] for r in json.loads(out)["reports"]] == ["bo", "cy"]


def test_backup_and_restore_on_postgresql(
    capsys, monkeypatch, postgres_url: str, data: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("CITEBOT_DATABASE_URL", postgres_url)
    answer_id = ask_json(capsys, data)["answer_id"]
    run(capsys, "report", answer_id, "--reason", "before the backup")
    code, out, _ = run(capsys, "db", "backup", str(tmp_path / "backup.jsonl"))
    assert code == 0 and "backed up to" in out
    run(capsys, "report", answer_id, "--reason", "after", "--reporter", "late")
    run(capsys, "reports", "resolve", "1", "--note", "done")
    code, out, _ = run(capsys, "db", "restore", str(tmp_path / "backup.jsonl"))
    assert code == 0 and "reports: 1" in out
    code, out, _ = run(capsys, "reports", "--status", "all", "--json")
    (report,) = json.loads(out)["reports"]
    assert (report["status"], report["reason"]) == ("open", "before the backup")
    assert "report #2 received" in run(capsys, "report", answer_id, "--reason", "x", "--reporter",
                                       "new")[1]  # fmt: skip


def test_import_refuses_what_is_not_an_export(capsys, data: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"table": "answers", "row": {}}\n')
    code, _, err = run(capsys, "db", "import", str(bad), "--data", data)
    assert code == 2 and "not a citebot db export" in err
    bad.write_text('{"format": "citebot-export", "schema_version": 999}\n')
    code, _, err = run(capsys, "db", "import", str(bad), "--data", data)
    assert code == 2 and "same citebot version" in err


def test_a_file_that_is_not_a_database_is_named_and_kept(capsys, data: str) -> None:
    path = Path(data) / DB_FILENAME
    path.parent.mkdir()
    path.write_bytes(b"precious notes, not SQLite\n" * 40)
    before = _digest(path)
    code, _, err = run(capsys, "ask", QUESTION, "--data", data)
    assert code == 2 and str(path) in err and "move or rename it" in err
    code, _, err = run(capsys, "db", "check", "--data", data)
    assert code == 1 and "file is not a database" in err
    assert _digest(path) == before


def test_a_read_only_data_folder_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        asked = run_unprivileged(cli("ask", QUESTION, "--data", folder))
        reported = run_unprivileged(cli("report", "abc", "--reason", "x", "--data", folder / "d"))
    finally:
        folder.chmod(0o755)
    assert asked.returncode == 2, asked.stderr
    assert f"cannot write the database {folder / DB_FILENAME}" in asked.stderr
    assert "CITEBOT_DATA" in asked.stderr and "Traceback" not in asked.stderr
    assert reported.returncode == 2 and "cannot create the data folder" in reported.stderr
    assert list(folder.iterdir()) == []


def test_ask_starts_without_discord(tmp_path: Path) -> None:
    probe = (
        "import sys; from bot.cli import main; "
        f"code = main(['ask', 'Who is Kim?', '--json', '--data', {str(tmp_path)!r}]); "
        "print('discord loaded' if 'discord' in sys.modules else 'no discord'); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "no discord"


# -- corrections ------------------------------------------------------------------------------
def test_resolve_with_answer_then_list_withdraw_and_export(capsys, data: str) -> None:
    answer_id = ask_json(capsys, data, "where do ivanka n jared live rn")["answer_id"]
    assert run(capsys, "report", answer_id, "--reason", "Palm Beach", "--data", data)[0] == 0
    code, _, err = run(capsys, "reports", "resolve", "1", "--note", "n", "--answer", "000:9:99",
                       "--data", data)  # fmt: skip
    assert code == 2 and err.strip().endswith("has sentences 1 to 4, not 99")
    code, _, err = run(capsys, "reports", "resolve", "1", "--note", "n", "--answer", "000:2",
                       "--reject", "--data", data)  # fmt: skip
    assert code == 2 and "cannot go with --reject" in err
    code, out, _ = run(capsys, "reports", "--data", data, "resolve", "1", "--note", "fixed",
                       "--answer", "000:2:4")  # fmt: skip
    assert code == 0 and "correction #1" in out and "000_f42420c014769c46:2:4" in out
    fixed = ask_json(capsys, data, "where is ivanka living now")
    assert fixed["corrected"]["by"] and fixed["corrected"]["at"]
    assert "Palm Beach" in fixed["quotes"][0]["text"]
    code, out, _ = run(capsys, "ask", "where is ivanka living now", "--data", data)
    assert out.startswith("Corrected by a moderator on ")
    code, out, _ = run(capsys, "reports", "--status", "all", "--data", data)
    assert "answer: 000_f42420c014769c46:2:4 (correction #1, active)" in out
    code, out, _ = run(capsys, "corrections", "--json", "--data", data)
    (listed,) = json.loads(out)["corrections"]
    assert listed["answer_ref"] == "000_f42420c014769c46:2:4" and listed["guild_id"] is None
    code, out, _ = run(capsys, "reports", "export", "--format", "csv", "--data", data)
    (row,) = csv.DictReader(io.StringIO(out))
    assert row["answer_ref"] == "000_f42420c014769c46:2:4" and row["correction_status"] == "active"
    assert run(capsys, "corrections", "--data", data, "withdraw", "1")[1].strip() == (
        "correction #1 withdrawn"
    )
    code, _, err = run(capsys, "corrections", "withdraw", "1", "--data", data)
    assert code == 2 and "already withdrawn" in err
    assert ask_json(capsys, data, "where is ivanka living now")["corrected"] is None
    code, out, _ = run(capsys, "corrections", "--status", "all", "--data", data)
    assert "withdrawn by" in out


def test_a_source_unreadable_for_one_ask_keeps_the_correction_and_restore_brings_one_back(
    tmp_path: Path,
) -> None:
    """The issue's reproduction, each step its own process (a process loads the library once):
    one invalid byte appended, ask, the file put back."""
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    article = corpus / "a.md"
    good = "---\ntitle: Homes\n---\n\nAda lives in Paris with her cat.\n\nBob lives in Rome.\n"
    article.write_text(good, encoding="utf-8")
    (corpus / "b.md").write_text("---\ntitle: Pets\n---\n\nThe cat sleeps.\n", encoding="utf-8")

    def citebot(*args: str):
        return run_cli(data, *args, env={"CITEBOT_CORPUS": str(corpus)})

    def corrected() -> bool:
        done = citebot("ask", "where does ada live", "--json")
        return json.loads(done.stdout)["corrected"] is not None

    answer_id = json.loads(citebot("ask", "where does ada live", "--json").stdout)["answer_id"]
    assert citebot("report", answer_id, "--reason", "x").returncode == 0
    assert citebot("reports", "resolve", "1", "--note", "n", "--answer", "a:1").returncode == 0
    article.write_bytes(good.encode() + b"\xff")
    done = citebot("ask", "where does ada live")
    assert done.returncode == 0 and "skipped" in done.stderr and "retired" not in done.stderr
    article.write_text(good, encoding="utf-8")
    assert corrected()
    article.write_text(good.replace("Paris with her cat", "Oslo"), encoding="utf-8")
    assert citebot("ask", "where does ada live").stderr.count("correction #1 retired") == 1
    done = citebot("corrections", "restore", "1")
    assert done.returncode == 2 and "its passage a:1 is still not in the sources" in done.stderr
    article.write_text(good, encoding="utf-8")
    done = citebot("corrections", "restore", "1")
    assert (done.returncode, done.stdout) == (0, "correction #1 restored: active again\n")
    assert corrected()
