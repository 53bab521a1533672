from __future__ import annotations

import csv
import io
import re
import sys

import pytest

from bot import render
from bot.cli import main
from bot.cli.chat_session import ChatSession, chat, options
from bot.service import Service
from bot.settings import Settings

QUESTION = "Where did Kim Kardashian and Ivanka Trump first meet?"


@pytest.fixture
async def service():
    service = await Service.open(Settings())
    yield service
    await service.close()


@pytest.fixture
def out():
    return io.StringIO()


def answer_id_in(text: str) -> str:
    match = re.search(r"\[answer (\S+)", text)
    assert match, text
    return match.group(1)


async def test_asking_prints_what_the_embed_carries(service, out):
    session = ChatSession(service, out, "tester")
    assert await session.handle(QUESTION)
    printed = out.getvalue()
    served = await service.ask(QUESTION)  # the same answer, now from the cache
    embed = render.answer_embed(served)
    assert printed.strip() == render.embed_text(embed).replace(" \u00b7 from cache", "")
    for quote in served.quotes:
        assert f"> {quote.text}" in printed and quote.title in printed
        assert f"paragraph {quote.paragraph}" in printed
    assert answer_id_in(printed) == served.answer_id


async def test_report_then_review_in_the_same_session(service, out, tmp_path):
    session = ChatSession(service, out, "tester")
    await session.handle(f"/ask {QUESTION}")
    answer_id = answer_id_in(out.getvalue())
    await session.handle(f"/report {answer_id} The meeting was in 2014, it's misquoted")
    assert re.search(r"Thanks, a moderator will review it \(report #\d+", out.getvalue())
    (stored,) = await service.reports("open")
    assert stored.answer_id == answer_id and stored.reporter_name == "tester"
    assert stored.reason == "The meeting was in 2014, it's misquoted"
    assert stored.category == "wrong" and stored.guild_id is None

    await session.handle("/reports")
    assert f"#{stored.report_id} \u00b7 open \u00b7 wrong" in out.getvalue()
    await session.handle(f"/reports resolve {stored.report_id} fixed the quote")
    assert f"Report #{stored.report_id} is now resolved" in out.getvalue()
    (closed,) = await service.reports("resolved")
    assert closed.moderator == "tester" and closed.resolution_note == "fixed the quote"

    target = tmp_path / "reports.csv"
    await session.handle(f"/reports export {target}")
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [r["report_id"] for r in rows] == [str(stored.report_id)]


async def test_report_category_option(service, out):
    session = ChatSession(service, out, "tester")
    await session.handle(QUESTION)
    answer_id = answer_id_in(out.getvalue())
    await session.handle(f"/report {answer_id} category:outdated old news")
    (stored,) = await service.reports("open")
    assert stored.category == "outdated" and stored.reason == "old news"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/frobnicate", "error: unknown command /frobnicate"),
        ("/report", "error: usage: /report ANSWER_ID REASON"),
        ("/report abc category:bogus why", "error: category must be one of"),
        ("/report nosuchid it is wrong", "error: no answer with id 'nosuchid'"),
        ("/reports resolve x note", "error: usage: /reports resolve REPORT_ID NOTE"),
        ("/reports resolve 999 note", "error: no report #999"),
        ("/reports list bogus", "error: status must be one of"),
        ("/ask " + "x" * 600, "error: the question is 600 characters long"),
        ('/timeline about:"unbalanced', "error: cannot read that line"),
        ("/timeline year:twenty", "error: year must be a number"),
        ("/timeline colour:red", "error: unknown option 'colour'"),
    ],
)
async def test_bad_lines_get_one_error_line_and_the_session_goes_on(service, out, line, message):
    session = ChatSession(service, out, "tester")
    assert await session.handle(line) is True
    printed = out.getvalue()
    assert printed.startswith(message), printed
    assert printed.count("\n") == 1


async def test_quit_and_end_of_input_end_the_loop(service, out):
    stdin = io.StringIO("/help\n\n/quit\n/ask never reached\n")
    assert await chat(service, stdin, out, user="tester") == 0
    printed = out.getvalue()
    assert printed.startswith("citebot chat: 5 sources.") and "/timeline [year:YYYY]" in printed
    assert "never reached" not in printed
    out2 = io.StringIO()
    assert await chat(service, io.StringIO(QUESTION), out2, user="tester") == 0
    assert "> " in out2.getvalue()


def test_options_split_discord_style_options_from_words():
    found, rest = options('year:2018 about:"Met Gala" from=2014 extra', ("year", "about", "from"))
    assert found == {"year": "2018", "about": "Met Gala", "from": "2014"}
    assert rest == ["extra"]


def test_citebot_chat_command_runs_without_a_token(monkeypatch, capsys):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{QUESTION}\n/quit\n"))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("citebot chat:") and "paragraph" in out and "[answer " in out


async def test_timeline_prints_every_page_of_the_same_embeds(service, out):
    session = ChatSession(service, out, "tester")
    await session.handle("/timeline")
    printed = out.getvalue()
    events = service.library.timeline.events
    pages = -(-len(events) // render.TIMELINE_EVENTS_PER_PAGE)
    assert printed.count("Timeline\n") == pages
    assert f"[page {pages}/{pages} \u00b7 {len(events)} events]" in printed
    at = 0
    for event in events:  # every event, in order (labels may repeat: two "June 2018")
        at = printed.find(f"\n{event.label} \u2014 ", at)
        assert at >= 0, event.label
        at += 1


async def test_timeline_filters(service, out):
    session = ChatSession(service, out, "tester")
    await session.handle('/timeline year:2014 about:"Met Gala"')
    printed = out.getvalue()
    assert printed.startswith("Timeline: 2014, about \u201cMet Gala\u201d\n")
    assert "2014 \u2014 " in printed and "Met Gala" in printed


async def test_resolving_with_a_passage_corrects_the_question_and_its_rewordings(service, out):
    session = ChatSession(service, out, "tester")
    await session.handle("where do ivanka n jared live rn")
    answer_id = answer_id_in(out.getvalue())
    for line in (
        f"/report {answer_id} it says Palm Beach",
        "/reports resolve 1 fixed answer:000:2:99",
        "/reports reject 1 nope answer:000:2:4",
        "/reports resolve 1 see the first article answer:000:2:4",
    ):
        await session.handle(line)
    printed = out.getvalue()
    assert "error: paragraph 2 of 000_f42420c014769c46 has sentences 1 to 6, not 99" in printed
    assert "error: answer: names the passage that answers" in printed
    assert "Correction #1" in printed and "000_f42420c014769c46:2:4" in printed
    out.seek(0), out.truncate()
    await session.handle("where is ivanka living now")
    printed = out.getvalue()
    assert printed.splitlines()[2] == "Corrected by a moderator on " + (
        (await service.corrections())[0].created_at.date().isoformat() + "."
    )
    assert "Palm Beach" in printed
    out.seek(0), out.truncate()
    await session.handle("/reports list all")
    await session.handle("/reports corrections")
    await session.handle("/reports withdraw 1")
    await session.handle("/reports corrections all")
    printed = out.getvalue()
    assert "Answer: `000_f42420c014769c46:2:4` (correction #1, active)" in printed
    assert "Corrections (active)" in printed and "Q: where do ivanka n jared live rn" in printed
    assert "Correction #1 withdrawn." in printed and "Withdrawn by tester" in printed
