"""BM25 over passages with bm25s, saved per corpus fingerprint and memory-mapped on load.

bm25s' `lucene` variant keeps every IDF positive, so names found in most paragraphs
("Kim", "Trump") still count a little instead of being floored to zero as in rank-bm25.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from knowledge.analysis import ANALYZER_VERSION, analyze
from knowledge.models import Passage

# bm25s sets its own logger to DEBUG, which would print on every build.
logging.getLogger("bm25s").setLevel(logging.WARNING)

INDEX_FORMAT = "1"
_META = "citebot.json"


class IndexError_(Exception):
    """A saved index is missing or unreadable; callers rebuild it."""


class PassageIndex:
    """Lexical index over a list of passages (by position) with BM25 scores and document counts."""

    def __init__(self, retriever: bm25s.BM25, doc_freq: np.ndarray, n_docs: int) -> None:
        self._retriever = retriever
        self._vocab: dict[str, int] = retriever.vocab_dict
        self._doc_freq = doc_freq
        self.n_docs = n_docs

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def build(cls, passages: Sequence[Passage]) -> PassageIndex:
        return cls.build_from_tokens([passage_terms(p) for p in passages])

    @classmethod
    def build_from_tokens(cls, docs: Sequence[list[str]]) -> PassageIndex:
        retriever = bm25s.BM25(method="lucene")
        retriever.index(list(docs), show_progress=False)
        return cls(retriever, _doc_freq(retriever), len(docs))

    def save(self, folder: Path) -> None:
        """Write atomically: a half-written index is never loaded."""
        folder = Path(folder)
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        self._retriever.save(str(tmp), show_progress=False)
        np.save(tmp / "doc_freq.npy", self._doc_freq)
        (tmp / _META).write_text(
            json.dumps(
                {"format": INDEX_FORMAT, "analyzer": ANALYZER_VERSION, "n_docs": self.n_docs}
            )
        )
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> PassageIndex:
        folder = Path(folder)
        try:
            meta = json.loads((folder / _META).read_text())
            if meta.get("format") != INDEX_FORMAT or meta.get("analyzer") != ANALYZER_VERSION:
                raise IndexError_(f"index in {folder} was made by another version")
            retriever = bm25s.BM25.load(str(folder), mmap=mmap, show_progress=False)
            doc_freq = np.load(folder / "doc_freq.npy", mmap_mode="r" if mmap else None)
        except (OSError, ValueError, KeyError) as exc:
            raise IndexError_(f"cannot load index from {folder}: {exc}") from exc
        return cls(retriever, doc_freq, int(meta["n_docs"]))

    # -- querying -----------------------------------------------------------------------------
    def known(self, terms: Sequence[str]) -> list[str]:
        return [t for t in terms if t in self._vocab]

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the analysed query terms."""
        terms = self.known(terms)
        if not terms:
            return np.zeros(self.n_docs, dtype=np.float32)
        return self._retriever.get_scores(terms)

    def search(self, terms: Sequence[str], k: int = 10) -> list[tuple[int, float]]:
        """Top-k (document position, score) with a positive score, best first."""
        scores = self.scores(terms)
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def doc_freq(self, term: str) -> int:
        idx = self._vocab.get(term)
        return int(self._doc_freq[idx]) if idx is not None else 0

    def idf(self, term: str) -> float:
        """Lucene's IDF, the same weight BM25 gives the term; unseen terms get the maximum."""
        df = self.doc_freq(term)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))


def passage_terms(passage: Passage) -> list[str]:
    """A paragraph is indexed with its section heading, which often names what it is about."""
    return analyze(f"{passage.section}\n{passage.text}" if passage.section else passage.text)


def _doc_freq(retriever: bm25s.BM25) -> np.ndarray:
    indptr = np.asarray(retriever.scores["indptr"])
    return np.diff(indptr).astype(np.int32)
