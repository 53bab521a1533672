"""BM25 over passages, built in chunks, saved per corpus fingerprint and memory-mapped on load.

The scoring is bm25s' `lucene` variant (k1=1.5, b=0.75), computed with the same floating-point
steps so scores match bm25s bit for bit; lucene keeps every IDF positive, so names found in most
paragraphs ("Kim", "Trump") still count a little instead of being floored to zero as in
rank-bm25. The index is a term-major (CSC) matrix of precomputed per-document term scores:

- building analyses each distinct word of the corpus once, buffers term ids in chunks that are
  sorted into (term, document, frequency) triples, then places each chunk's triples straight
  into their final slots (bm25s holds every document as a Python list and needs twice the
  memory at a million paragraphs);
- the vocabulary is stored as sorted UTF-8 bytes searched in place, so loading a saved index
  is a handful of `np.load(mmap_mode="r")` calls whatever the corpus size;
- a query adds only the postings of its own terms, and picks the top k without sorting every
  matching document.
"""

from __future__ import annotations

import contextlib
import json
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import count
from pathlib import Path
from typing import Literal

import numpy as np

from knowledge.errors import CitebotError
from knowledge.files import write_atomically
from knowledge.models import Passage
from knowledge.search import housekeeping, integrity
from knowledge.search.build_once import replace_folder
from knowledge.text.analysis import ANALYZER_VERSION, analyze, word_terms, words

INDEX_FORMAT = "3"  # 3: file sizes and checksums, a build id, the in-use marker
_META = "citebot.json"
_ARRAYS = ("data", "indices", "indptr", "term_offsets")
_TERMS = "terms.bin"
_FILES = (*(f"{name}.npy" for name in _ARRAYS), _TERMS)
K1, B = 1.5, 0.75
_CHUNK_TOKENS = 1 << 22  # tokens buffered before a chunk is sorted into (term, document) pairs
_SPARSE_SHARE = 16  # queries touching fewer than n_docs / this postings skip the dense array
_SAMPLE = 4096  # scores sampled to bound the k-th best before scanning a dense array


