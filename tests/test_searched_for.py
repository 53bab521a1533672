"""A corrected question says what was searched for, on every face, as search engines do."""

from __future__ import annotations

import io
import json

from bot import render
from bot.cli import main
from bot.cli.chat_session import ChatSession
from bot.render_text import render_answer, searched_for_parts
from bot.service import Service
from bot.settings import Settings
from knowledge.models import Answer, Quote

TYPO = "when was alice jonhson pardoned"


def _answer(question: str, searched_for: str | None) -> Answer:
    quote = Quote(text="Johnson was pardoned.", source_id="s", title="T", date=None, paragraph=1,
                  score=1.0)  # fmt: skip
    return Answer(question=question, answered=True, quotes=[quote], searched_for=searched_for)


def test_parts_mark_the_corrected_words():
    answer = _answer("who won the eletcion", "who won the election")
    assert searched_for_parts(answer) == [
        ("who", False), ("won", False), ("the", False), ("election", True),
    ]  # fmt: skip
    assert searched_for_parts(_answer("who won", None)) == []


def test_terminal_text_starts_with_the_search():
    text = render_answer(_answer("who won the eletcion", "who won the election"))
    assert text.splitlines()[0] == "Searched for: who won the *election*"
    assert "Searched for" not in render_answer(_answer("who won", None))


def test_discord_embed_shows_the_correction_in_italics_escaped_and_short():
    embed = render.answer_embed(_answer("who won the eletcion", "who won the election"))
    assert embed.description.startswith("Searched for: who won the *election*\n\n> ")
    odd = render.searched_for_md(_answer("a_b x*y", "a_b x*z"))
    assert odd == "Searched for: a\\_b *x\\*z*"  # user text escaped, only the italics are ours
    long = "word " * 99 + "eletcion"
    line = render.searched_for_md(_answer(long, long.replace("eletcion", "election")))
    assert len(line) <= render.SEARCHED_FOR_CHARS + 40 and line.endswith(render.ELLIPSIS)
    assert len(render.answer_embed(_answer(long, long)).description) <= render.DESCRIPTION_LIMIT


def test_json_answer_carries_searched_for_only_when_corrected(capsys):
    assert main(["ask", "--json", TYPO]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["question"] == TYPO
    assert payload["searched_for"] == "when was alice Johnson pardoned"
    assert payload["answered"] is True and "Johnson" in payload["quotes"][0]["text"]
    assert main(["ask", "--json", "When was Alice Johnson pardoned?"]) == 0
    assert json.loads(capsys.readouterr().out)["searched_for"] is None


def test_cli_text_answer_shows_the_search(capsys):
    assert main(["ask", TYPO]) == 0
    assert capsys.readouterr().out.startswith("Searched for: when was alice *Johnson* pardoned\n")


async def test_citebot_chat_shows_the_search():
    out = io.StringIO()
    service = await Service.open(Settings())
    try:
        await ChatSession(service, out, "tester").handle(TYPO)
    finally:
        await service.close()
    assert "Searched for: when was alice Johnson pardoned" in out.getvalue()
