"""Finer answer types (age, duration, quoted speech, people) and the answer-bearing sentence,
on tiny made-up texts."""

from __future__ import annotations

import pytest

from knowledge.answering.answer import answer_question
from knowledge.answering.answer_types import ages, durations, foreign_ages, own_age
from knowledge.answering.features import FEATURES, answer_mentions
from knowledge.answering.question import analyze_question
from knowledge.answering.ranking import Options, rank
from knowledge.search.library import open_library
from knowledge.text.mentions import Kind, find_mentions, quotations
from tests.test_features import features_for

F = {name: i for i, name in enumerate(FEATURES)}


def test_age_belongs_to_the_name_it_is_written_with():
    found = ages("The 41-year-old Dana Reyes thanked Tom Ortiz, 43, and his 12-year-old son.")
    owners = {a.mention.text: a.owner for a in found}
    assert owners["41"] == {"dana", "reyes"}
    assert owners["43"] == {"tom", "ortiz"}
    assert foreign_ages(found, {"tom"}) == {found[0].mention.start}  # Dana's age, not Tom's
    assert own_age(found, {"ortiz"}) and not own_age(found, {"lee"})


def test_birthday_ordinals_and_turned_belong_to_the_name_before():
    found = ages("Maya Lind celebrated her 30th birthday; later Ravi turned 12.")
    assert [(a.mention.text, a.owner) for a in found] == [
        ("30", {"maya", "lind"}),
        ("12", {"ravi"}),
    ]


def test_durations_are_amounts_of_time_not_dates():
    texts = [m.text for m in durations("They had a three-hour dinner in May 2020, for years.")]
    assert texts == ["three-hour", "for years"]
    assert [m.text for m in durations("They talked for over three hours.")] == [
        "for over three hours"
    ]
    assert durations("They met in May 2020.") == []


def test_quotations_of_three_words_or_more():
    text = "\u201cWe loved it so much,\u201d she wrote. He said \u201cyes.\u201d"
    assert [m.text for m in quotations(text)] == ["We loved it so much,"]
    assert any(m.kind is Kind.QUOTE for m in find_mentions(text))
    assert [m.text for m in quotations('"This time I choose my family')] == [
        "This time I choose my family"
    ]  # a quote left open runs to the end of the sentence


@pytest.mark.parametrize(
    ("question", "detail", "kind"),
    [
        ("How old is Tom Ortiz?", "age", Kind.NUMBER),
        ("What age is Ravi?", "age", Kind.NUMBER),
        ("How long did the dinner last?", "duration", Kind.NUMBER),
        ("What did Dana write on Tom's birthday?", "speech", Kind.QUOTE),
        ("what did her 2022 statement say", "speech", Kind.QUOTE),
        ("dana msg for tom", "speech", Kind.QUOTE),
        ("Who was at the party?", "people", Kind.PERSON),
        ("Who attended the wedding?", "people", Kind.PERSON),
        ("Who founded the company?", None, Kind.PERSON),
        ("When did they meet?", None, Kind.DATE),
    ],
)
def test_question_detail(question, detail, kind):
    q = analyze_question(question)
    assert (q.detail, q.answer_type) == (detail, kind)
    assert analyze_question(question, fine=False).detail is None


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "a.md").write_text(
        "---\ntitle: Party\ndate: 2024-05-01\n---\n\n"
        "Dana Reyes threw a party for her friend Tom Ortiz. "
        "The 41-year-old Dana Reyes greeted every guest.\n\n"
        "Tom Ortiz, 43, arrived late to the party. "
        "Guests included Lia Moss, Sam Hart, Ann Cole and Ravi Dutt.\n\n"
        "Dana Reyes released a statement about the party in 2022. "
        "\u201cWe will keep our private life private from now on,\u201d she wrote.\n\n"
        "Dana Reyes left the party early. "
        "She had a flight because her mother was ill.\n",
        encoding="utf-8",
    )
    return open_library(folder, None)


def _features(library, question, s):
    f, q, _ = features_for(library, question, s)
    return f, q


def _sentence(library, start: str) -> int:
    return next(i for i, t in enumerate(library.sentences.texts) if t.startswith(start))


def test_an_age_of_someone_else_is_no_answer(tiny):
    dana = _sentence(tiny, "The 41-year-old")
    tom = _sentence(tiny, "Tom Ortiz, 43")
    f_dana, q = _features(tiny, "How old is Tom Ortiz?", dana)
    f_tom, _ = _features(tiny, "How old is Tom Ortiz?", tom)
    assert answer_mentions(dana, q, tiny.sentences) == []  # 41 is Dana's age
    assert f_dana[F["type_number"]] == 0.0 and f_dana[F["type_detail"]] == 0.0
    assert f_tom[F["type_number"]] == 1.0 and f_tom[F["type_detail"]] == 1.0
    f_dana_asked, _ = _features(tiny, "How old is Dana?", dana)
    assert f_dana_asked[F["type_detail"]] == 1.0


def test_people_list_and_quotation_features(tiny):
    guests = _sentence(tiny, "Guests included")
    f, _ = _features(tiny, "Who was at the party?", guests)
    assert f[F["type_detail"]] == 1.0
    wrote = _sentence(tiny, "\u201cWe will")
    f, _ = _features(tiny, "What did Dana's statement say?", wrote)
    assert f[F["type_quote"]] == 1.0 and f[F["type_detail"]] == 1.0


def test_the_sentence_that_carries_the_quotation_is_quoted(tiny):
    q = "What did Dana Reyes's 2022 statement say?"
    on = answer_question(tiny, q).quotes[0].text
    assert "private life" in on
    off = answer_question(tiny, q, Options(answer_bearing=False, fine_types=False))
    assert "private life" not in off.quotes[0].text


def test_the_reason_in_the_next_sentence_is_quoted(tiny):
    on = answer_question(tiny, "Why did Dana Reyes leave the party early?").quotes[0].text
    assert "because her mother was ill" in on


def test_a_name_of_stopwords_only_does_not_break_alias_learning():
    """SQuAD's "The Who"-like names are all stopwords: no alias, no crash (found in training)."""
    from collections import Counter

    from knowledge.text.aliases import learned_pairs

    assert learned_pairs(Counter({"The Who": 3, "Who": 2}), {"who"}, []) == []


def test_ages_in_words_after_was_and_turn():
    found = ages("Her son Leo was three and her niece Ada was about to turn one.")
    assert [(a.mention.text, a.owner) for a in found] == [("three", {"leo"}), ("one", {"ada"})]
    assert ages("Neither one of them was there.") == []


def test_how_old_finds_the_age_given_after_the_surname_alone(tmp_path):
    """ "how old is ivanka" missed "Trump, 41" (issue 17): the paragraph giving the age names
    the person by surname only, so a search for the first name never reached it."""
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.md").write_text(
        "---\ntitle: Gala\n---\n\n"
        "Mia Lund hosted the spring gala in Oslo. Mia Lund chose the music.\n\n"
        "Mia spoke about the museum and its new wing.\n\n"
        "At the dinner, Lund, 38, thanked the donors.\n",
        encoding="utf-8",
    )
    library = open_library(tmp_path / "c", tmp_path / "data")
    ranking = rank(library, "How old is Mia?", Options(reader=False))
    age = _sentence(library, "At the dinner")
    assert int(library.sentences.passage_of[age]) in ranking.paragraphs
    found = next(c for c in ranking.candidates if c.sentence == age)
    assert found.features[F["type_detail"]] == 1.0
