from __future__ import annotations

import numpy as np

from knowledge.analysis import analyze
from knowledge.index import PassageIndex
from knowledge.models import Passage


def passages(*texts: str, section: str | None = None) -> list[Passage]:
    return [
        Passage(source_id="s", paragraph=i + 1, text=t, section=section)
        for i, t in enumerate(texts)
    ]


DOCS = passages(
    "Kim met Ivanka at the Met Gala in 2014.",
    "Kim and Ivanka had dinner at the Beverly Hills Hotel.",
    "Kim visited the White House about prison reform.",
    "Ivanka converted to Judaism when she married Jared Kushner.",
)


def test_search_ranks_the_paragraph_with_the_rare_words_first():
    index = PassageIndex.build(DOCS)
    hits = index.search(analyze("Where was the dinner, the Beverly Hills Hotel?"), k=3)
    assert hits[0][0] == 1
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_words_in_most_paragraphs_keep_a_positive_weight():
    index = PassageIndex.build(DOCS)
    # "kim" is in 3 of 4 paragraphs; rank-bm25 would floor its IDF, lucene keeps it positive.
    assert index.idf("kim") > 0
    assert index.search(analyze("Kim"), k=4)
    assert index.idf("kim") < index.idf("judaism")


def test_unknown_words_and_empty_queries_find_nothing():
    index = PassageIndex.build(DOCS)
    assert index.search(analyze("kangaroo boomerang"), k=3) == []
    assert index.search([], k=3) == []


def test_section_heading_is_indexed_with_its_paragraph():
    index = PassageIndex.build(passages("They chatted amiably.", section="First met at the gala"))
    assert index.search(analyze("gala"), k=1)[0][0] == 0


def test_save_and_load_give_the_same_scores(tmp_path):
    index = PassageIndex.build(DOCS)
    index.save(tmp_path / "ix")
    loaded = PassageIndex.load(tmp_path / "ix")
    query = analyze("Ivanka married Kushner")
    np.testing.assert_allclose(loaded.scores(query), index.scores(query))
    assert loaded.doc_freq("kim") == index.doc_freq("kim") == 3
    assert not (tmp_path / "ix.tmp").exists()
