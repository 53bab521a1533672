"""A library that takes changes while it serves, without rebuilding what did not change.

The saved build (the base) stays memory-mapped as it is. Sources removed or changed since it was
built are hidden: their passages can no longer be found, so they are never quoted. New and
changed sources are parsed and built on their own into a small segment, scored with the BM25
statistics of the base and the segment together (IDF and mean length over both), so a segment's
scores compare with the base's. Each change rebuilds only the segment, from the pending sources
(parsed once each, remembered by their bytes' digest); a full build of the folder, run in the
background when the segment grows (bot/service.py), becomes the next base, whose scores are a
fresh build's by construction.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from knowledge.corpus import file_digest, iter_sources, read_source_file, source_files
from knowledge.models import Source
from knowledge.search.index import PassageIndex, bm25_idf
from knowledge.search.library import Library
from knowledge.search.library_build import build_library
from knowledge.search.progress import Progress

# What a Library computes once and a masked copy of it can share.
_SHARED = ("passages", "corpus", "sentences", "semantic", "reading", "speller", "query_words")


class MaskedIndex:
    """An index whose hidden documents are never found (removed or changed sources), and whose
    statistics leave them out and count a segment's documents in (`extra`): the document
    frequencies and count IDF is computed from, as a fresh build of the folder would have them."""

    def __init__(
        self, index: PassageIndex, hidden: np.ndarray, extra: PassageIndex | None = None
    ) -> None:
        self._index = index
        self._hidden = hidden
        self._n_hidden = int(hidden.sum())
        self._extra = extra

    def __getattr__(self, name: str):
        return getattr(self._index, name)

    def scores(self, terms) -> np.ndarray:
        scores = self._index.scores(terms)
        scores[self._hidden] = 0.0
        return scores

    def search(self, terms, k: int = 10) -> list[tuple[int, float]]:
        hits = self._index.search(terms, k + self._n_hidden)
        return [(d, s) for d, s in hits if not self._hidden[d]][:k]

    def doc_freq(self, term: str) -> int:
        """Documents holding `term`, the hidden ones left out."""
        term_id = self._index._terms.find(term)
        if term_id is None:
            return 0
        docs, _ = self._index._postings(term_id)
        return (
            len(docs) - int(np.count_nonzero(self._hidden[docs])) if self._n_hidden else len(docs)
        )

    def total_doc_freq(self, term: str) -> int:
        extra = self._extra.doc_freq(term) if self._extra is not None else 0
        return self.doc_freq(term) + extra

    @property
    def total_docs(self) -> int:
        extra = self._extra.n_docs if self._extra is not None else 0
        return self._index.n_docs - self._n_hidden + extra

    def idf(self, term: str) -> float:
        return bm25_idf(self.total_doc_freq(term), self.total_docs)


def masked(
    library: Library, hidden_ids: Iterable[str], extra: PassageIndex | None = None
) -> Library:
    """The library with the passages of `hidden_ids` never found and left out of its statistics,
    and a segment's counted in (`extra`), sharing its loaded parts."""
    data = library.data
    hidden = np.zeros(data.n_passages, dtype=bool)
    for source_id in hidden_ids:
        first = data.position(source_id, 1)
        if first is not None:
            hidden[first : first + data.paragraph_count(source_id)] = True
    view = Library(
        MaskedIndex(library.index, hidden, extra),  # type: ignore[arg-type]
        data,
        library.folder,
        data_dir=library.data_dir,
        strict=library.strict,
        _timeline=library._timeline,
    )
    for name in _SHARED:
        if name in library.__dict__ and name != "semantic":  # the semantic part holds the index
            view.__dict__[name] = library.__dict__[name]
    return view


@dataclass(frozen=True)
class SourceChanges:
    """What a refresh found in the folder, by source id."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass
class _Digests:
    """Each file's digest, remembered by its stat, so a refresh reads only files that changed."""

    known: dict[str, tuple[tuple[int, int, int], str]] = field(default_factory=dict)

    def of(self, path: Path, root: Path) -> str | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = (st.st_size, st.st_mtime_ns, st.st_ino)
        found = self.known.get(str(path))
        if found is not None and found[0] == key:
            return found[1]
        try:
            digest = file_digest(read_source_file(path, root))
        except (OSError, ValueError):
            return None
        self.known[str(path)] = (key, digest)
        return digest


