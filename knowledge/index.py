"""BM25 over passages, built in chunks, saved per corpus fingerprint and memory-mapped on load.

The scoring is bm25s' `lucene` variant (k1=1.5, b=0.75), computed with the same floating-point
steps so scores match bm25s bit for bit; lucene keeps every IDF positive, so names found in most
paragraphs ("Kim", "Trump") still count a little instead of being floored to zero as in
rank-bm25. The index is a term-major (CSC) matrix of precomputed per-document term scores:

- building streams token lists into compact int32 chunks instead of Python lists of lists
  (bm25s needs several GB for a million paragraphs), then places each chunk's (term, document)
  pairs straight into their final slots;
- the vocabulary is stored as sorted UTF-8 bytes searched in place, so loading a saved index
  is a handful of `np.load(mmap_mode="r")` calls whatever the corpus size;
- a query adds only the postings of its own terms, and picks the top k without sorting every
  matching document.
"""

from __future__ import annotations

import json
import math
import shutil
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import count
from pathlib import Path

import numpy as np

from knowledge.analysis import ANALYZER_VERSION, analyze
from knowledge.models import Passage

INDEX_FORMAT = "2"
_META = "citebot.json"
_ARRAYS = ("data", "indices", "indptr", "term_offsets")
_TERMS = "terms.bin"
K1, B = 1.5, 0.75
_CHUNK_TOKENS = 1 << 22  # tokens buffered before a chunk is sorted into (term, document) pairs
_SPARSE_SHARE = 16  # queries touching fewer than n_docs / this postings skip the dense array
_SAMPLE = 4096  # scores sampled to bound the k-th best before scanning a dense array


class IndexError_(Exception):
    """A saved index is missing or unreadable; callers rebuild it."""


