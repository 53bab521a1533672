"""Sentence features and the typed mentions they rest on, on a tiny library of real files."""

from __future__ import annotations

import pytest

from knowledge.answering.features import FEATURES, coverage, nearness, sentence_features
from knowledge.answering.question import analyze_question
from knowledge.search.expansion import query_terms
from knowledge.search.library import open_library
from knowledge.text.mentions import Kind, find_mentions

F = {name: i for i, name in enumerate(FEATURES)}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "a.md").write_text(
        "---\ntitle: Gala\ndate: 2024-05-01\n---\n\n"
        "The two friends first met at the Met Gala in New York. They talked about children.\n\n"
        "Years later the pair bought a house together. The purchase was reported in May 2020.\n",
        encoding="utf-8",
    )
    (folder / "b.md").write_text(
        "---\ntitle: Other\n---\n\nA river runs through the valley. Fish swim in the river.\n",
        encoding="utf-8",
    )
    return open_library(folder, None)


def features_for(library, question, sentence):
    q = analyze_question(question, library.sentences.common_words)
    terms = query_terms(q.focus, library.index, library.sentences)
    return sentence_features(sentence, q, terms, library.sentences, 1.0, 1.0), q, terms


def test_coverage_weighs_rare_words_and_counts_unknown_ones(tiny):
    stats = tiny.sentences
    q = analyze_question("Where did the friends meet the astronaut?")
    terms = query_terms(q.focus, tiny.index, stats)
    assert any(not t.known for t in terms)  # "astronaut" is in no paragraph
    full = coverage(stats.term_sets[0], terms)
    assert 0 < full < 1
    assert coverage(stats.term_sets[4], terms) == 0.0  # the river sentence


def test_lemma_variants_join_irregular_forms(tiny):
    f_meet, _, _ = features_for(tiny, "Where did the friends first meet?", 0)
    assert f_meet[F["sent_cov"]] == pytest.approx(1.0)  # "met" counts for "meet"
    f_buy, _, _ = features_for(tiny, "When did the pair buy a house?", 2)
    assert f_buy[F["sent_cov"]] == pytest.approx(1.0)  # "bought" counts for "buy"


def test_answer_type_feature_needs_a_new_mention_of_the_kind(tiny):
    f, _, _ = features_for(tiny, "Where did the friends first meet?", 0)
    assert f[F["type_place"]] == 1.0
    f, _, _ = features_for(tiny, "Where did the friends first meet?", 1)
    assert f[F["type_place"]] == 0.0  # "They talked about children." names no place
    f, _, _ = features_for(tiny, "Where did the friends meet at the Met Gala in New York?", 0)
    assert f[F["type_place"]] == 0.0  # the only places are the question's own


def test_neighbours_and_proximity(tiny):
    f, _, _ = features_for(tiny, "When was the purchase of the house reported?", 2)
    assert f[F["window_gain"]] > 0  # the next sentence holds "reported" and "purchase"
    near, _, _ = features_for(tiny, "Where did the friends first meet?", 0)
    assert near[F["proximity"]] > 0.5 and near[F["bigram"]] > 0


def test_nearness_prefers_a_date_next_to_the_question_words(tiny):
    _, q, terms = features_for(tiny, "When was the purchase reported?", 3)
    assert nearness(3, q, terms, tiny.sentences) > 0.5


def test_mentions_find_dates_numbers_people_and_places():
    text = "In May 2018, Kim met with Trump, 77, at the White House and later flew to Miami."
    kinds = {(m.kind, m.text) for m in find_mentions(text)}
    assert (Kind.DATE, "May 2018") in kinds
    assert (Kind.NUMBER, "77") in kinds
    assert (Kind.PERSON, "Kim") in kinds and (Kind.PERSON, "Trump") in kinds
    assert (Kind.PLACE, "White House") in kinds


def test_relative_dates_count_as_dates():
    kinds = {(m.kind, m.text) for m in find_mentions("The following month, he signed it.")}
    assert (Kind.DATE, "The following month") in kinds


def test_every_feature_is_a_bounded_number(tiny):
    for s in range(len(tiny.sentences.texts)):
        f, _, _ = features_for(tiny, "When did the two friends first meet in New York?", s)
        assert len(f) == len(FEATURES)
        assert all(-1.0 <= x <= 3.0 for x in f)