class LiveLibrary:
    """The base library, its hidden sources and the segment of new or changed ones."""

    def __init__(
        self,
        base: Library,
        *,
        hidden: frozenset[str] = frozenset(),
        segment: Library | None = None,
        parsed: dict[str, Source] | None = None,
        digests: _Digests | None = None,
        unread: frozenset[str] = frozenset(),
        warnings: tuple[str, ...] = (),
    ) -> None:
        self.base = base
        self.hidden = hidden
        self.segment = segment
        extra = segment.index if segment is not None else None
        self.visible = masked(base, hidden, extra) if hidden or extra is not None else base
        self._parsed = parsed or {}  # digest -> source, for the pending sources
        self.digests = digests or _Digests()
        # Files in the folder that could not be read or parsed: their sources are not served,
        # but not known to be gone either (a moderator's correction of them waits).
        self.unread = unread
        self.warnings = warnings  # the files of the last refresh that were skipped, and why
        data = base.data
        self.hidden_passages = sum(data.paragraph_count(i) for i in hidden)

    @property
    def changed(self) -> frozenset[str]:
        """Sources whose passages differ from the base's: cached answers quoting them are stale."""
        added = {s.source_id for s in self.segment.sources} if self.segment else set()
        return self.hidden | added

    def library_of(self, source_id: str) -> Library | None:
        """The part that serves a source now: the base, the segment, or None (gone)."""
        if source_id not in self.hidden:
            return self.visible
        if self.segment is not None and source_id in {s.source_id for s in self.segment.sources}:
            return self.segment
        return None

    @property
    def state_key(self) -> str:
        """ "" for the library as built, else a short digest of its changes: what cached answers
        computed over this state are keyed by, beside the build's key."""
        if not self.changed:
            return ""
        parts = sorted(f"-{i}" for i in self.hidden)
        if self.segment is not None:
            parts += sorted(f"+{s.source_id}:{s.digest}" for s in self.segment.sources)
        return "+" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]

    @property
    def segment_passages(self) -> int:
        return self.segment.data.n_passages if self.segment is not None else 0

    def sources(self) -> list[tuple[Source, int]]:
        """Every source served, with its paragraph count: the base's unhidden ones, then the
        segment's."""
        rows = [
            (s, n)
            for s, n in zip(self.base.sources, self.base.data.paragraph_counts(), strict=True)
            if s.source_id not in self.hidden
        ]
        if self.segment is not None:
            rows += zip(self.segment.sources, self.segment.data.paragraph_counts(), strict=True)
        return rows

    def refreshed(self, *, strict: bool = False) -> tuple[LiveLibrary, SourceChanges]:
        """The library as the corpus folder is now: only new or changed files are parsed, and
        only the segment is built again."""
        folder, files = source_files(self.base.folder)
        root = folder.resolve()
        current: dict[str, tuple[Path, str]] = {}
        unread: set[str] = set()
        for path in files:
            digest = self.digests.of(path, root)
            if digest is None:
                unread.add(path.stem)
            else:
                current[path.stem] = (path, digest)
        in_base = {s.source_id: s.digest for s in self.base.sources}
        hidden = frozenset(i for i, d in in_base.items() if current.get(i, (None, None))[1] != d)
        pending = {i: pd for i, pd in current.items() if in_base.get(i) != pd[1]}
        warnings: list[str] = []
        parsed = {d: self._parsed[d] for _, d in pending.values() if d in self._parsed}
        unparsed = [path for path, d in pending.values() if d not in parsed]
        for source in iter_sources(unparsed, warnings, strict=strict):
            parsed[source.digest or ""] = source
        sources = [parsed[d] for _, d in sorted(pending.values()) if d in parsed]
        unread |= {i for i, (_, d) in pending.items() if d not in parsed}
        segment = _segment(masked(self.base, hidden), sources) if sources else None
        live = LiveLibrary(
            self.base,
            hidden=hidden,
            segment=segment,
            parsed=parsed,
            digests=self.digests,
            unread=frozenset(unread),
            warnings=tuple(warnings),
        )
        return live, _changes(self.served(), live.served(), warnings)

    def served(self) -> dict[str, str | None]:
        """Each served source's id and digest."""
        return {s.source_id: s.digest for s, _ in self.sources()}


def _changes(
    before: dict[str, str | None], after: dict[str, str | None], warnings: list[str]
) -> SourceChanges:
    """Sources added, changed and removed between two states (id -> digest)."""
    return SourceChanges(
        added=tuple(sorted(after.keys() - before.keys())),
        changed=tuple(sorted(i for i in after.keys() & before.keys() if after[i] != before[i])),
        removed=tuple(sorted(before.keys() - after.keys())),
        warnings=tuple(warnings),
    )


def _segment(base: Library, sources: list[Source]) -> Library:
    """The new or changed sources built on their own, scored with the statistics of the base
    (as masked: its hidden sources left out) and the segment together."""
    parent = Path(base.data_dir) / "segments" if base.data_dir is not None else None
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="segment-", dir=parent))
    index, data = build_library(
        sources, scratch, [], "segment", Progress.quiet(), background=base.index
    )
    weakref.finalize(data, shutil.rmtree, scratch, True)
    # Sentence lengths are normalised by the mean over the library and the segment together.
    sentences = base.data.n_sentences + data.n_sentences
    data.avg_len = (
        base.data.avg_len * base.data.n_sentences + data.avg_len * data.n_sentences
    ) / max(sentences, 1)
    return Library(index, data, base.folder, strict=base.strict)