class IndexError_(CitebotError):
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
        build_id: str | None = None,
        holder: housekeeping.Holder | None = None,
        avg_len: float | None = None,
        background: PassageIndex | None = None,
    ) -> None:
        # Changes with every build, even of the same passages: answers cached from one build
        # are never served by another (the old one may have been damaged).
        self.build_id = build_id or uuid.uuid4().hex[:12]
        self._holder = holder  # keeps the folder marked in use while this index serves
        self._data = data  # float32 score of each (term, document) pair, term-major
        self._indices = indices  # int32 document of each pair, ascending within a term
        self._indptr = indptr  # int64, pairs of term t are [indptr[t], indptr[t + 1])
        self._terms = _Terms(terms, term_offsets)
        self.n_docs = n_docs
        self.avg_len = avg_len  # mean document length in terms (None: saved by an older build)
        # A segment of new passages is scored with the statistics of its library and itself
        # (knowledge/search/live.py): IDF over both, so its scores compare with the library's.
        self.background = background

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def build(cls, passages: Iterable[Passage]) -> PassageIndex:
        return cls.build_from_texts(passage_text(p) for p in passages)

    @classmethod
    def build_from_texts(cls, texts: Iterable[str]) -> PassageIndex:
        """Index texts as `analyze()` would; `texts` may be a generator, read once."""
        builder = _Builder()
        for text in texts:
            builder.add_words(words(text))
        return builder.finish()

    @classmethod
    def build_from_tokens(cls, docs: Iterable[Sequence[str]]) -> PassageIndex:
        """Index already analysed documents; `docs` may be a generator, read once."""
        builder = _Builder()
        for tokens in docs:
            builder.add_terms(tokens)
        return builder.finish()

    def save(self, folder: Path) -> None:
        """Write atomically (see replace_folder): a half-written index is never loaded, and every
        file's size and checksum are recorded so a damaged one is noticed on load."""
        folder = Path(folder)
        replace_folder(self._write, folder)
        if self._holder is None:  # this process serves these passages: keep the folder
            with contextlib.suppress(OSError):
                self._holder = housekeeping.hold(folder)

    def _write(self, tmp: Path) -> None:
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", self._array(name))
        (tmp / _TERMS).write_bytes(bytes(self._terms.blob))
        (tmp / housekeeping.IN_USE).touch()
        meta = {
            "format": INDEX_FORMAT,
            "analyzer": ANALYZER_VERSION,
            "build": self.build_id,
            "n_docs": self.n_docs,
            "n_terms": len(self._terms),
            "avg_len": self.avg_len,
            "k1": K1,
            "b": B,
            "files": {name: integrity.stamp(tmp / name).model_dump() for name in _FILES},
        }
        (tmp / _META).write_text(json.dumps(meta))

    def _array(self, name: str) -> np.ndarray:
        if name == "term_offsets":
            return self._terms.offsets
        return getattr(self, f"_{name}")

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> PassageIndex:
        """Load a saved index, checking its files against the sizes and checksums recorded
        when it was saved (see knowledge.search.integrity); IndexError_ says what does not match."""
        folder = Path(folder)
        try:
            holder = housekeeping.hold(folder)
        except OSError as exc:
            raise IndexError_(f"cannot load index from {folder}: {exc}") from exc
        try:
            return cls._load(folder, holder, mmap)
        except BaseException:
            holder.close()
            raise

    @classmethod
    def _load(cls, folder: Path, holder: housekeeping.Holder, mmap: bool) -> PassageIndex:
        mode: Literal["r"] | None = "r" if mmap else None
        try:
            meta = json.loads((folder / _META).read_text())
            if meta.get("format") != INDEX_FORMAT or meta.get("analyzer") != ANALYZER_VERSION:
                raise IndexError_(f"index in {folder} was made by another version")
            stamps = {n: integrity.FileStamp(**meta["files"][n]) for n in _FILES}
            restamped = integrity.verify(folder, stamps)
            if restamped:
                _record_stamps(folder, meta, restamped)
            arrays = {n: np.load(folder / f"{n}.npy", mmap_mode=mode) for n in _ARRAYS}
            terms = (
                np.memmap(folder / _TERMS, dtype=np.uint8, mode="r")
                if mmap and (folder / _TERMS).stat().st_size
                else (folder / _TERMS).read_bytes()
            )
            n_docs, n_terms = int(meta["n_docs"]), int(meta["n_terms"])
            build_id = str(meta["build"])
        except integrity.Damaged as exc:
            raise IndexError_(f"index in {folder} is damaged: {exc}") from exc
        except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
            raise IndexError_(f"cannot load index from {folder}: {exc}") from exc
        indptr = arrays["indptr"]
        if (
            len(indptr) != n_terms + 1
            or len(arrays["term_offsets"]) != n_terms + 1
            or not int(indptr[-1]) == len(arrays["data"]) == len(arrays["indices"])
        ):
            raise IndexError_(f"index in {folder} is inconsistent (partly written?)")
        avg_len = meta.get("avg_len")
        return cls(
            terms=terms,
            n_docs=n_docs,
            build_id=build_id,
            holder=holder,
            avg_len=float(avg_len) if avg_len is not None else None,
            **arrays,
        )

    # -- querying -----------------------------------------------------------------------------
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
        postings = {i: self._postings(i) for i in ids}  # a repeated term is fetched once
        dense = np.zeros(self.n_docs, dtype=np.float32)
        for term_id in ids:
            docs, values = postings[term_id]
            dense[docs] += values
        touched = sum(len(docs) for docs, _ in postings.values())
        if touched * _SPARSE_SHARE >= self.n_docs:  # scanning every score is cheaper
            docs = np.flatnonzero(dense >= _kth_of_sample(dense, k))
            return _top_k(docs, dense[docs], k)
        # Few postings: rank only them. A document is listed once per distinct term, so the
        # (k x terms)-th best listing cannot beat the k-th best document: keep all above it.
        docs = np.concatenate([listed for listed, _ in postings.values()])
        depth = k * len(postings)
        if len(docs) > depth:
            sums = dense[docs]
            docs = docs[sums >= _kth_largest(sums, depth)]
        if len(postings) > 1:
            docs = np.unique(docs)
        return _top_k(docs, dense[docs], k)

    def doc_freq(self, term: str) -> int:
        term_id = self._terms.find(term)
        if term_id is None:
            return 0
        return int(self._indptr[term_id + 1] - self._indptr[term_id])

    def idf(self, term: str) -> float:
        """Lucene's IDF, the same weight BM25 gives the term; unseen terms get the maximum.
        A segment's IDF counts its library's documents too."""
        return bm25_idf(self.total_doc_freq(term), self.total_docs)

    def total_doc_freq(self, term: str) -> int:
        """Documents holding `term` here and, for a segment, in its library."""
        own = self.doc_freq(term)
        if self.background is None:
            return own
        return own + self.background.total_doc_freq(term)

    @property
    def total_docs(self) -> int:
        """Documents here and, for a segment, in its library: what IDF counts."""
        return self.n_docs + (self.background.total_docs if self.background is not None else 0)


