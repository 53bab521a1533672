"""The answer composer: verbatim quotes, citations, disagreement, and the JSON contract."""

from __future__ import annotations

import json

import pytest

from knowledge.answering.answer import (
    DISAGREE_NOTE,
    MAX_QUESTION_CHARS,
    QuestionError,
    answer_question,
    clean_question,
)
from knowledge.search.library import open_library

QUESTIONS = [
    "Where did Kim Kardashian and Ivanka Trump first meet?",
    "When did Trump commute Alice Johnson's sentence?",
    "Who is Ivanka's spouse?",
    "How long did their dinner at the Beverly Hills Hotel last?",
    "What did Kim say about hate speech?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_quotes_are_verbatim_whole_sentences_of_their_paragraph(library, question):
    answer = answer_question(library, question)
    passages = {(p.source_id, p.paragraph): p for p in library.passages}
    assert 1 <= len(answer.quotes) <= 3 or not answer.answered
    for quote in answer.quotes + answer.closest:
        passage = passages[(quote.source_id, quote.paragraph)]
        assert passage.text[quote.start : quote.end] == quote.text
        starts = {s.start for s in passage.sentences}
        ends = {s.end for s in passage.sentences}
        assert quote.start in starts and quote.end in ends  # never cut mid-word or mid-sentence
        inner = sum(1 for s in passage.sentences if quote.start <= s.start < quote.end)
        assert inner in (1, 2)  # a sentence or two adjacent sentences
        source = library.corpus.source(quote.source_id)
        assert quote.title == source.title and quote.date == source.date


def test_quotes_are_best_first(library):
    answer = answer_question(library, QUESTIONS[0])
    scores = [q.score for q in answer.quotes]
    assert scores[0] == max(scores)


def test_relative_date_answer_is_quoted_for_when(library):
    answer = answer_question(library, "When did Trump commute Alice Johnson's sentence?")
    assert answer.answered and "following month" in answer.quotes[0].text


def test_disagreeing_sources_are_each_quoted(tmp_path):
    (tmp_path / "a.md").write_text(
        "---\ntitle: Harbour story\ndate: 2020-01-02\n---\n\n"
        "The lighthouse keeper retired in Lisbon after the storm of 1998.\n",
        encoding="utf-8",
    )
    (tmp_path / "b.md").write_text(
        "---\ntitle: Coast profile\ndate: 2021-03-04\n---\n\n"
        "After the storm, the old lighthouse keeper retired in Porto, friends say.\n",
        encoding="utf-8",
    )
    (tmp_path / "c.md").write_text(
        "---\ntitle: Unrelated\n---\n\nThe bakery sells bread and cakes every morning.\n",
        encoding="utf-8",
    )
    library = open_library(tmp_path, None)
    answer = answer_question(library, "Where did the lighthouse keeper retire?")
    assert answer.answered and answer.disagreement
    assert answer.note == DISAGREE_NOTE
    texts = " ".join(q.text for q in answer.quotes)
    assert "Lisbon" in texts and "Porto" in texts
    assert {q.source_id for q in answer.quotes} == {"a", "b"}


def test_agreeing_sources_are_not_a_disagreement(tmp_path):
    for name, text in {
        "a": "The lighthouse keeper retired in Lisbon after the storm.",
        "b": "After the storm, the lighthouse keeper retired in Lisbon, friends say.",
        "c": "The bakery sells bread and cakes every morning.",
    }.items():
        (tmp_path / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n\n{text}\n", "utf-8")
    answer = answer_question(open_library(tmp_path, None), "Where did the keeper retire?")
    assert answer.answered and not answer.disagreement


def write_sources(folder, texts):
    for name, text in texts.items():
        (folder / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n\n{text}\n", "utf-8")
    return open_library(folder, None)


def test_conflicting_dates_about_the_asked_event_are_a_disagreement(tmp_path):
    library = write_sources(
        tmp_path,
        {
            "a": "The old bridge over the river was finally reopened in 2011 after repairs.",
            "b": "Repairs began in 2004, and the bridge over the river was reopened in 2009.",
            "c": "The bakery sells bread and cakes every morning.",
        },
    )
    answer = answer_question(library, "When was the bridge reopened?")
    assert answer.answered and answer.disagreement and answer.note == DISAGREE_NOTE
    assert [q.source_id for q in answer.quotes] == ["a", "b"] or [
        q.source_id for q in answer.quotes
    ] == ["b", "a"]
    texts = " ".join(q.text for q in answer.quotes)
    assert "2011" in texts and "2009" in texts


def test_a_fact_far_from_the_asked_event_is_no_disagreement(tmp_path):
    # b dates the repairs, not the reopening: its nearest date to "reopened" is the same year.
    library = write_sources(
        tmp_path,
        {
            "a": "The old bridge over the river was finally reopened in 2011 after repairs.",
            "b": "Repairs began in 2004; the bridge was reopened in 2011, the council says.",
            "c": "The bakery sells bread and cakes every morning.",
        },
    )
    answer = answer_question(library, "When was the bridge reopened?")
    assert answer.answered and not answer.disagreement


def test_facts_one_source_mentions_together_are_one_story(tmp_path):
    # a names the city, b the district inside it, and b mentions the city too: no conflict.
    library = write_sources(
        tmp_path,
        {
            "a": "The singer held her birthday party in Lisbon last week.",
            "b": "Her birthday party took place at a restaurant in Alfama, the old quarter of "
            "Lisbon, friends said.",
            "c": "The bakery sells bread and cakes every morning.",
        },
    )
    answer = answer_question(library, "Where was the birthday party held?")
    assert answer.answered and not answer.disagreement


def test_a_source_stating_less_of_what_was_asked_is_no_disagreement(tmp_path):
    # b gives another place, but for a meeting it does not call the first one.
    library = write_sources(
        tmp_path,
        {
            "a": "The two painters first met at the Venice Biennale, a friend recalled.",
            "b": "Years later the two painters met in Rome to plan an exhibition together.",
            "c": "The bakery sells bread and cakes every morning.",
        },
    )
    answer = answer_question(library, "Where did the two painters first meet?")
    assert answer.answered and not answer.disagreement
    assert "Venice" in answer.quotes[0].text


def test_where_they_first_met_quotes_the_met_gala_without_a_false_conflict(library):
    answer = answer_question(library, "Where did Kim Kardashian and Ivanka Trump first meet?")
    assert "Met Gala" in answer.quotes[0].text
    if answer.disagreement:  # the only other account of a first meeting is Paris Hilton's
        others = " ".join(q.text for q in answer.quotes[1:])
        assert "Paris Hilton" in others or "Saint-Tropez" in others


def test_disagreement_on_when_alice_johnson_was_pardoned(library):
    answer = answer_question(library, "When was Alice Johnson pardoned?")
    assert answer.disagreement
    sides = {(q.source_id[:3], q.paragraph) for q in answer.quotes}
    assert {("001", 2), ("003", 9)} <= sides
    texts = " ".join(q.text for q in answer.quotes)
    assert "June 2018" in texts and "pardoned in 2020" in texts


def test_answer_json_keeps_the_contract(library):
    payload = json.loads(answer_question(library, QUESTIONS[1]).model_dump_json())
    assert {"question", "answered", "quotes", "note", "confidence", "disagreement"} <= set(payload)
    for quote in payload["quotes"]:
        assert {"text", "source_id", "title", "date", "paragraph", "score"} <= set(quote)


def test_clean_question_trims_and_rejects_bad_input():
    assert clean_question("  where   did they meet?\n") == "where did they meet?"
    with pytest.raises(QuestionError, match="empty"):
        clean_question("   ")
    with pytest.raises(QuestionError, match=str(MAX_QUESTION_CHARS)):
        clean_question("x" * (MAX_QUESTION_CHARS + 1))


def test_any_unicode_is_accepted(library):
    answer = answer_question(library, "¿Dónde se conocieron Kim y Ivanka? 👯")
    assert answer.question.startswith("¿Dónde")


def test_one_number_written_two_ways_is_no_disagreement(library):
    """'her 43rd birthday' and 'Kardashian, 43' state the same age: no 'sources differ'."""
    answer = answer_question(library, "How old is Kim Kardashian?")
    assert answer.answered and not answer.disagreement
    assert "43" in answer.quotes[0].text


def test_the_length_message_states_the_limit_that_is_applied() -> None:
    assert clean_question("x" * MAX_QUESTION_CHARS)  # exactly the limit is accepted
    with pytest.raises(QuestionError) as caught:
        clean_question("x" * (MAX_QUESTION_CHARS + 1))
    assert f"keep it to {MAX_QUESTION_CHARS} characters or fewer" in str(caught.value)
