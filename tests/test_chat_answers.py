"""The issue's examples of questions asked the way people chat, on the bundled articles: the
quote must carry what was asked, not the topic sentence or someone else's fact."""

from __future__ import annotations

from knowledge.answering.answer import answer_question


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


def test_how_old_is_kim_in_lowercase_too(library):
    _, quote = _first(library, "how old is kim")
    assert "41-year-old" not in quote.text and "43" in quote.text


def test_how_old_was_arabella_quotes_her_age_in_words(library):
    _, quote = _first(library, "How old was Arabella at the 2014 Met Gala?")
    assert "Arabella was three" in quote.text