class PassageIndex:
    """Lexical index over a list of passages (by position) with BM25 scores and document counts."""

    def __init__(
        self,
        *,
        data: np.ndarray,
        indices: np.ndarray,
        indptr: np.ndarray,
        terms: bytes | np.ndarray,
        term_offsets: np.ndarray,
        n_docs: int,
    ) -> None:
        self._data = data  # float32 score of each (term, document) pair, term-major
        self._indices = indices  # int32 document of each pair, ascending within a term
        self._indptr = indptr  # int64, pairs of term t are [indptr[t], indptr[t + 1])
        self._terms = _Terms(terms, term_offsets)
        self.n_docs = n_docs

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def build(cls, passages: Iterable[Passage]) -> PassageIndex:
        return cls.build_from_tokens(passage_terms(p) for p in passages)

    @classmethod
    def build_from_tokens(cls, docs: Iterable[Sequence[str]]) -> PassageIndex:
        """Index analysed documents; `docs` may be a generator, read once."""
        builder = _Builder()
        for tokens in docs:
            builder.add(tokens)
        return builder.finish()

    def save(self, folder: Path) -> None:
        """Write atomically: a half-written index is never loaded."""
        folder = Path(folder)
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", self._array(name))
        (tmp / _TERMS).write_bytes(bytes(self._terms.blob))
        (tmp / _META).write_text(
            json.dumps(
                {
                    "format": INDEX_FORMAT,
                    "analyzer": ANALYZER_VERSION,
                    "n_docs": self.n_docs,
                    "n_terms": len(self._terms),
                    "k1": K1,
                    "b": B,
                }
            )
        )
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    def _array(self, name: str) -> np.ndarray:
        if name == "term_offsets":
            return self._terms.offsets
        return getattr(self, f"_{name}")

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> PassageIndex:
        folder = Path(folder)
        mode = "r" if mmap else None
        try:
            meta = json.loads((folder / _META).read_text())
            if meta.get("format") != INDEX_FORMAT or meta.get("analyzer") != ANALYZER_VERSION:
                raise IndexError_(f"index in {folder} was made by another version")
            arrays = {n: np.load(folder / f"{n}.npy", mmap_mode=mode) for n in _ARRAYS}
            terms = (
                np.memmap(folder / _TERMS, dtype=np.uint8, mode="r")
                if mmap and (folder / _TERMS).stat().st_size
                else (folder / _TERMS).read_bytes()
            )
            n_docs, n_terms = int(meta["n_docs"]), int(meta["n_terms"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexError_(f"cannot load index from {folder}: {exc}") from exc
        indptr = arrays["indptr"]
        if (
            len(indptr) != n_terms + 1
            or len(arrays["term_offsets"]) != n_terms + 1
            or not int(indptr[-1]) == len(arrays["data"]) == len(arrays["indices"])
        ):
            raise IndexError_(f"index in {folder} is inconsistent (partly written?)")
        return cls(terms=terms, n_docs=n_docs, **arrays)

    # -- querying -----------------------------------------------------------------------------
    def known(self, terms: Sequence[str]) -> list[str]:
        return [t for t in terms if self._terms.find(t) is not None]

    def _term_ids(self, terms: Sequence[str]) -> list[int]:
        """Ids of the known terms, repeats kept: a word asked twice counts twice, as in bm25s."""
        ids = (self._terms.find(t) for t in terms)
        return [i for i in ids if i is not None]

    def _postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self._indptr[term_id], self._indptr[term_id + 1]
        return self._indices[start:end], self._data[start:end]

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the analysed query terms."""
        scores = np.zeros(self.n_docs, dtype=np.float32)
        for term_id in self._term_ids(terms):
            docs, values = self._postings(term_id)
            scores[docs] += values  # a document appears once per term, so no lost updates
        return scores

    def search(self, terms: Sequence[str], k: int = 10) -> list[tuple[int, float]]:
        """Top-k (document position, score) with a positive score, best first.

        Equal scores keep passage order. Scores are the ones `scores()` gives: each document
        sums its terms' contributions in query order, in float32, whichever path is taken.
        """
        ids = self._term_ids(terms)
        if k <= 0 or not ids:
            return []
        postings = [self._postings(i) for i in ids]
        touched = sum(len(docs) for docs, _ in postings)
        if touched * _SPARSE_SHARE < self.n_docs:
            docs = np.unique(np.concatenate([d for d, _ in postings]))
            sums = np.zeros(len(docs), dtype=np.float32)
            for term_docs, values in postings:
                sums[np.searchsorted(docs, term_docs)] += values
        else:
            dense = np.zeros(self.n_docs, dtype=np.float32)
            for term_docs, values in postings:
                dense[term_docs] += values
            docs = np.flatnonzero(dense >= _kth_of_sample(dense, k))
            sums = dense[docs]
        return _top_k(docs, sums, k)

    def doc_freq(self, term: str) -> int:
        term_id = self._terms.find(term)
        if term_id is None:
            return 0
        return int(self._indptr[term_id + 1] - self._indptr[term_id])

    def idf(self, term: str) -> float:
        """Lucene's IDF, the same weight BM25 gives the term; unseen terms get the maximum."""
        return _idf(self.doc_freq(term), self.n_docs)


def passage_terms(passage: Passage) -> list[str]:
    """A paragraph is indexed with its section heading, which often names what it is about."""
    return analyze(f"{passage.section}\n{passage.text}" if passage.section else passage.text)


def _idf(df: int, n_docs: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def _kth_of_sample(dense: np.ndarray, k: int) -> float:
    """A lower bound of the k-th best score: the k-th best of an even sample (or any hit)."""
    sample = dense[:: max(1, len(dense) // _SAMPLE)]
    if len(sample) <= k:
        return np.float32(np.finfo(np.float32).tiny)
    kth = np.partition(sample, len(sample) - k)[len(sample) - k]
    return max(kth, np.finfo(np.float32).tiny)


def _top_k(docs: np.ndarray, sums: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Best k of `sums` (ties: lower document first); `docs` ascending."""
    if len(sums) > k:
        kth = np.partition(sums, len(sums) - k)[len(sums) - k]
        keep = sums >= kth  # keeps every tie of the k-th score, so the order is exact
        docs, sums = docs[keep], sums[keep]
    order = np.lexsort((docs, -sums))[:k]
    return [(int(d), float(s)) for d, s in zip(docs[order], sums[order], strict=True) if s > 0]


class _Terms:
    """Sorted vocabulary as one UTF-8 blob plus offsets, searched in place (no dict to load)."""

    def __init__(self, blob: bytes | np.ndarray, offsets: np.ndarray) -> None:
        self.blob = blob
        self.offsets = offsets
        self._bytes = memoryview(blob).cast("B") if isinstance(blob, np.ndarray) else blob
        self._starts = offsets.tolist() if len(offsets) < 4096 else offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def find(self, term: str) -> int | None:
        key = term.encode("utf-8")
        starts, blob = self._starts, self._bytes
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            if bytes(blob[int(starts[mid]) : int(starts[mid + 1])]) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self) and bytes(blob[int(starts[lo]) : int(starts[lo + 1])]) == key:
            return lo
        return None


class _Builder:
    """Accumulates documents as int32 term ids and turns them into the CSC arrays.

    Every `_CHUNK_TOKENS` tokens, the chunk is reduced to (term, document, frequency) triples
    sorted by term; at the end each chunk's triples are scored and copied into their final
    place. Memory peaks at about 8 bytes per (term, document) pair plus the finished arrays.
    """

    def __init__(self) -> None:
        self._vocab: defaultdict[str, int] = defaultdict(count().__next__)
        self._tokens: list[np.ndarray] = []
        self._buffered = 0
        self._lengths: list[int] = []
        self._chunk_first_doc = 0
        # Per chunk: term ids present (ascending), pairs per term, documents, frequencies.
        self._chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, tokens: Sequence[str]) -> None:
        ids = np.fromiter(map(self._vocab.__getitem__, tokens), dtype=np.int32)
        self._tokens.append(ids)
        self._lengths.append(len(ids))
        self._buffered += len(ids)
        if self._buffered >= _CHUNK_TOKENS:
            self._flush()

    def _flush(self) -> None:
        first, end = self._chunk_first_doc, len(self._lengths)
        if end == first:
            return
        tokens = np.concatenate(self._tokens) if self._tokens else np.zeros(0, np.int32)
        lengths = np.asarray(self._lengths[first:end], dtype=np.int64)
        local_doc = np.repeat(np.arange(end - first, dtype=np.int64), lengths)
        keys, tf = np.unique(
            tokens.astype(np.int64) * (end - first) + local_doc, return_counts=True
        )
        term = (keys // (end - first)).astype(np.int32)
        doc = (keys % (end - first) + first).astype(np.int32)
        present, runs = np.unique(term, return_counts=True)
        self._chunks.append((present, runs, doc, tf.astype(np.float32)))
        self._tokens, self._buffered, self._chunk_first_doc = [], 0, end

    def finish(self) -> PassageIndex:
        self._flush()
        n_docs = len(self._lengths)
        words = list(self._vocab)  # in id order
        order = sorted(range(len(words)), key=words.__getitem__)
        new_id = np.empty(len(words), dtype=np.int64)
        new_id[order] = np.arange(len(words))
        encoded = [words[i].encode("utf-8") for i in order]
        term_offsets = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=term_offsets[1:])

        df = np.zeros(len(words), dtype=np.int64)
        for present, runs, _, _ in self._chunks:
            df[new_id[present]] += runs
        indptr = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        # The same float steps as bm25s (idf per term in double then float32; tf part in double).
        distinct, which = np.unique(df, return_inverse=True)
        idf = np.array([_idf(v, n_docs) for v in distinct.tolist()], dtype=np.float32)[which]
        lengths = np.array(self._lengths, dtype=np.int64)
        avg_len = lengths.mean() if n_docs else np.float64(0.0)

        data = np.empty(int(indptr[-1]), dtype=np.float32)
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        cursor = indptr[:-1].copy()
        while self._chunks:
            present, runs, doc, tf = self._chunks.pop(0)
            term = new_id[present]
            run_start = np.cumsum(runs) - runs
            slot = np.repeat(cursor[term] - run_start, runs) + np.arange(len(doc))
            cursor[term] += runs
            norm = K1 * ((1 - B) + B * lengths[doc].astype(np.float64) / avg_len)
            data[slot] = np.repeat(idf[term], runs) * (tf / (norm + tf))
            indices[slot] = doc
        return PassageIndex(
            data=data,
            indices=indices,
            indptr=indptr,
            terms=b"".join(encoded),
            term_offsets=term_offsets,
            n_docs=n_docs,
        )
