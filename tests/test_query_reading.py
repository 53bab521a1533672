"""Reading questions typed the way people chat: chat forms, typos, lowercase names."""

from __future__ import annotations

import pytest

from knowledge.answering.answer import answer_question
from knowledge.answering.ranking import Options
from knowledge.search.library import open_library
from knowledge.text.chat_forms import LexiconError, default_lexicon, parse_lexicon, standard_form
from knowledge.text.query_reading import read_question
from knowledge.text.spelling import word_counts

ARTICLE = """---
title: The vote
date: 2021-03-04
---

Ada Lovelace won the election in Springfield after a long campaign. Lovelace thanked her
husband, Charles Babbage, on her birthday.

Reporters said the election was close. Later Babbage said Lovelace had worked for years,
and Babbage wept.

The mayor, Grace Hopper, congratulated Lovelace.
"""


@pytest.fixture
def tiny(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "vote.md").write_text(ARTICLE, encoding="utf-8")
    return open_library(folder, tmp_path / "data")


# -- the lexicon ---------------------------------------------------------------------------


def test_lexicon_file_parses_and_holds_general_chat_forms():
    lexicon = default_lexicon()
    assert lexicon["bday"] == "birthday"
    assert lexicon["hubby"] == "husband"
    assert lexicon["rn"] == "right now"
    assert lexicon["u"] == "you" and lexicon["r"] == "are" and lexicon["n"] == "and"
    assert all(form == form.lower() and " " not in form for form in lexicon)


def test_lexicon_lines_must_be_form_equals_words():
    assert parse_lexicon("# comment\nbday = birthday  # trailing\n\n") == {"bday": "birthday"}
    with pytest.raises(LexiconError, match="line 2"):
        parse_lexicon("ok = fine\nno equals sign here\n")


def test_chat_form_replaced_unless_the_sources_prefer_it():
    lexicon = {"bday": "birthday", "dad": "father", "n": "and", "rn": "right now"}
    assert standard_form("bday", lexicon, {}) == "birthday"
    assert standard_form("BDAY", lexicon, {}) is None  # typed on purpose
    assert standard_form("dad", lexicon, {"dad": 3, "father": 1}) is None  # they say "dad"
    assert standard_form("dad", lexicon, {"dad": 1, "father": 5}) == "father"
    assert standard_form("n", lexicon, {"n": 9}) == "and"  # too short to be their word
    assert standard_form("rn", lexicon, {}) == "right now"
    assert standard_form("cake", lexicon, {}) is None


# -- the speller ---------------------------------------------------------------------------


def test_speller_built_from_the_corpus_and_saved_with_the_library(tiny):
    counts = tiny.speller.counts  # counted by the streaming build, saved in reading.json
    assert (tiny.data.folder / "reading.json").is_file()
    assert counts == word_counts(tiny.passages)
    assert counts["election"] == 2 and counts["lovelace"] == 4
    suggestions = tiny.speller.suggestions("eletcion")
    assert [s.word for s in suggestions] == ["election"] and suggestions[0].distance == 1


def test_typo_of_a_source_word_is_corrected_and_nothing_else(tiny):
    read = read_question("who won the eletcion in sprngfield", tiny.query_words)
    assert read.corrections == {"eletcion": "election", "sprngfield": "springfield"}
    assert read.shown == "who won the election in springfield"
    # A valid English word the sources lack is no typo ("elections" is, "erection" is not).
    assert read_question("was there an erection", tiny.query_words).corrections == {}
    # Short words, numbers and words the sources use stay as typed.
    assert read_question("did ada win in 2021 bday", tiny.query_words).corrections == {}


def test_names_are_not_corrected_into_other_names(tiny):
    words = tiny.query_words
    # A different first letter is another name, not a typo ("Grace" is not "Trace").
    assert read_question("what did Trace say", words).corrections == {}
    assert read_question("what did lovelcae say", words).corrections == {"lovelcae": "Lovelace"}


def test_lowercase_names_read_as_the_library_writes_them(tiny):
    words = tiny.query_words
    assert read_question("who is ada lovelaces hubby", words, lexicon=default_lexicon()).text == (
        "who is Ada Lovelace's husband"
    )
    assert read_question("what did babbage say", words).text == "what did Babbage say"
    # In a question written with capitals, an ordinary English word stays lowercase.
    assert read_question("Did Grace Hopper mayor the grace period", words).text == (
        "Did Grace Hopper mayor the grace period"
    )


def test_steps_switch_off_in_options(library):
    off = Options(chat_forms=False, spelling=False, names=False)
    on = answer_question(library, "whos ivanka trumps hubby")
    assert on.answered and "Kushner" in on.quotes[0].text
    assert answer_question(library, "whos ivanka trumps hubby", off).quotes != on.quotes


# -- on the bundled articles: chat forms get the clean form's answer ------------------------

SAME_ANSWER = [
    ("Who is Ivanka Trump's husband?", "whos ivanka trumps hubby"),
    ("When is Ivanka's birthday?", "when is ivankas bday"),
    (
        "Where did Kim Kardashian and Ivanka Trump first meet?",
        "where did kim kardashian n ivanka trump frist meet",
    ),
    ("When was Alice Johnson pardoned?", "when was alice jonhson pardoned"),
    ("Why didn't Kourtney come to the birthday party?", "y didnt kourtney come to the bday party"),
]


@pytest.mark.parametrize(("clean", "chat"), SAME_ANSWER)
def test_chat_question_gets_the_clean_questions_answer(library, clean, chat):
    a, b = answer_question(library, clean), answer_question(library, chat)
    assert b.answered == a.answered
    assert [(q.source_id, q.paragraph) for q in b.quotes[:1]] == [
        (q.source_id, q.paragraph) for q in a.quotes[:1]
    ]


def test_answer_says_what_was_searched_for_when_a_word_was_corrected(library):
    answer = answer_question(library, "when was alice jonhson pardoned")
    assert answer.question == "when was alice jonhson pardoned"  # as asked
    assert answer.searched_for == "when was alice Johnson pardoned"
    assert answer_question(library, "when was alice johnson pardoned").searched_for is None


def test_editing_the_lexicon_changes_the_answerer_version(tmp_path, monkeypatch):
    """A cached answer read with the old lexicon is never served after the lexicon changes."""
    import knowledge
    from bot import service

    (tmp_path / "data").mkdir()
    (tmp_path / "__init__.py").write_text("", encoding="utf-8")
    lexicon = tmp_path / "data" / "chat_lexicon.txt"
    lexicon.write_text("bday = birthday\n", encoding="utf-8")
    monkeypatch.setattr(knowledge, "__file__", str(tmp_path / "__init__.py"))
    monkeypatch.setattr(service, "_DIGEST", None)
    before = service.answerer_version()
    lexicon.write_text("bday = birthday\nhubby = husband\n", encoding="utf-8")
    monkeypatch.setattr(service, "_DIGEST", None)
    assert service.answerer_version() != before


def test_chat_interjections_are_dropped_not_searched():
    """An interjection is no word the sources would hold: searched for, its rarity made the
    question look unanswerable (issue 17: "where did kim n ivanka meet lol" was refused)."""
    assert parse_lexicon("lol =\n") == {"lol": ""}
    lexicon = default_lexicon()
    assert standard_form("lol", lexicon, {}) == ""
    assert standard_form("lmao", lexicon, {"lmao": 2}) == ""
