"""Property-based tests (hypothesis; profile in tests/conftest.py): the question path, the
Markdown/front-matter parser, the report text path and the Discord renderer, on any input."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import string

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot import render
from bot.cli.store import _describe
from bot.discord.cogs.reports import view_for
from bot.render_text import visible
from bot.service import (
    MAX_REASON_CHARS,
    Asker,
    Service,
    ServiceError,
    normalise_text,
    spreadsheet_cell,
)
from bot.store import question_key
from knowledge.answering.answer import (
    MAX_QUESTION_CHARS,
    QuestionError,
    answer_question,
    clean_question,
)
from knowledge.corpus import MAX_PASSAGE_CHARS, parse_source
from knowledge.models import Answer, Quote
from tests.fake_discord.limits import message_errors
from tests.store_support import settings_for

# Characters that have broken text handling somewhere: controls, separators, zero-width and bidi
# marks, combining marks, surrogate-free astral characters, markdown and formula starts.
TRICKY = list(
    "\x00\x07\x1b\r\n\t\x0b\x0c\x1c\x85\u2028\u2029\u200b\u200d\u2060\u202e\u2066\ufeff"
    "\u0301\u0336 \u00a0\u3000=+-@*_~`|>#[]()\\\"'?!.\u2026\U0001f600\U00010000\uffff"
)
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=700)


def mixed(words: list[str], max_size: int = 40) -> st.SearchStrategy[str]:
    """Corpus words mixed with tricky characters and random Unicode, so answers are reached."""
    piece = st.one_of(
        st.sampled_from(words), st.sampled_from(TRICKY), any_text.map(lambda t: t[:8])
    )
    return st.lists(piece, max_size=max_size).map(" ".join)


@pytest.fixture(scope="module")
def words(library) -> list[str]:
    found = {w.strip(string.punctuation) for p in library.passages[:40] for w in p.text.split()}
    return sorted(w for w in found if w)


# -- the question path ------------------------------------------------------------------------
def test_any_question_is_refused_clearly_or_answered_with_verbatim_quotes(library, words):
    passages = {(p.source_id, p.paragraph): p.text for p in library.passages}

    @given(st.one_of(any_text, mixed(words)))
    def check(question: str) -> None:
        try:
            cleaned = clean_question(question)
        except QuestionError as exc:
            assert str(exc) and "\n" not in str(exc)
            return
        assert 0 < len(cleaned) <= MAX_QUESTION_CHARS
        question_key(cleaned)  # the cache key too
        answer = answer_question(library, cleaned)
        assert answer.answered == bool(answer.quotes)
        for quote in answer.quotes + answer.closest:
            text = passages[(quote.source_id, quote.paragraph)]
            assert text[quote.start : quote.end] == quote.text and quote.text

    check()


# -- the Markdown / front-matter parser -------------------------------------------------------
front_value = st.one_of(
    any_text.map(lambda t: t[:60]),
    st.dates().map(dt.date.isoformat),
    st.integers(),
    st.sampled_from(["", "[1, 2]", "{a: b}", "!!python/object:os.system x", "2024-13-45", "~"]),
)


@st.composite
def markdown_files(draw, words_list: list[str]) -> str:
    meta = draw(
        st.dictionaries(st.sampled_from(["title", "date", "url", "outlet", "x"]), front_value)
    )
    head = "".join(f"{k}: {v}\n" for k, v in meta.items())
    blocks = draw(st.lists(st.one_of(mixed(words_list, 30), st.just("## A heading")), max_size=6))
    body = "\n\n".join(blocks)
    opening = draw(st.sampled_from(["---\n", "---\n", "", "---"]))
    closing = draw(st.sampled_from(["---\n", "--- \n", ""]))
    return opening + head + closing + body


def test_the_markdown_parser_returns_a_source_or_a_clear_error(words):
    @given(st.one_of(markdown_files(words), any_text))
    def check(text: str) -> None:
        try:
            source = parse_source("s", text, markdown=True)
        except (ValueError, yaml.YAMLError):  # what the loader reports as "skipped <file>"
            return
        assert source.title and source.passages
        assert [p.paragraph for p in source.passages] == list(range(1, len(source.passages) + 1))
        for p in source.passages:
            assert p.text and p.text == p.text.strip() and len(p.text) <= MAX_PASSAGE_CHARS
            assert all(0 <= s.start < s.end <= len(p.text) for s in p.sentences)
        assert source.date is None or isinstance(source.date, dt.date)

    check()


# -- the report text path ---------------------------------------------------------------------
def test_report_text_is_stored_listed_and_exported_as_documented(tmp_path, words):
    """Stored, listed and exported exactly, apart from the documented normalisation: trimmed,
    line breaks as \\n (CSV: formula starts on each line prefixed with an apostrophe)."""
    loop = asyncio.new_event_loop()
    service = loop.run_until_complete(Service.open(settings_for(tmp_path / "d")))
    answer_id = loop.run_until_complete(service.ask("Where did Kim and Ivanka meet?")).answer_id
    counter = iter(range(10**9))

    @given(st.one_of(any_text, mixed(words, 60)), st.text(min_size=1, max_size=40))
    def check(reason: str, name: str) -> None:
        asker = Asker(display_name=f"{name} {next(counter)}")
        try:
            report = loop.run_until_complete(service.report(answer_id, asker, "other", reason))
        except ServiceError as exc:
            refused = "\0" in reason + name  # a NUL character: refused, documented
            empty = not normalise_text(reason)
            assert refused or empty or len(normalise_text(reason)) > MAX_REASON_CHARS
            assert str(exc)
            return
        expected = normalise_text(reason)
        assert report.reason == expected
        (listed,) = [
            r
            for r in loop.run_until_complete(service.reports("open"))
            if r.report_id == report.report_id
        ]
        assert listed.reason == expected and listed.reporter_name == report.reporter_name
        jsonl = loop.run_until_complete(service.export_reports("jsonl", "open"))
        exported = [json.loads(line) for line in jsonl.splitlines()]
        assert [r["reason"] for r in exported if r["report_id"] == report.report_id] == [expected]
        text = loop.run_until_complete(service.export_reports("csv", "open"))
        rows = [r for r in csv.DictReader(io.StringIO(text, newline=""))]
        (row,) = [r for r in rows if r["report_id"] == str(report.report_id)]
        assert row["reason"] == spreadsheet_cell(expected)
        shown = visible(_describe(listed))
        assert "\x1b" not in shown and "\r" not in shown

    try:
        check()
    finally:
        loop.run_until_complete(service.close())
        loop.close()


# -- the renderer -----------------------------------------------------------------------------
@st.composite
def answers(draw, words_list: list[str]) -> Answer:
    def quote(n: int) -> Quote:
        text = draw(st.one_of(mixed(words_list, 80), any_text, st.text("x *_>#\\`", max_size=6000)))
        return Quote(
            text=text or "x",
            source_id=f"s{n}",
            title=draw(st.one_of(any_text.map(lambda t: t[:400]), st.just("t"))) or "t",
            date=draw(st.one_of(st.none(), st.dates())),
            paragraph=draw(st.integers(1, 10**6)),
            score=0.0,
            url=draw(st.one_of(st.none(), st.just("https://example.org/a (b) <c>"))),
        )

    quotes = [quote(n) for n in range(draw(st.integers(0, 6)))]
    answered = draw(st.booleans())
    return Answer(
        question=draw(st.one_of(mixed(words_list), any_text)) or "?",
        answered=answered and bool(quotes),
        quotes=quotes if answered else [],
        closest=[] if answered else quotes,
        note=draw(st.one_of(st.none(), any_text.map(lambda t: t[:300]))),
        disagreement=draw(st.booleans()),
    )


def test_any_answer_fits_discords_limits(words):
    @given(answers(words), st.booleans())
    def check(answer: Answer, cached: bool) -> None:
        served = answer.model_copy(update={})
        served.__dict__.update(answer_id="a1b2c3d4e5", cached=cached)
        embed = render.answer_embed(served)
        payload = {
            "embeds": [embed.to_dict()],
            "components": view_for(served).to_components(),
        }
        assert message_errors(payload) == {}
        assert render.answer_id_from_embed(embed) == "a1b2c3d4e5"

    check()
