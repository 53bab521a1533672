"""A question in another language is told the sources are read in English, never mistaken on
an English question (0 false positives on every English question set of the project)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.answering.answer import FOREIGN_NOTE, NO_ANSWER_NOTE, answer_question
from knowledge.text.language import looks_foreign

DATA = Path(__file__).parent / "data"


def _english_questions() -> list[str]:
    questions = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            question = json.loads(line).get("question") if line.strip() else None
            if question:
                questions.append(question)
    return questions


def test_no_english_question_of_the_project_is_called_foreign():
    questions = _english_questions()
    assert len(questions) > 400
    assert [q for q in questions if looks_foreign(q)] == []


@pytest.mark.parametrize(
    "question",
    [
        "Wo haben sich die beiden Frauen kennengelernt?",
        "Wer ist der Ehemann von Ivanka?",
        "¿Dónde se conocieron las dos mujeres?",
        "Où les deux femmes se sont-elles rencontrées?",
        "Dove si sono conosciute le due donne?",
        "Onde as duas mulheres se conheceram?",
        "Waar hebben de twee vrouwen elkaar ontmoet?",
        "Где познакомились эти две женщины?",
        "两位女士在哪里认识的？",
        "أين التقت المرأتان؟",
    ],
)
def test_questions_in_other_languages_are_recognised(question):
    assert looks_foreign(question)


@pytest.mark.parametrize("question", ["Who is Jose de la Cruz?", "Is Kim a friend of Ivanka?"])
def test_english_with_foreign_names_stays_english(question):
    assert not looks_foreign(question)


def test_an_abstention_on_a_foreign_question_says_the_sources_are_english(library):
    answer = answer_question(library, "Где познакомились эти две женщины?")
    assert not answer.answered and answer.note == FOREIGN_NOTE
    english = answer_question(library, "What is the tallest mountain on Mars?")
    assert not english.answered and english.note == NO_ANSWER_NOTE
