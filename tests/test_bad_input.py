"""Bad input (issue 11, items 10-13 and 16): each bad line or value gets its own clear error and
the rest goes on; nothing invisible is answered; repeat reports stay within the reason limit."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.chat_session import chat
from bot.lines import LineError, read_line
from bot.service import MAX_REASON_CHARS, Asker, Service, ServiceError
from tests.cli_support import ROOT, clean_env
from tests.store_support import settings_for

QUESTION = "Where did Kim and Ivanka first meet?"
INVISIBLE = ["\u200b", "\u200b\u200c\u200d\u2060", "\u202e\u2066\u2069", "\u0301\u0302", "\ufeff "]


def citebot(args: list[str | bytes], data: Path, stdin: bytes = b"", **kw):
    """`citebot ARGS` as a process, with bytes in and out (arguments may be bytes too)."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin, capture_output=True, env=clean_env({"CITEBOT_DATA": str(data)}), cwd=ROOT,
        timeout=120, **kw,
    )  # fmt: skip


@pytest.fixture
async def service(tmp_path):
    service = await Service.open(settings_for(tmp_path / "data"))
    yield service
    await service.close()


# -- 10: invalid UTF-8 ------------------------------------------------------------------------
def test_a_line_of_invalid_utf8_on_stdin_is_its_own_error_and_the_rest_go_on(tmp_path):
    done = citebot(["ask", "--json", "-"], tmp_path / "d", b"a?\nWho is Ivanka\xff husband?\nb?\n")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [line["question"] for line in lines][0::2] == ["a?", "b?"]
    assert "answered" in lines[0] and "answered" in lines[2]
    assert "not valid UTF-8" in lines[1]["error"] and "0xff" in lines[1]["error"]


def test_report_reason_with_invalid_utf8_is_a_clear_error(tmp_path, capsys):
    data = tmp_path / "d"
    assert main(["ask", "--json", "--data", str(data), QUESTION]) == 0
    answer_id = json.loads(capsys.readouterr().out)["answer_id"]
    done = citebot(["report", answer_id, "--reason", b"wrong\xff date"], data)
    assert done.returncode == 2
    assert b"not valid UTF-8" in done.stderr and b"Traceback" not in done.stderr


async def test_chat_goes_on_after_a_line_of_invalid_utf8(service):
    stdin = io.TextIOWrapper(io.BytesIO(b"Who\xff?\n/reports\n"), encoding="utf-8")
    out = io.StringIO()
    assert await chat(service, stdin=stdin, out=out, user="t") == 0
    printed = out.getvalue()
    assert "error: the line is not valid UTF-8" in printed and "Reports (open)" in printed


# -- 11: oversized ids -----------------------------------------------------------------------
def test_an_oversized_report_id_is_a_clear_error(tmp_path, capsys):
    code = main(["reports", "resolve", "9" * 23, "--note", "x", "--data", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 2 and "no report #" in err and "Overflow" not in err


async def test_an_oversized_report_id_in_chat_does_not_end_the_session(service):
    stdin = io.StringIO(f"/reports resolve {'9' * 23} x\n/reports resolve ² x\n/help\n")
    out = io.StringIO()
    await chat(service, stdin=stdin, out=out, user="t")
    printed = out.getvalue()
    assert "error: no report #" in printed and "usage: /reports resolve" in printed
    assert "/quit" in printed  # the help after them ran


def test_an_oversized_correction_id_is_a_clear_error(tmp_path, capsys):
    args = ["corrections", "withdraw", "9" * 23, "--data", str(tmp_path / "d")]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and "no correction #" in err and "Overflow" not in err


@pytest.mark.parametrize("year", ["\u00b2", "9" * 5000, "\u0663"])
async def test_odd_digits_or_a_huge_timeline_year_are_clear_errors_in_chat(service, year):
    stdin = io.StringIO(f"/timeline year:{year}\n/help\n")
    out = io.StringIO()
    await chat(service, stdin=stdin, out=out, user="t")
    printed = out.getvalue()
    assert "error: year must be" in printed and "/quit" in printed


# -- 12: bounded reading ---------------------------------------------------------------------
def test_read_line_refuses_a_long_line_without_reading_it_whole():
    class Counting(io.BytesIO):
        biggest = 0

        def readline(self, size=-1):
            assert size > 0, "an unbounded readline"
            Counting.biggest = max(Counting.biggest, size)
            return super().readline(size)

    stream = Counting(b"x" * 5_000_000 + b"\nnext\n")
    with pytest.raises(LineError, match="longer than"):
        read_line(stream, limit=1000)
    assert read_line(stream, limit=1000) == "next" and read_line(stream) is None
    assert Counting.biggest <= 64 * 1024 + 1


def test_a_huge_stdin_line_is_refused_in_bounded_memory(tmp_path):
    probe = (
        "import resource, sys\nfrom bot.cli import main\ncode = main(['ask', '--json', '-'])\n"
        "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    env = clean_env({"CITEBOT_DATA": str(tmp_path / "d")})
    done = subprocess.run(
        [sys.executable, "-c", probe],
        input=b"y" * 100_000_000 + b"\nWho?\n", capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-500:]
    first, second = (json.loads(x) for x in done.stdout.decode().splitlines())
    assert "longer than" in first["error"] and len(first["question"]) <= 80
    assert second["question"] == "Who?"
    peak_kib = int(done.stderr.decode().split("MAXRSS")[-1])
    assert peak_kib < 600_000  # the line alone is 100 MB; reading it whole peaked near 1.6 GB


# -- 13: invisible questions -----------------------------------------------------------------
@pytest.mark.parametrize("question", INVISIBLE)
async def test_a_question_of_only_invisible_characters_is_refused_and_not_cached(service, question):
    with pytest.raises(ServiceError, match="the question is empty"):
        await service.ask(question)
    assert (await service.cache_stats()).entries == 0


def test_invisible_question_on_the_command_line_exits_2(tmp_path, capsys):
    assert main(["ask", "--json", "--data", str(tmp_path / "d"), "\u200b\u202e"]) == 2
    assert "the question is empty" in capsys.readouterr().err


# -- 16: repeat reports ----------------------------------------------------------------------
async def test_repeat_reports_keep_the_merged_reason_within_the_limit(service):
    answer = await service.ask(QUESTION)
    me = Asker(display_name="repeater")
    for i in range(300):
        report = await service.report(answer.answer_id, me, "wrong", f"reason number {i} " * 3)
    assert len(report.reason) <= MAX_REASON_CHARS
    assert report.reason.endswith("reason number 299")  # the newest is kept
    assert "reason number 298" in report.reason and "reason number 0 " not in report.reason
    assert len(await service.reports("open")) == 1
