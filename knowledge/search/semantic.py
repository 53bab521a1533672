"""Word meaning over one library: the words of its vocabulary nearest a question word, and
IDF-weighted vectors of sentences, paragraphs and questions (see knowledge/text/embeddings.py).

A question word the text never uses ("spouse") is matched by the library's words nearest in
meaning ("husband", "wife"), each credited by its cosine; a sentence or paragraph is compared
with the question as a whole by the cosine of their IDF-weighted mean word vectors.
Everything is computed on first use and kept for the library's lifetime.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np
from threadpoolctl import threadpool_limits

from knowledge.search.index import PassageIndex
from knowledge.search.sentences import SentenceStats
from knowledge.text.analysis import STOPWORDS, stem, words
from knowledge.text.embeddings import WordVectors
from knowledge.text.lemmas import lemma

NEAR_FLOOR = 0.45  # cosine below which two words are not taken to mean the same thing
NEAR_WORDS = 4  # library words kept per question word
_CACHED = 1 << 16  # sentence vectors remembered


def whole_word_vector(vectors: WordVectors, word: str) -> np.ndarray | None:
    """The vector of a word the model knows whole, or of its dictionary form ("pardoned"
    as "pardon"). Words spelt from several pieces are left out of near-word matching:
    "commute" is "com" + "##mute", and lands near "website"."""
    for form in (word, lemma(word)):
        if form in vectors.tokens:
            return vectors.vector(form)
    return None


def near_table(
    vocabulary: Iterable[str], vectors: WordVectors
) -> tuple[list[str], list[str], np.ndarray]:
    """The library words that near-word matching considers, their stems and unit vectors."""
    kept = [w for w in vocabulary if w.isalpha() and len(w) > 2]
    pairs = [(w, v) for w in kept if (v := whole_word_vector(vectors, w)) is not None]
    matrix = np.vstack([v for _, v in pairs]) if pairs else np.zeros((0, vectors.dim), np.float32)
    return [w for w, _ in pairs], [stem(w) for w, _ in pairs], matrix


@cache
def one_blas_thread() -> None:
    """Limit BLAS to one thread in this process, once: it would spread every mat-vec over all
    cores and, on a busy machine, wait for them (measured up to 20 ms per answer on two shared
    cores). One question then uses one core; concurrent questions use a core each."""
    threadpool_limits(1, user_api="blas")


def matvec(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """matrix @ vector with BLAS on the calling thread only."""
    one_blas_thread()
    return matrix @ vector


class Semantic:
    def __init__(
        self,
        stats: SentenceStats,
        index: PassageIndex,
        vectors: WordVectors,
        *,
        near: tuple[Sequence[str], Sequence[str], np.ndarray] | None = None,
        passages: np.ndarray | None = None,
    ) -> None:
        """`near` (words, stems, matrix) and `passages` (one unit row per paragraph) come
        saved with the library; without them they are computed here."""
        self.stats = stats
        self.index = index
        self.vectors = vectors
        self.words, self.stems, self.matrix = near or near_table(stats.vocabulary, vectors)
        self._idf: dict[str, float] = {}
        self._sentences: dict[int, np.ndarray] = {}
        self._passages: np.ndarray | None = passages

    def word_vector(self, word: str) -> np.ndarray | None:
        return whole_word_vector(self.vectors, word)

    def idf(self, word: str) -> float:
        s = stem(word)
        found = self._idf.get(s)
        if found is None:
            found = self._idf[s] = self.index.idf(s)
        return found

    def near(
        self,
        word: str,
        exclude: Iterable[str] = (),
        floor: float | None = None,
        k: int = NEAR_WORDS,
    ) -> dict[str, float]:
        """Index terms (stems) of the library's words nearest `word` in meaning, with their
        cosine (at least `floor`, NEAR_FLOOR by default), best first; `exclude` are the
        word's own forms."""
        floor = NEAR_FLOOR if floor is None else floor
        v = self.word_vector(word)
        if v is None or not len(self.words):
            return {}
        sims = matvec(self.matrix, v)
        skip = set(exclude) | {stem(word)}
        wanted = min(len(sims), 4 * k + len(skip))
        top = np.argpartition(-sims, wanted - 1)[:wanted]
        out: dict[str, float] = {}
        for i in top[np.argsort(-sims[top], kind="stable")]:
            sim = float(sims[i])
            if sim < floor or len(out) >= k:
                break
            s = self.stems[i]
            if s not in skip and s not in out:
                out[s] = sim
        return out

    def text_vector(self, text_words: Sequence[str]) -> np.ndarray:
        content = [w for w in text_words if w not in STOPWORDS]
        return self.vectors.mean(content, [self.idf(w) for w in content])

    def sentence_vector(self, s: int) -> np.ndarray:
        found = self._sentences.get(s)
        if found is None:
            if len(self._sentences) >= _CACHED:
                self._sentences.clear()
            found = self._sentences[s] = self.text_vector(words(self.stats.texts[s]))
        return found

    def passage_matrix(self) -> np.ndarray:
        """One unit row per paragraph: the IDF-weighted mean of its sentences' words."""
        if self._passages is None:
            stats = self.stats
            rows = []
            for p in range(len(stats.first) - 1):
                all_words = [w for s in stats.of_passage(p) for w in words(stats.texts[s])]
                rows.append(self.text_vector(all_words))
            self._passages = (
                np.vstack(rows) if rows else np.zeros((0, self.vectors.dim), dtype=np.float32)
            )
        return self._passages