def _record_stamps(folder: Path, meta: dict, stamps: dict[str, integrity.FileStamp]) -> None:
    """The files were copied or touched but are intact: record their new times, so the next
    load checks only sizes and samples again. Best effort (the folder may be read-only)."""
    meta = {**meta, "files": {name: s.model_dump() for name, s in stamps.items()}}
    with contextlib.suppress(OSError):
        write_atomically(folder / _META, json.dumps(meta))


def passage_text(passage: Passage) -> str:
    """A paragraph is indexed with its section heading, which often names what it is about."""
    return f"{passage.section}\n{passage.text}" if passage.section else passage.text


def passage_terms(passage: Passage) -> list[str]:
    return analyze(passage_text(passage))


def bm25_idf(df: int, n_docs: int) -> float:
    """Lucene's BM25 IDF (always positive), for a term in `df` of `n_docs` documents."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def _kth_of_sample(dense: np.ndarray, k: int) -> float:
    """A lower bound of the k-th best score: the k-th best of an even sample (or any hit)."""
    sample = dense[:: max(1, len(dense) // _SAMPLE)]
    if len(sample) <= k:
        return float(np.finfo(np.float32).tiny)
    return float(max(_kth_largest(sample, k), np.finfo(np.float32).tiny))


def _kth_largest(values: np.ndarray, k: int) -> np.float32:
    """Selected from the negated values: numpy 2's partition near the top end of an array of
    mostly equal values (zeros) is a hundred times slower (measured: 117 ms vs 5 ms at 1M)."""
    return -np.partition(-values, k - 1)[k - 1]


def _top_k(docs: np.ndarray, sums: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Best k of `sums` for `docs`, best first; equal scores: lower document first."""
    if len(sums) > k:
        keep = sums >= _kth_largest(sums, k)  # keeps every tie of the k-th, so the order is exact
        docs, sums = docs[keep], sums[keep]
    order = np.lexsort((docs, -sums))[:k]
    return [(int(d), float(s)) for d, s in zip(docs[order], sums[order], strict=True) if s > 0]


