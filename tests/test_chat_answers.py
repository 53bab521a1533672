"""The issue's examples of questions asked the way people chat, on the bundled articles: the
quote must carry what was asked, not the topic sentence or someone else's fact."""

from __future__ import annotations

from knowledge.answer import answer_question


def _first(library, question: str):
    answer = answer_question(library, question)
    quotes = answer.quotes or answer.closest
    assert quotes, question
    return answer, quotes[0]


def test_how_old_is_kim_does_not_quote_ivankas_age(library):
    answer, quote = _first(library, "How old is Kim Kardashian?")
    assert answer.answered
    assert "41-year-old" not in quote.text
    assert "43" in quote.text


def test_the_2022_statement_question_quotes_the_statement(library):
    answer, quote = _first(library, "What did Ivanka's 2022 statement say?")
    assert answer.answered
    assert "I am choosing to prioritize my young children" in quote.text


def test_how_long_was_the_dinner_quotes_a_duration(library):
    _, quote = _first(library, "How long did their dinner last?")
    assert "three-hour" in quote.text or "three hours" in quote.text
