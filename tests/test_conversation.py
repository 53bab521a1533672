"""Follow-up questions through the service, the CLI (`--after`) and `citebot chat`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from bot.cli import main
from bot.cli.chat_session import ChatSession
from bot.render_text import render_answer
from bot.service import ServiceError

FIRST = "Where did Kim Kardashian and Ivanka Trump first meet?"


async def test_a_follow_up_is_answered_as_understood_and_says_so(service):
    first = await service.ask(FIRST)
    served = await service.ask("what year was that", after=first.answer_id)
    assert served.follow_up_of == first.answer_id
    assert served.question == "what year was that"
    assert "2014 Met Gala" in served.searched_for  # the previous answer's thing, named
    shown = render_answer(served).splitlines()[0]
    assert shown.startswith("Searched for: what year was *") and "Met Gala" in shown


async def test_the_cache_keys_on_the_question_as_understood_with_its_context(service):
    first = await service.ask(FIRST)
    followed = await service.ask("what year was that", after=first.answer_id)
    elsewhere = await service.ask("What year was that?", after=first.answer_id)
    assert elsewhere.cached and elsewhere.answer_id == followed.answer_id
    # asked alone, the understood question lacks the previous turn's terms: its own entry
    alone = await service.ask(followed.searched_for)
    assert not alone.cached and alone.answer_id != followed.answer_id


async def test_a_complete_question_after_an_answer_is_answered_alone(service):
    first = await service.ask(FIRST)
    alone = await service.ask("Who is Kim Kardashian's ex-husband?")
    after = await service.ask("Who is Kim Kardashian's ex-husband?", after=first.answer_id)
    assert after.follow_up_of is None and after.searched_for == alone.searched_for
    assert after.answer_id == alone.answer_id


async def test_an_unknown_previous_answer_is_a_clear_error(service):
    with pytest.raises(ServiceError, match="no answer with id 'nope'"):
        await service.ask("and when?", after="nope")


def test_after_works_from_another_process(capsys, tmp_path):
    assert main(["ask", "--json", FIRST]) == 0
    first = json.loads(capsys.readouterr().out)
    env = dict(os.environ)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "--after", first["answer_id"], "when?"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["follow_up_of"] == first["answer_id"]
    assert payload["searched_for"].lower().startswith("when did kim kardashian and ivanka trump")


async def test_chat_reads_a_follow_up_with_the_previous_answer_until_new(service):
    out = io.StringIO()
    session = ChatSession(service, out, "tester")
    await session.handle(FIRST)
    await session.handle("what year was that")
    assert "Searched for: what year was" in out.getvalue()
    await session.handle("/new")
    out.truncate(0)
    out.seek(0)
    await session.handle("what year was that")
    assert "Searched for" not in out.getvalue()


def test_a_bad_after_id_is_one_clear_line(capsys):
    for bad in ("\udcff", "x" * 5000):  # bytes that are not UTF-8; far too long to be an id
        assert main(["ask", "--after", bad, "why?"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("citebot: error: ") and len(err) < 300 and "Traceback" not in err


async def test_a_follow_up_with_its_context_implied_is_searched_with_that_context(service):
    first = await service.ask("did kim and ivanka bond over being new moms?")
    served = await service.ask("says who?", after=first.answer_id)
    assert served.follow_up_of == first.answer_id
    assert served.answered and "Us Weekly" in served.quotes[0].text
    other = await service.ask("What did Trump call Kim on Truth Social?")
    elsewhere = await service.ask("says who?", after=other.answer_id)
    assert elsewhere.answer_id != served.answer_id  # cached apart: another context


async def test_she_after_who_is_someone_is_that_someone(service):
    first = await service.ask("who is alice marie johnson")
    served = await service.ask("what was she serving", after=first.answer_id)
    assert served.searched_for == "what was Alice Marie Johnson serving"  # not the quote's Kim


async def test_a_rewritten_follow_up_is_also_searched_with_the_previous_turns_terms(service):
    first = await service.ask("which wedding did kim and ivanka go to in 2025")
    served = await service.ask("where was it?", after=first.answer_id)
    assert served.searched_for == "where was Jeff Bezos?"  # the answer's name, not its event
    assert served.answered and "Italy" in served.quotes[0].text  # the wedding's sentence