class _Terms:
    """Sorted vocabulary as one UTF-8 blob plus offsets, searched in place (no dict to load)."""

    def __init__(self, blob: bytes | np.ndarray, offsets: np.ndarray) -> None:
        self.blob = blob
        self.offsets = offsets
        self._bytes = blob.data.cast("B") if isinstance(blob, np.ndarray) else blob
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
    """Accumulates documents as term ids and turns them into the CSC arrays.

    Texts are analysed one distinct word at a time: a word's term id (0 for a stopword) is
    remembered, so a corpus costs one dict lookup per word instead of stemming every word.
    Every `_CHUNK_TOKENS` tokens, the chunk is reduced to (term, document, frequency) triples
    sorted by term; at the end each chunk's triples are scored and copied into their final
    place. Memory peaks at about 6 bytes per (term, document) pair plus the finished arrays.
    """

    def __init__(self) -> None:
        self._vocab: defaultdict[str, int] = defaultdict(count(1).__next__)  # term -> id >= 1
        self._word_ids: dict[str, int] = {}  # word -> term id, 0 for a stopword
        self._ids: list[int] = []
        self._lengths: list[int] = []
        self._chunk_first_doc = 0
        # Per chunk: term ids present (ascending), pairs per term, documents, frequencies.
        self._chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add_terms(self, terms: Sequence[str]) -> None:
        before = len(self._ids)
        self._ids += map(self._vocab.__getitem__, terms)  # new terms get the next id
        self._end_document(before)

    def add_words(self, tokens: list[str]) -> None:
        ids = list(map(self._word_ids.get, tokens))
        if None in ids:  # words seen for the first time
            self._learn([w for w, term_id in zip(tokens, ids, strict=True) if term_id is None])
            ids = list(map(self._word_ids.__getitem__, tokens))
        before = len(self._ids)
        self._ids += filter(None, ids)  # drops the stopwords' zeros
        self._end_document(before)

    def _learn(self, new_words: list[str]) -> None:
        new_words = list(dict.fromkeys(new_words))
        vocab = self._vocab
        for word, term in zip(new_words, word_terms(new_words), strict=True):
            self._word_ids[word] = vocab[term] if term else 0

    def _end_document(self, before: int) -> None:
        self._lengths.append(len(self._ids) - before)
        if len(self._ids) >= _CHUNK_TOKENS:
            self._flush()

    def _flush(self) -> None:
        first, end = self._chunk_first_doc, len(self._lengths)
        if end == first:
            return
        n = end - first
        tokens = np.array(self._ids, dtype=np.int64) - 1
        self._ids = []
        lengths = np.asarray(self._lengths[first:end], dtype=np.int64)
        keys = tokens * n + np.repeat(np.arange(n, dtype=np.int64), lengths)
        keys.sort()
        starts = np.flatnonzero(np.diff(keys, prepend=-1))  # first of each (term, doc) run
        tf = np.diff(starts, append=len(keys))
        tf = tf.astype(np.uint16 if tf.max(initial=0) < 1 << 16 else np.float32)
        keys = keys[starts]
        term = keys // n
        run_starts = np.flatnonzero(np.diff(term, prepend=-1))  # terms are sorted
        present, runs = term[run_starts], np.diff(run_starts, append=len(term))
        self._chunks.append((present, runs, (keys - term * n + first).astype(np.int32), tf))
        self._chunk_first_doc = end

    def finish(self, background: PassageIndex | None = None) -> PassageIndex:
        """The index; with a `background` library, IDF and mean length are those of both (a
        segment scored as if it were part of that library)."""
        self._flush()
        self._word_ids = {}
        n_docs = len(self._lengths)
        terms = list(self._vocab)  # in id order (ids start at 1)
        self._vocab.clear()
        order = sorted(range(len(terms)), key=terms.__getitem__)
        new_id = np.empty(len(terms), dtype=np.int64)
        new_id[order] = np.arange(len(terms))
        encoded = [terms[i].encode("utf-8") for i in order]
        term_offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=term_offsets[1:])

        df = np.zeros(len(terms), dtype=np.int64)
        for present, runs, _, _ in self._chunks:
            df[new_id[present]] += runs
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        # The same float steps as bm25s (idf per term in double then float32; tf part in double).
        distinct, which = np.unique(df, return_inverse=True)
        lengths = np.array(self._lengths, dtype=np.int64)
        own_avg = lengths.mean() if n_docs else np.float64(0.0)
        if background is not None:
            idf, avg_len = _with_background(df, encoded, lengths, background)
        else:
            idf = np.array([bm25_idf(v, n_docs) for v in distinct.tolist()], dtype=np.float32)
            idf, avg_len = idf[which], own_avg

        data = np.empty(int(indptr[-1]), dtype=np.float32)
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        cursor = indptr[:-1].copy()
        while self._chunks:
            present, runs, doc, tf = self._chunks.pop(0)
            term = new_id[present]
            run_start = np.cumsum(runs) - runs
            slot = np.repeat(cursor[term] - run_start, runs) + np.arange(len(doc))
            cursor[term] += runs
            tf = tf.astype(np.float32)  # as bm25s counts them
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
            avg_len=float(own_avg),
            background=background,
        )


def _with_background(
    df: np.ndarray, encoded: list[bytes], lengths: np.ndarray, background: PassageIndex
) -> tuple[np.ndarray, np.float64]:
    """Per-term IDF and mean length over a segment and its library together."""
    n_docs = len(lengths) + background.total_docs
    own = [background.total_doc_freq(term.decode("utf-8")) for term in encoded]
    idf = np.array(
        [bm25_idf(int(d) + o, n_docs) for d, o in zip(df.tolist(), own, strict=True)],
        dtype=np.float32,
    )
    if background.avg_len is None:
        return idf, lengths.mean() if len(lengths) else np.float64(0.0)
    total = float(lengths.sum()) + background.avg_len * background.total_docs
    return idf, np.float64(total / n_docs)
