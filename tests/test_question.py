"""Question analysis: the expected answer type and focus words of everyday questions."""

from __future__ import annotations

import pytest

from knowledge.answering.question import analyze_question
from knowledge.text.mentions import Kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did they meet?", Kind.DATE),
        ("Where does she live these days?", Kind.PLACE),
        ("Who is her spouse?", Kind.PERSON),
        ("Whose wedding did they attend?", Kind.PERSON),
        ("How many brothers does Arabella have?", Kind.NUMBER),
        ("How old was North in the picture?", Kind.NUMBER),
        ("What year was the gala?", Kind.DATE),
        ("In what country was the wedding?", Kind.PLACE),
        ("Which restaurant hosted the party?", Kind.PLACE),
        ("What percentage of water is oxygen?", Kind.NUMBER),
        ("Which NFL team won?", Kind.NAME),
        ("Why did she give up politics?", Kind.REASON),
        ("How did they become friends?", Kind.MANNER),
        ("They met where?", Kind.PLACE),
    ],
)
def test_expected_answer_type(question, kind):
    assert analyze_question(question).answer_type is kind


def test_questions_without_a_type():
    assert analyze_question("What did Kim say about hate speech?", fine=False).answer_type is None
    assert analyze_question("Tell me about the dinner").answer_type is None


def test_how_long_accepts_numbers_and_times_but_how_old_only_numbers():
    assert analyze_question("How long did the dinner last?").accepts == {Kind.NUMBER, Kind.DATE}
    assert analyze_question("How old is she?").accepts == {Kind.NUMBER}


def test_focus_keeps_content_words_and_what_is_measured():
    q = analyze_question("How tall is Kim Kardashian?")
    assert q.focus == ["tall", "kim", "kardashian"]
    assert "many" not in analyze_question("How many sisters does Kim have?").focus


def test_names_in_the_question_are_not_answers():
    q = analyze_question("When did Kim Kardashian meet Ivanka Trump in 2014?")
    assert q.names({"ivanka", "trump"}) and q.names({"2014"})
    assert not q.names({"jared", "kushner"})
    assert {"kim", "kardashian"} in q.proper and {"ivanka", "trump"} in q.proper


def test_leading_filler_is_ignored():
    assert analyze_question("So, where did they have dinner?").answer_type is Kind.PLACE
