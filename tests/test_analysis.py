from __future__ import annotations

import random

from knowledge.text import analysis
from knowledge.text.analysis import analyze, fold, split_sentences, stem, words


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


def reference_words(text):
    """words() as first written: the regex over the folded text, then clean each token."""
    out = []
    for token in analysis._WORD.findall(fold(text)):
        if token.endswith("'s"):
            token = token[:-2]
        token = token.replace(".", "").replace("'", "")
        if token:
            out.append(token)
    return out


def test_fast_paths_agree_with_the_plain_definitions():
    rng = random.Random(11)
    ascii_only = "aB1 '.,_-\n\t\"" + "xyz " * 4  # the str-method path
    mixed = ascii_only + "é’ßΩ"  # the regex path
    texts = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        for alphabet in (ascii_only, mixed)
        for _ in range(2000)
    ]
    texts += ["Kim's L.A. trip. U.S. 3.5 'quoted' x.. y a.'b", "end.", ".", "'s"]
    for text in texts:
        assert words(text) == reference_words(text), text
        assert analyze(text) == [stem(w) for w in words(text) if w not in analysis.STOPWORDS]


def test_each_word_has_one_term_or_none_whatever_its_neighbours():
    text = "The Kardashians' pardons, Kim's L.A. visits and the U.S. in 2018 were what she did"
    tokens = words(text)
    assert analyze(text) == [t for t in analysis.word_terms(tokens) if t]
    assert analysis.word_terms(tokens) == [t for w in tokens for t in analysis.word_terms([w])]
