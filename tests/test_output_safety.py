"""What reaches a spreadsheet or a terminal is safe (issue 11, items 2 and 3): formulas are
neutralised on every line of a cell, and control characters are shown, never obeyed."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from bot.cli import main
from bot.cli.chat_session import chat
from bot.render_text import visible
from bot.service import Asker, Service, spreadsheet_cell
from tests.cli_support import clean_env
from tests.store_support import settings_for

QUESTION = "Where did Kim and Ivanka first meet?"
ESCAPES = "\x1b]0;pwned\x07 then \x1b[2J and \x9b1m \u202eevil"


def answer_id(capsys, data) -> str:
    assert main(["ask", "--json", "--data", str(data), QUESTION]) == 0
    return json.loads(capsys.readouterr().out)["answer_id"]


# -- 2: CSV -----------------------------------------------------------------------------------
def test_formulas_after_a_bare_carriage_return_are_neutralised(tmp_path, capsys):
    data = tmp_path / "d"
    aid = answer_id(capsys, data)
    reason = "fine\r=1+1\r@SUM(2*3)\r\n-2+3\u2028+cmd"
    assert main(["report", aid, "--reporter", "x", "--reason", reason, "--data", str(data)]) == 0
    capsys.readouterr()
    assert main(["reports", "--json", "--data", str(data)]) == 0
    (stored,) = json.loads(capsys.readouterr().out)["reports"]
    assert stored["reason"] == "fine\n=1+1\n@SUM(2*3)\n-2+3\n+cmd"  # breaks kept, as \n
    assert main(["reports", "export", "--format", "csv", "--data", str(data)]) == 0
    text = capsys.readouterr().out
    assert "\r" not in text
    assert not [line for line in text.split("\n") if line.startswith(("=", "+", "-", "@"))]
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["reason"] == "fine\n'=1+1\n'@SUM(2*3)\n'-2+3\n'+cmd"
    assert '"fine\n' in text  # the cell holding line breaks is quoted


def test_spreadsheet_cell_neutralises_every_line():
    assert spreadsheet_cell("=a\n\tb\nc\r@d") == "'=a\n'\tb\nc\n'@d"
    assert spreadsheet_cell(None) == "" and spreadsheet_cell(3) == "3"


# -- 3: terminal ------------------------------------------------------------------------------
def test_visible_shows_control_characters_and_keeps_ordinary_text():
    shown = visible(ESCAPES + "\tok\nnext \udcff")
    assert shown == ("\\x1b]0;pwned\\x07 then \\x1b[2J and \\x9b1m \\u202eevil\tok\nnext \\xff")
    assert visible("Kim’s café — «ok»") == "Kim’s café — «ok»"


def test_reports_listing_shows_escapes_visibly(tmp_path, capsys):
    data = tmp_path / "d"
    aid = answer_id(capsys, data)
    main(["report", aid, "--reporter", "evil\x1b[31m", "--reason", ESCAPES, "--data", str(data)])
    capsys.readouterr()
    assert main(["reports", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "\\x1b]0;pwned\\x07" in out and "\\x1b[2J" in out and "\\u202e" in out
    assert not any(c in out for c in "\x1b\x07\x9b\u202e")


async def test_chat_reports_show_escapes_visibly(tmp_path):
    async with await Service.open(settings_for(tmp_path / "d")) as service:
        answer = await service.ask(QUESTION)
        await service.report(answer.answer_id, Asker(display_name="x"), "wrong", ESCAPES)
        out = io.StringIO()
        await chat(service, stdin=io.StringIO("/reports\n/reports export\n"), out=out, user="t")
    printed = out.getvalue()
    assert "\\x1b]0;pwned" in printed and not any(c in printed for c in "\x1b\x07\x9b\u202e")


@pytest.mark.skipif(sys.platform != "linux", reason="control characters in file names")
def test_sources_and_warnings_show_file_names_visibly(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "ok\x1b[2J.txt").write_text(
        "date 2024-01-01 Title\x1b]0;x\x07 here\nThe council met on Monday.\n", encoding="utf-8"
    )
    (corpus / b"bad\xff\x1b[1m.txt".decode(errors="surrogateescape")).write_bytes(b"\xff\xfe")
    env = clean_env({"CITEBOT_DATA": str(tmp_path / "d")})
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "sources", "--corpus", str(corpus)],
        capture_output=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert b"ok\\x1b[2J" in done.stdout and b"\\x1b]0;x\\x07" in done.stdout
    assert b"bad\\xff\\x1b[1m.txt" in done.stderr and b"not UTF-8" in done.stderr
    assert b"\x1b" not in done.stdout + done.stderr and b"\x07" not in done.stdout


def test_an_export_shown_on_a_terminal_shows_escapes_but_a_file_is_exact(tmp_path, capsys):
    import pty

    data = tmp_path / "d"
    aid = answer_id(capsys, data)
    main(["report", aid, "--reporter", "x", "--reason", ESCAPES, "--data", str(data)])
    capsys.readouterr()
    env = clean_env({"CITEBOT_DATA": str(data)})
    controller, terminal = pty.openpty()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "reports", "export", "--format", "jsonl"],
        stdout=terminal, stderr=subprocess.PIPE, env=env, timeout=60,
    )  # fmt: skip
    os.close(terminal)
    shown = os.read(controller, 1 << 16)
    os.close(controller)
    assert done.returncode == 0 and b"\\x9b1m" in shown and "\x9b".encode() not in shown
    target = tmp_path / "out.jsonl"
    assert main(["reports", "export", "--format", "jsonl", "--output", str(target),
                 "--data", str(data)]) == 0  # fmt: skip
    assert json.loads(target.read_text(encoding="utf-8"))["reason"] == ESCAPES
