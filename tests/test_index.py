from __future__ import annotations

import bm25s
import numpy as np
import pytest

import knowledge.search.index as index_module
from knowledge.models import Passage
from knowledge.search.index import INDEX_FORMAT, IndexError_, PassageIndex
from knowledge.text.analysis import analyze


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
    assert [p.name for p in tmp_path.iterdir()] == ["ix"]  # no temporary folder left


# -- parity with bm25s and the fast paths ---------------------------------------------------


def random_docs(n: int, seed: int = 7) -> list[list[str]]:
    """Zipf-ish token lists with repeats, empty documents and non-ASCII terms."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(300)] + ["ελλαδα", "zoë", "ß", "日本", "a'b"]
    weights = 1 / np.arange(1, len(vocab) + 1)
    weights /= weights.sum()
    docs = [list(rng.choice(vocab, size=rng.integers(0, 40), p=weights)) for _ in range(n)]
    docs[3] = []
    return docs


def bm25s_scores(docs: list[list[str]], query: list[str]) -> np.ndarray:
    retriever = bm25s.BM25(method="lucene")
    retriever.index(docs, show_progress=False)
    known = [t for t in query if t in retriever.vocab_dict]
    return retriever.get_scores(known) if known else np.zeros(len(docs), np.float32)


def best_first(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
    return [(i, float(scores[i])) for i in order if scores[i] > 0]


QUERIES = [["w0"], ["w1", "w250"], ["w5", "w5", "zoë"], ["日本", "nothing", "w17"], ["w299", "ß"]]


def test_scores_match_bm25s_lucene_bit_for_bit():
    docs = random_docs(400)
    index = PassageIndex.build_from_tokens(docs)
    for query in QUERIES:
        expected = bm25s_scores(docs, query)
        assert np.array_equal(index.scores(query), expected), query
        assert index.search(query, k=10) == best_first(expected, 10), query


def test_chunked_build_and_both_query_paths_give_the_same_ranking(monkeypatch):
    docs = random_docs(300, seed=3)
    whole = PassageIndex.build_from_tokens(docs)
    monkeypatch.setattr(index_module, "_CHUNK_TOKENS", 50)  # many small chunks
    chunked = PassageIndex.build_from_tokens(iter(docs))  # a generator is read once
    for query in QUERIES:
        assert np.array_equal(chunked.scores(query), whole.scores(query))
        expected = best_first(whole.scores(query), 7)
        for share in (1, 10**9):  # dense array always / sparse candidates always
            monkeypatch.setattr(index_module, "_SPARSE_SHARE", share)
            assert chunked.search(query, k=7) == expected, (query, share)


def test_equal_scores_keep_passage_order():
    index = PassageIndex.build_from_tokens([["x", "y"], ["z"], ["x", "y"], ["x", "y"]])
    assert [doc for doc, _ in index.search(["x"], k=2)] == [0, 2]


def test_every_term_is_found_after_a_memory_mapped_load(tmp_path):
    docs = random_docs(200, seed=5)
    PassageIndex.build_from_tokens(docs).save(tmp_path / "ix")
    loaded = PassageIndex.load(tmp_path / "ix", mmap=True)
    counts: dict[str, int] = {}
    for doc in docs:
        for term in set(doc):
            counts[term] = counts.get(term, 0) + 1
    assert {t: loaded.doc_freq(t) for t in counts} == counts
    assert loaded.doc_freq("w") == loaded.doc_freq("zz") == loaded.doc_freq("") == 0
    assert [t for t in ["w1", "nope", "ελλαδα"] if loaded.doc_freq(t)] == ["w1", "ελλαδα"]


def test_index_of_another_format_or_truncated_is_refused(tmp_path):
    PassageIndex.build(DOCS).save(tmp_path / "ix")
    data = tmp_path / "ix" / "data.npy"
    data.write_bytes(data.read_bytes()[:-8])
    with pytest.raises(IndexError_):
        PassageIndex.load(tmp_path / "ix")
    PassageIndex.build(DOCS).save(tmp_path / "ix")
    meta = tmp_path / "ix" / "citebot.json"
    meta.write_text(meta.read_text().replace(f'"format": "{INDEX_FORMAT}"', '"format": "1"'))
    with pytest.raises(IndexError_):
        PassageIndex.load(tmp_path / "ix")


def test_building_from_texts_analyses_like_analyze(corpus):
    texts = [p.text for p in corpus.passages] + [
        "Kim's L.A. café — “Sánchez” met 3.5 U.S. senators; the the THE",
        "",
        "naïve façade 👯 Ελλάδα a'b's ...",
    ]
    from_texts = PassageIndex.build_from_texts(texts)
    from_terms = PassageIndex.build_from_tokens(analyze(t) for t in texts)
    for text in texts:
        query = analyze(text)
        assert np.array_equal(from_texts.scores(query), from_terms.scores(query))
        assert all(from_texts.doc_freq(t) == from_terms.doc_freq(t) for t in query)
