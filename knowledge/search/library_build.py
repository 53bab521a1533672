"""Build a library from its sources in one streaming pass, with bounded memory.

Sources are parsed one file at a time; each passage's text goes straight to disk, its words
to the index builder and to a (passage, word, count) table from which the paragraph vectors
are computed once the index knows every word's IDF. No per-sentence Python object outlives its
passage: a sentence's terms, sets and mentions are made later, only for candidates.
"""

from __future__ import annotations

import json
import re
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from knowledge.models import Passage, Source
from knowledge.search.index import PassageIndex, _Builder
from knowledge.search.library_data import (
    SOURCES,
    LibraryData,
    save_meta,
    write_strings,
)
from knowledge.search.progress import Progress
from knowledge.search.reading_data import ReadingCollector
from knowledge.search.semantic import near_table
from knowledge.text.analysis import STOPWORDS, fold, stem, words
from knowledge.text.embeddings import WordVectors, default_vectors
from knowledge.text.lemmas import lemma_key

_TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f][\w'\u2019\-]*")
_CHUNK_TOKENS = 1 << 22  # content words buffered before they are reduced to (passage, word)
_VECTOR_ROWS = 1 << 17  # (passage, word) rows gathered at once for the paragraph vectors


class _CommonWords:
    """Words seen lowercase after a sentence's first word (so "may" is no name as "May").

    Each raw token is settled once: a capitalised one can never count, a lowercase one counts
    as soon as it occurs past a sentence start. Most passages bring nothing new to settle."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self._settled: set[str] = set()

    def add(self, text: str, spans: Sequence[tuple[int, int]]) -> None:
        tokens = _TOKEN.findall(text)
        new = set(tokens)
        new -= self._settled
        if not new:
            return
        lower = [t for t in new if t[:1].islower()]
        self._settled.update(t for t in new if not t[:1].islower())
        if not lower:
            return
        initial: defaultdict[str, int] = defaultdict(int)
        for start, end in spans:
            m = _TOKEN.search(text, start, end)
            if m:
                initial[m.group()] += 1
        for t in lower:
            if tokens.count(t) > initial[t]:
                self.found.add(fold(t))
                self._settled.add(t)


class _WordCounts:
    """(passage, word id, count) of every passage's content words, reduced chunk by chunk and
    spilled to `folder` (read back memory-mapped when the paragraph vectors are computed)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.word_ids: dict[str, int] = {}  # folded word -> id >= 1, 0 for a stopword
        self.words: list[str] = [""]  # id -> word
        self._ids: list[int] = []
        self._lengths: list[int] = []
        self.chunks: list[tuple[int, Path]] = []  # passages (in order), spilled table
        self.tokens = 0

    def add(self, tokens: list[str]) -> None:
        ids = list(map(self.word_ids.get, tokens))
        if None in ids:
            for w in dict.fromkeys(t for t, i in zip(tokens, ids, strict=True) if i is None):
                if w in STOPWORDS:
                    self.word_ids[w] = 0
                else:
                    self.word_ids[w] = len(self.words)
                    self.words.append(w)
            ids = list(map(self.word_ids.__getitem__, tokens))
        content = list(filter(None, ids))
        self.tokens += len(content)
        self._ids += content
        self._lengths.append(len(content))
        if len(self._ids) >= _CHUNK_TOKENS:
            self.flush()

    def flush(self) -> None:
        """Reduce the buffered passages (never split: a chunk ends at a passage boundary)."""
        if not self._lengths:
            return
        n = len(self._lengths)
        lengths = np.asarray(self._lengths, dtype=np.int64)
        keys = np.repeat(np.arange(n, dtype=np.int64), lengths) << 32
        keys |= np.asarray(self._ids, dtype=np.int64)
        keys.sort()
        keys, counts = np.unique(keys, return_counts=True)
        table = np.empty((3, len(keys)), dtype=np.int32)  # passage in chunk, word, count
        table[0], table[1], table[2] = keys >> 32, keys & 0xFFFFFFFF, counts
        path = self.folder / f"counts-{len(self.chunks)}.npy"
        np.save(path, table)
        self.chunks.append((n, path))
        self._ids, self._lengths = [], []


class LibraryBuilder:
    """Consumes sources one at a time and writes the library's arrays into `folder`."""

    def __init__(self, folder: Path, vectors: WordVectors) -> None:
        self.folder = folder
        self.vectors = vectors
        self.index = _Builder()
        self.counts = _WordCounts(folder)
        self.common = _CommonWords()
        self.reading = ReadingCollector()
        self._text = (folder / "text.bin").open("wb")
        self.text_offsets = array("q", [0])
        self.section_of = array("i")
        self.source_of = array("i")
        self.source_first = array("q")
        self.first = array("q", [0])
        self.passage_of = array("i")
        self.sent_start = array("i")
        self.sent_end = array("i")
        self.sections: dict[str, int] = {}
        self.sources: list[dict] = []

    def add_source(self, source: Source) -> None:
        self.source_first.append(len(self.section_of))
        n_source = len(self.sources)
        self.sources.append(
            {
                "source_id": source.source_id,
                "title": source.title,
                "date": source.date.isoformat() if source.date else None,
                "url": source.url,
                "outlet": source.outlet,
            }
        )
        for passage in source.passages:
            self.add_passage(passage, n_source)

    def add_passage(self, passage: Passage, n_source: int) -> None:
        p = len(self.section_of)
        text = passage.text
        encoded = text.encode("utf-8")
        self._text.write(encoded)
        self.text_offsets.append(self.text_offsets[-1] + len(encoded))
        section = passage.section
        if section is None:
            self.section_of.append(-1)
        else:
            self.section_of.append(self.sections.setdefault(section, len(self.sections)))
        self.source_of.append(n_source)
        spans = [(s.start, s.end) for s in passage.sentences] or [(0, len(text))]
        for start, end in spans:
            self.sent_start.append(start)
            self.sent_end.append(end)
        self.passage_of.extend([p] * len(spans))
        self.first.append(len(self.sent_start))
        text_words = words(text)
        all_words = words(section) + text_words if section else text_words
        self.index.add_words(all_words)
        self.counts.add(text_words)
        self.common.add(text, spans)
        self.reading.add([text[start:end] for start, end in spans], all_words)

    def finish(
        self, warnings: list[str], fingerprint: str, progress: Progress, **meta: object
    ) -> PassageIndex:
        """Write everything left; returns the finished index (the caller saves it)."""
        self._text.close()
        folder = self.folder
        progress.phase("indexing", None)
        index = self.index.finish()
        self.index = _Builder()
        n_passages = len(self.section_of)
        for name in ("text_offsets", "source_first", "first"):
            np.save(folder / f"{name}.npy", np.frombuffer(getattr(self, name), dtype=np.int64))
        for name in ("section_of", "source_of", "passage_of", "sent_start", "sent_end"):
            np.save(folder / f"{name}.npy", np.frombuffer(getattr(self, name), dtype=np.int32))
        # ASCII escapes: a file name that is not valid UTF-8 survives as its escape.
        (folder / SOURCES).write_text(json.dumps(self.sources))
        write_strings(folder, "sections", list(self.sections))
        write_strings(folder, "common", sorted(self.common.found))
        progress.phase("reading data", None)
        aliases_text = str(meta.get("aliases_text", ""))
        self.reading.save(folder, self.common.found, aliases_text)
        self.reading = ReadingCollector()
        vocabulary = sorted(self.counts.words[1:])
        write_strings(folder, "vocabulary", vocabulary)
        groups: defaultdict[str, set[str]] = defaultdict(set)
        for word in vocabulary:
            groups[lemma_key(word)].add(stem(word))
        keys = sorted(groups)
        write_strings(folder, "lemma_keys", keys)
        write_strings(folder, "lemma_values", ["\n".join(sorted(groups[k])) for k in keys])
        near_words, near_stems, near = near_table(vocabulary, self.vectors)
        write_strings(
            folder, "near", [f"{w}\n{s}" for w, s in zip(near_words, near_stems, strict=True)]
        )
        np.save(folder / "near_matrix.npy", near)
        self._passage_vectors(index, n_passages, progress)
        n_sentences = len(self.sent_start)
        save_meta(
            folder,
            fingerprint=fingerprint,
            warnings=warnings,
            avg_len=self.counts.tokens / max(n_sentences, 1),
            n_passages=n_passages,
            n_sentences=n_sentences,
            n_sources=len(self.sources),
            **meta,
        )
        return index

    def _passage_vectors(self, index: PassageIndex, n_passages: int, progress: Progress) -> None:
        """Each passage's IDF-weighted mean word vector: per chunk, a sparse (passage x word)
        count matrix times a (word x dim) table of IDF-weighted word vectors, written out in
        passage order (never the whole matrix in memory)."""
        from scipy.sparse import csr_matrix

        counts = self.counts
        counts.flush()
        vectors = WordVectors(self.vectors.tokens, self.vectors.table)  # its cache dies here
        weighted = np.zeros((len(counts.words), vectors.dim), dtype=np.float32)
        for i, word in enumerate(counts.words[1:], start=1):
            v = vectors.vector(word)
            if v is not None:
                weighted[i] = np.float32(index.idf(stem(word))) * v
        progress.phase("paragraph vectors", n_passages, unit="¶")
        header = {"descr": "<f4", "fortran_order": False, "shape": (n_passages, vectors.dim)}
        with (self.folder / "passage_vectors.npy").open("wb") as out:
            np.lib.format.write_array_header_1_0(out, header)
            for n, path in counts.chunks:
                table = np.load(path, mmap_mode="r")
                matrix = csr_matrix(
                    (table[2].astype(np.float32), (table[0], table[1])),
                    shape=(n, len(counts.words)),
                )
                rows = np.asarray(matrix @ weighted, dtype=np.float32)
                norms = np.linalg.norm(rows, axis=1, keepdims=True)
                np.divide(rows, norms, out=rows, where=norms > 0)
                out.write(rows.tobytes())
                del table
                path.unlink()
                progress.advance(n)
        counts.chunks = []


def build_library(
    sources: Iterable[Source],
    folder: Path,
    warnings: list[str],
    fingerprint: str,
    progress: Progress,
    vectors: WordVectors | None = None,
    **meta: object,
) -> tuple[PassageIndex, LibraryData]:
    """Stream `sources` into `folder` (created); the index is returned unsaved."""
    folder.mkdir(parents=True, exist_ok=True)
    builder = LibraryBuilder(folder, vectors or default_vectors())
    for source in sources:
        builder.add_source(source)
    index = builder.finish(warnings, fingerprint, progress, **meta)
    return index, LibraryData.load(folder)
