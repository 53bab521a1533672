"""Query expansion: lemma variants and RM3 pseudo-relevance feedback."""

from __future__ import annotations

import pytest

from knowledge.answering.ranking import Options, rank
from knowledge.search.expansion import query_terms, rm3_weights, search_terms, weighted_scores
from knowledge.search.library import open_library


@pytest.fixture(scope="module")
def garden(tmp_path_factory):
    folder = tmp_path_factory.mktemp("garden")
    docs = [
        "Tomatoes grow best in warm soil with compost and plenty of sun.",
        "Compost feeds tomatoes; gardeners add compost to the soil each spring.",
        "Warm soil and compost help seedlings; mulch keeps the soil moist.",
        "The orchestra played a symphony by Mahler in the concert hall.",
        "A violin concerto followed the symphony, and the hall applauded.",
        "The conductor bowed before the second symphony began.",
        "Tickets for the concert sold out within an hour.",
        "Critics praised the pianist for her quiet, exact playing.",
    ]
    for i, text in enumerate(docs):
        (folder / f"d{i}.md").write_text(f"---\ntitle: Doc {i}\n---\n\n{text}\n", "utf-8")
    return open_library(folder, None)


def test_rm3_adds_words_the_feedback_paragraphs_share(garden):
    terms = query_terms(["tomatoes"], garden.index, garden.sentences, lemmas=False)
    hits = garden.index.search(search_terms(terms), k=5)
    weights = rm3_weights(terms, hits, garden.sentences, garden.index)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["tomato"] >= 0.5  # the original query keeps its weight
    assert "compost" in weights and "soil" in weights  # shared by the feedback paragraphs
    assert "symphoni" not in weights  # never seen next to tomatoes


def test_rm3_expanded_query_reaches_a_paragraph_without_the_query_word(garden):
    terms = query_terms(["tomatoes"], garden.index, garden.sentences, lemmas=False)
    plain = garden.index.scores(search_terms(terms))
    assert plain[2] == 0  # "Warm soil and compost..." never says tomatoes
    weights = rm3_weights(
        terms, garden.index.search(["tomato"], k=5), garden.sentences, garden.index
    )
    expanded = weighted_scores(garden.index, weights)
    assert expanded[2] > 0 and expanded[2] > expanded[3]


def test_rm3_without_feedback_keeps_the_query(garden):
    terms = query_terms(["tomatoes"], garden.index, garden.sentences)
    assert rm3_weights(terms, [], garden.sentences, garden.index) == {"tomato": 1.0}


def test_lemma_variants_are_index_terms_of_the_same_word(library):
    terms = query_terms(["meet"], library.index, library.sentences)
    assert {"meet", "met"} <= terms[0].variants
    plain = query_terms(["meet"], library.index, library.sentences, lemmas=False)
    assert plain[0].variants == {"meet"}


def test_rm3_option_runs_through_the_ranker(garden):
    ranking = rank(garden, "Where do tomatoes grow?", Options(rm3=True))
    assert ranking.expansion and ranking.candidates
