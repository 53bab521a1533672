"""Soft matching through word vectors, on a tiny library of real files."""

from __future__ import annotations

import pytest

from knowledge.answering.features import FEATURES, sentence_features, soft_coverage
from knowledge.answering.question import analyze_question
from knowledge.answering.ranking import Options, rank
from knowledge.search.expansion import QueryTerm, query_terms
from knowledge.search.library import open_library

F = {name: i for i, name in enumerate(FEATURES)}


@pytest.fixture(scope="module")
def village(tmp_path_factory):
    folder = tmp_path_factory.mktemp("village")
    docs = {
        "a": "Maria lives in the village with her husband Tomas, a carpenter.",
        "b": "The village bakery sells bread and cakes every morning.",
        "c": "Tomas bought a small boat from the harbour master last spring.",
        "d": "The river floods the lower fields every few winters.",
    }
    for name, text in docs.items():
        (folder / f"{name}.md").write_text(f"---\ntitle: {name}\n---\n\n{text}\n", "utf-8")
    return open_library(folder, None)


def terms_for(library, question):
    q = analyze_question(question, library.sentences.common_words)
    return q, query_terms(q.focus, library.index, library.sentences, semantic=library.semantic)


def test_near_finds_library_words_of_like_meaning_but_not_the_word_itself(village):
    near = village.semantic.near("spouse")
    assert "husband" in near and near["husband"] > 0.6
    assert "bread" not in near
    assert "husband" not in village.semantic.near("husbands", exclude={"husband"})
    assert list(near.values()) == sorted(near.values(), reverse=True)


def test_query_terms_carry_near_words_only_with_semantic(village):
    _, terms = terms_for(village, "Who is Maria's spouse?")
    spouse = next(t for t in terms if t.word == "spouse")
    assert not spouse.known and "husband" in spouse.near
    plain = query_terms(["spouse"], village.index, village.sentences)
    assert plain[0].near == {}


def test_soft_coverage_credits_a_missing_word_by_its_nearest_word():
    t_exact = QueryTerm("maria", "maria", frozenset({"maria"}), 2.0, True)
    t_soft = QueryTerm("spouse", "spous", frozenset({"spous"}), 2.0, False, {"husband": 0.8})
    assert soft_coverage(frozenset({"maria", "husband"}), [t_exact, t_soft]) == pytest.approx(0.9)
    assert soft_coverage(frozenset({"maria"}), [t_exact, t_soft]) == pytest.approx(0.5)
    assert t_soft.credit(frozenset({"spous"})) == 1.0


def test_semantic_features_prefer_the_sentence_that_means_the_question(village):
    q, terms = terms_for(village, "Who is Maria's spouse?")
    qvec = village.semantic.text_vector(q.focus)
    stats = village.sentences

    def feats(s):
        return sentence_features(
            s, q, terms, stats, 1.0, 1.0, semantic=village.semantic, question_vector=qvec
        )

    husband, bakery = feats(0), feats(1)
    assert husband[F["soft_cov"]] > husband[F["sent_cov"]]  # "husband" covers "spouse"
    assert bakery[F["soft_cov"]] == bakery[F["sent_cov"]] == 0.0
    assert husband[F["sent_sim"]] > bakery[F["sent_sim"]]
    assert husband[F["para_sim"]] > bakery[F["para_sim"]]


def test_soft_search_and_dense_candidates_reach_paragraphs_without_shared_words(village):
    plain = rank(village, "Who purchased a vessel?", Options(semantic=False))
    assert plain.paragraphs == []  # no word in common with any paragraph
    soft = rank(village, "Who purchased a vessel?", Options(soft_search=0.5))
    assert soft.paragraphs[:1] == [2]  # "bought ... boat"
    dense = rank(village, "Which craftsman does Maria live with?", Options(dense=1))
    assert 0 in dense.paragraphs


def test_known_soft_counts_unknown_words_by_their_nearest_word(village):
    ranking = rank(village, "Who is Maria's spouse?")
    assert ranking.known_share < ranking.known_soft <= 1.0
