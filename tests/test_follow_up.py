"""Follow-up messages rewritten from their context (knowledge.text.follow_up), on made-up
conversations about topics the bundled articles do not cover."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from knowledge.text.follow_up import Context, implies_context, rewrite

GENDERS = {"Marie Curie": "f", "Pierre Curie": "m", "Ada Lovelace": "f", "Charles Babbage": "m"}


def context(**fields) -> Context:
    fields.setdefault("gender", GENDERS.get)
    return Context(**fields)


def test_a_complete_question_is_left_alone():
    c = context(question="when did Marie Curie win the prize", names=["Marie Curie"])
    assert rewrite("where was Charles Babbage born", c, ["Charles Babbage"]) is None
    assert rewrite("what is the capital of France", c) is None


def test_she_is_the_person_the_previous_question_named():
    c = context(question="when did Marie Curie move to Paris", names=["Marie Curie"])
    assert rewrite("how old was she", c) == "how old was Marie Curie"


def test_the_sources_pronouns_pick_between_two_people():
    c = context(
        question="who did Marie Curie marry",
        names=["Marie Curie"],
        answer="Pierre Curie",
        answer_is_person=True,
    )
    assert rewrite("what did he teach", c) == "what did Pierre Curie teach"
    assert rewrite("when did she meet him", c) == "when did Marie Curie meet Pierre Curie"


def test_a_possessive_pronoun_becomes_a_possessive_name():
    c = context(question="where did Ada Lovelace live", names=["Ada Lovelace"])
    assert rewrite("who was her father", c) == "who was Ada Lovelace's father"


def test_they_are_the_people_of_the_previous_question():
    c = context(
        question="when did Ada Lovelace and Charles Babbage meet",
        names=["Ada Lovelace", "Charles Babbage"],
    )
    assert rewrite("where did they work", c) == "where did Ada Lovelace and Charles Babbage work"


def test_then_and_there_are_the_previous_answers_date_and_place():
    c = context(
        question="when did Marie Curie move to Paris",
        names=["Marie Curie"],
        answer="1891",
        answer_is_date=True,
        date="1891",
        place="Sorbonne",
    )
    assert rewrite("how old was she then", c) == "how old was Marie Curie in 1891"
    assert rewrite("who taught there", c) == "who taught at Sorbonne"


def test_existential_there_is_not_a_place():
    c = context(question="where did Marie Curie study", names=["Marie Curie"], place="Sorbonne")
    assert rewrite("is there a museum", c) is None


def test_that_is_the_thing_the_previous_answer_named():
    c = context(
        question="what did Charles Babbage design",
        names=["Charles Babbage"],
        answer="the Analytical Engine",
    )
    assert rewrite("was that ever built", c) == "was the Analytical Engine ever built"


def test_a_bare_question_word_asks_the_previous_question_again():
    c = context(
        question="where did Ada Lovelace meet Charles Babbage",
        names=["Ada Lovelace", "Charles Babbage"],
    )
    assert rewrite("when?", c) == "when did Ada Lovelace meet Charles Babbage"
    assert rewrite("and why?", c) == "why did Ada Lovelace meet Charles Babbage"
    assert rewrite("who else?", c) == "who else did Ada Lovelace meet Charles Babbage"


def test_a_bare_question_phrase_asks_for_another_detail():
    c = context(question="when did Marie Curie move to Paris", names=["Marie Curie"])
    assert rewrite("what year?", c) == "what year did Marie Curie move to Paris"
    assert rewrite("in which city", c) == "in which city did Marie Curie move to Paris"
    assert rewrite("what happened", c) is None  # a verb, not a question phrase


def test_ellipsis_swaps_the_person():
    c = context(question="how old was Marie Curie", names=["Marie Curie"])
    assert rewrite("and Pierre Curie?", c, ["Pierre Curie"]) == "how old was Pierre Curie"
    assert rewrite("what about pierre", c) == "how old was pierre"


def test_ellipsis_with_a_relation_asks_who():
    c = context(question="where was Ada Lovelace born", names=["Ada Lovelace"])
    assert rewrite("and her mother?", c) == "who is Ada Lovelace's mother"


def test_a_pronoun_after_the_messages_own_name_is_its_own():
    c = context(question="when did Marie Curie die", names=["Marie Curie"])
    assert rewrite("what did Ada Lovelace write when she was young", c, ["Ada Lovelace"]) is None


def test_nobody_to_point_at_leaves_the_pronoun():
    c = context(question="when was the engine built")
    assert rewrite("how old was she", c) is None


def test_a_pronoun_of_the_other_gender_than_the_messages_name_is_the_contexts():
    c = context(question="when did Ada Lovelace meet Charles Babbage", names=["Ada Lovelace"])
    assert (
        rewrite("what did Charles Babbage say about her", c, ["Charles Babbage"])
        == "what did Charles Babbage say about Ada Lovelace"
    )


def test_a_pronoun_is_not_another_name_of_the_messages_own_person():
    def same(a: str, b: str) -> bool:
        return {a, b} <= {"Marie", "Marie Curie", "Curie"}

    c = context(
        question="who did Marie Curie first write to",
        names=["Marie Curie"],
        answer="Ada Lovelace",
        answer_is_person=True,
        same=same,
    )
    resolved = rewrite("when did she answer marie", c, ["Marie"])
    assert resolved == "when did Ada Lovelace answer marie"


def test_she_is_the_questions_person_before_one_the_quote_only_mentioned():
    c = context(
        question="when did Mary Somerville publish the book",  # no pronoun known for her
        names=["Mary Somerville"],
        quote_names=["Marie Curie"],
    )
    assert rewrite("where was she born", c) == "where was Mary Somerville born"
    assert rewrite("who is she?", c) == "who is Marie Curie?"  # whom the quote introduced


def test_a_message_with_its_context_implied_is_told_apart_from_a_complete_question():
    assert implies_context("says who?")
    assert implies_context("was anyone supportive?")
    assert implies_context("and how did Ada Lovelace respond", ["Ada Lovelace"])
    assert implies_context("how did they take it")
    assert implies_context("how did Ada Lovelace react?", ["Ada Lovelace"])
    assert not implies_context("how did Ada Lovelace meet Charles Babbage", ["Ada Lovelace"])
    assert not implies_context("how did Ada Lovelace die so young", ["Ada Lovelace"])
    assert not implies_context("when did Marie Curie win the prize", ["Marie Curie"])
    assert not implies_context("what is the capital of France", ["France"])
    assert not implies_context("how many people live in the capital city")
    assert not implies_context("what did Ada write when she was young", ["Ada"])


@given(st.text(max_size=80), st.text(max_size=80))
def test_any_message_after_any_question_is_read_without_error(message, question):
    c = context(question=question, names=[w for w in question.split()[:2] if w.istitle()])
    out = rewrite(message, c)
    assert out is None or (isinstance(out, str) and out.strip())
