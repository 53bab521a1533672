"""Query terms with their lemma variants, and RM3 pseudo-relevance feedback.

A question and its answer often share no word form ("meet" / "met") or no word at all
("spouse" / "husband"). Lemma variants bridge the first kind; RM3 (Lavrenko and Croft's relevance
model, interpolated with the query as Anserini and Pyserini do for BM25) adds words that the
best-matching paragraphs share, which sometimes bridges the second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from knowledge.search.index import PassageIndex, bm25_idf
from knowledge.search.sentences import SentenceStats
from knowledge.text.analysis import STOPWORDS, stem

if TYPE_CHECKING:
    from knowledge.search.semantic import Semantic

RM3_DOCS = 5
RM3_TERMS = 10
RM3_ORIGINAL_WEIGHT = 0.5
_COMMON = 0.5  # feedback terms found in more than half the paragraphs carry no topic


@dataclass(frozen=True)
class QueryTerm:
    word: str
    stem: str
    variants: frozenset[str]  # index terms that count as this word
    idf: float
    known: bool  # some variant occurs in the library
    # library terms (stems) nearest in meaning, with their cosine: "husband" for "spouse"
    near: dict[str, float] = field(default_factory=dict, compare=False, hash=False)

    def credit(self, term_set: frozenset[str] | set[str]) -> float:
        """1 when a form of the word is in `term_set`, else the cosine of its nearest
        library word found there (0 when none is)."""
        if not self.variants.isdisjoint(term_set):
            return 1.0
        return max((sim for s, sim in self.near.items() if s in term_set), default=0.0)


def query_terms(
    focus: Sequence[str],
    index: PassageIndex,
    stats: SentenceStats,
    *,
    lemmas: bool = True,
    semantic: Semantic | None = None,
    names: Collection[str] = (),
) -> list[QueryTerm]:
    """One term per distinct stem of the question's focus words, weighted by IDF, with the
    library words nearest in meaning when `semantic` is given, except for the words of
    proper `names`: "Kim" must not match "Kimora"."""
    out: dict[str, QueryTerm] = {}
    for word in focus:
        if word in STOPWORDS:
            continue
        s = stem(word)
        if s in out:
            continue
        variants = stats.variants(word) if lemmas else frozenset({s})
        # Over the whole library: a segment of new sources, and the library beside it, weigh
        # and know words as a fresh build of both would (knowledge/search/live.py).
        df = max(index.total_doc_freq(v) for v in variants)
        idf = bm25_idf(df, index.total_docs)
        near = semantic.near(word, variants) if semantic is not None and word not in names else {}
        out[s] = QueryTerm(word, s, variants, idf, df > 0, near)
    return list(out.values())


def search_terms(terms: Sequence[QueryTerm]) -> list[str]:
    """Index terms to search with: every known variant once."""
    return list(dict.fromkeys(v for t in terms for v in sorted(t.variants)))


def rm3_weights(
    terms: Sequence[QueryTerm],
    hits: Sequence[tuple[int, float]],
    stats: SentenceStats,
    index: PassageIndex,
    *,
    docs: int = RM3_DOCS,
    n_terms: int = RM3_TERMS,
    original_weight: float = RM3_ORIGINAL_WEIGHT,
) -> dict[str, float]:
    """RM3 term weights (summing to 1) over the original and the feedback terms."""
    feedback = [(d, s) for d, s in hits[:docs] if s > 0]
    original = [v for t in terms for v in t.variants if index.doc_freq(v)]
    if not feedback or not original:
        return dict.fromkeys(original, 1.0 / max(len(original), 1))
    total = sum(s for _, s in feedback)
    relevance: dict[str, float] = {}
    for doc, score in feedback:
        counts: Counter[str] = Counter()
        for s in stats.of_passage(doc):
            counts.update(stats.terms[s])
        length = sum(counts.values()) or 1
        for term, tf in counts.items():
            relevance[term] = relevance.get(term, 0.0) + (score / total) * tf / length
    query = {stem_ for t in terms for stem_ in t.variants}
    limit = _COMMON * index.n_docs
    candidates = [
        (w, p)
        for w, p in sorted(relevance.items(), key=itemgetter(1), reverse=True)
        if w not in query and index.doc_freq(w) <= limit
    ][:n_terms]
    norm = sum(p for _, p in candidates) + sum(relevance.get(t, 0.0) for t in original) or 1.0
    weights = {t: original_weight / len(original) for t in original}
    for t in original:
        weights[t] += (1 - original_weight) * relevance.get(t, 0.0) / norm
    for w, p in candidates:
        weights[w] = (1 - original_weight) * p / norm
    return weights


def weighted_scores(index: PassageIndex, weights: dict[str, float]) -> np.ndarray:
    """BM25 of a weighted query: the sum of each term's scores times its weight."""
    total = np.zeros(index.n_docs, dtype=np.float32)
    for term, weight in weights.items():
        if weight > 0:
            total += weight * index.scores([term])
    return total
