from __future__ import annotations

from knowledge.analysis import analyze, fold, split_sentences, words


def test_fold_strips_accents_and_curly_quotes():
    assert fold("Sánchez’s “Khloé”") == 'sanchez\'s "khloe"'


def test_accented_and_plain_spellings_analyze_alike():
    assert analyze("Lauren Sánchez") == analyze("lauren sanchez")


def test_possessives_match_the_name():
    assert analyze("Kim's") == analyze("Kim") == analyze("Kim’s")


def test_stopwords_and_question_words_are_dropped():
    assert analyze("Where did they go and what was it?") == ["go"]


def test_stemming_joins_inflections():
    assert analyze("pardoned") == analyze("pardon") == analyze("pardons")


def test_initialisms_keep_together():
    assert words("an L.A. girl in the U.S.") == ["an", "la", "girl", "in", "the", "us"]


def test_any_unicode_is_accepted():
    assert analyze("👯♀️ ✨ Ελλάδα text") == ["ελλαδα", "text"]


def spans(text):
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_sentences_split_on_terminal_punctuation():
    assert spans("One here. Two there! Three? Four.") == [
        "One here.",
        "Two there!",
        "Three?",
        "Four.",
    ]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "Kardashian is an L.A. girl. Mr. Smith met Dr. Jones on Oct. 22 with J. Doe."
    assert spans(text) == [
        "Kardashian is an L.A. girl.",
        "Mr. Smith met Dr. Jones on Oct. 22 with J. Doe.",
    ]


def test_quoted_question_followed_by_lowercase_continues():
    text = "\u201cwhy is she there????\u201d reads one comment. Next."
    assert spans(text) == ["\u201cwhy is she there????\u201d reads one comment.", "Next."]


def test_contraction_before_period_ends_sentence():
    assert spans("They can't. She can.") == ["They can't.", "She can."]
