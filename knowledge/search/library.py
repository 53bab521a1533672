"""A corpus with its index and derived data, built once per corpus fingerprint and memory-mapped.

Opening a library whose data is saved reads no source file: the files' names, sizes and
modification times (a stat each) are looked up in a small table of fingerprints already
computed; only an unknown state of the folder is hashed (streamed), and only an unknown
fingerprint is parsed and built (knowledge/search/library_build.py).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import weakref
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.corpus import (
    SKIPPED,
    CorpusError,
    _aliases_text,
    content_fingerprint,
    fingerprinted,
    iter_sources,
    no_sources,
    source_files,
    stat_key,
)
from knowledge.files import write_atomically
from knowledge.models import Source
from knowledge.search.build_once import load_or_build, lock_path
from knowledge.search.housekeeping import remove_old_builds
from knowledge.search.index import _META as INDEX_META
from knowledge.search.index import IndexError_, PassageIndex
from knowledge.search.library_data import DataError, LibraryData, PassageTable, move_into_place
from knowledge.search.progress import Progress
from knowledge.search.sentences import SentenceStats

if TYPE_CHECKING:
    from knowledge.search.reading_data import ReadingData
    from knowledge.search.semantic import Semantic
    from knowledge.text.aliases import AliasLookup
    from knowledge.text.query_reading import QueryWords
    from knowledge.text.spelling import Speller
    from knowledge.timeline import Timeline

log = logging.getLogger(__name__)

LIBRARY_SUBDIR = "library"  # beside the index files in index/<fingerprint>/
_STATES = "corpus-states"  # $CITEBOT_DATA/corpus-states/<stat key>: that folder state's fingerprint
_LATEST = "corpus-latest"  # $CITEBOT_DATA/corpus-latest/<folder key>: its last full build


class SavedCorpus:
    """The corpus as a library sees it, from the saved data alone (no source file is read):
    fingerprint, warnings, the alias file's text, and sources with their passages, each
    materialised when asked for."""

    def __init__(self, data: LibraryData, folder: Path) -> None:
        self._data = data
        self.folder = folder
        self.fingerprint = data.fingerprint
        self.warnings = data.warnings
        self.aliases_text: str = data.meta.get("aliases_text", "")

    @property
    def sources(self) -> list[Source]:
        """Every source with its passages (the timeline, corrections): built on each call."""
        return [self._data.source_with_passages(s.source_id) for s in self._data.sources]

    @property
    def passages(self) -> PassageTable:
        return PassageTable(self._data)

    def source(self, source_id: str) -> Source:
        """One source with its passages."""
        return self._data.source_with_passages(source_id)


@dataclass
class Library:
    index: PassageIndex
    data: LibraryData
    folder: Path  # the corpus folder
    rebuilt: bool = False
    data_dir: Path | None = None
    strict: bool = False
    # An earlier build of the folder, opened as the base of its changes (knowledge/search/live.py).
    stale: bool = False
    _timeline: Timeline | None = field(default=None, repr=False)

    @property
    def fingerprint(self) -> str:
        return self.data.fingerprint

    @property
    def build_key(self) -> str:
        """What cached answers are keyed by: the corpus and this very build of its index, so a
        rebuilt index (a damaged one, or `citebot index`) never serves the old one's answers."""
        return f"{self.fingerprint}.{self.index.build_id}"

    @cached_property
    def passages(self) -> PassageTable:
        return PassageTable(self.data)

    @property
    def sources(self) -> list[Source]:
        """Every source's metadata (title, date, url), in order, without parsing a file."""
        return self.data.sources

    @cached_property
    def corpus(self) -> SavedCorpus:
        return SavedCorpus(self.data, self.folder)

    @property
    def timeline(self) -> Timeline:
        """Dated events, built on first use and saved per fingerprint beside the index."""
        if self._timeline is None:
            from knowledge.timeline import load_or_build_timeline

            self._timeline = load_or_build_timeline(self.corpus, self.data_dir)  # type: ignore[arg-type]
        return self._timeline

    @cached_property
    def sentences(self) -> SentenceStats:
        """Sentence-level terms and statistics, read from the saved data as needed."""
        return SentenceStats(self.data)

    @cached_property
    def semantic(self) -> Semantic:
        """Word vectors over this library's vocabulary, sentences and paragraphs."""
        from knowledge.search.semantic import Semantic
        from knowledge.text.embeddings import default_vectors

        near = self.data.strings["near"]
        pairs = [entry.split("\n") for entry in near]
        return Semantic(
            self.sentences,
            self.index,
            default_vectors(),
            near=(
                [w for w, _ in pairs],
                [s for _, s in pairs],
                self.data.arrays["near_matrix"],
            ),
            passages=self.data.arrays["passage_vectors"],
        )

    @cached_property
    def reading(self) -> ReadingData:
        """Name casing, alias groups and spelling counts, saved by the build: no passage is
        scanned to answer a process's first question."""
        from knowledge.search.reading_data import load_reading

        try:
            return load_reading(self.data.folder)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"cannot read the reading data in {self.data.folder}: {exc}") from exc

    @cached_property
    def speller(self) -> Speller:
        """The corpus' spelling dictionary, counted by the build."""
        from knowledge.text.spelling import Speller

        return Speller(self.reading.spelling)

    @cached_property
    def query_words(self) -> QueryWords:
        """What reading a question needs to know about this library's words."""
        from knowledge.text.embeddings import default_vectors
        from knowledge.text.query_reading import QueryWords

        reading = self.reading
        speller = self.speller
        return QueryWords(
            vocabulary=Either(speller.counts, self.sentences.vocabulary),
            counts=speller.counts,
            names=reading.names,
            phrases=reading.phrases,
            speller=speller,
            english=default_vectors().tokens,
            capitalised=reading.capitalised,
        )

    @property
    def aliases(self) -> AliasLookup:
        """Names that mean the same person or thing: learned from the sources, and the
        corpus folder's aliases.txt (gathered by the build)."""
        return self.reading.aliases


class Either(Collection[str]):
    """Membership in either of two collections, without copying a large one into a set."""

    def __init__(self, first: Collection[str], second: Collection[str]) -> None:
        self._first, self._second = first, second

    def __contains__(self, word: object) -> bool:
        return word in self._first or word in self._second

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._first, *self._second]))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def index_dir(data_dir: Path, fingerprint: str) -> Path:
    return Path(data_dir) / "index" / fingerprint


def open_library(
    corpus_dir: Path | str | None,
    data_dir: Path | None,
    *,
    strict: bool = False,
    rebuild: bool = False,
    progress: Progress | None = None,
    earlier: bool = False,
) -> Library:
    """Open the saved library of the corpus; build and save it when missing, stale or damaged.

    With `data_dir=None` everything lives in a temporary folder (tests, read-only installs).
    `earlier`: when the folder changed since its last build, that build is opened (marked
    `stale`) for the caller to apply the changes to, instead of building the folder again.
    """
    folder, files = source_files(corpus_dir)
    if not files:
        raise no_sources(folder, [])
    key = stat_key(fingerprinted(folder, files)) if data_dir is not None else None
    known = None
    told: set[str] = set()  # the saved data is looked at up to three times: say why only once
    if data_dir is not None and key is not None and not rebuild:
        known = _known_fingerprint(data_dir, key)
        library = _load(folder, data_dir, known, strict, told) if known else None
        if library is not None:
            return library
    fingerprint = content_fingerprint(fingerprinted(folder, files))
    if data_dir is not None and not rebuild and fingerprint != known:
        library = _load(folder, data_dir, fingerprint, strict, told)
        if library is not None:
            _remember(data_dir, key, fingerprint)
            _remember(data_dir, _folder_key(folder), fingerprint, _LATEST)
            return library
        if earlier:
            library = _load_latest(folder, data_dir, strict)
            if library is not None:
                return library

    def build() -> Library:
        library = _build(folder, files, data_dir, fingerprint, strict, progress or Progress())
        if data_dir is not None:
            _remember(data_dir, key, fingerprint)
            _remember(data_dir, _folder_key(folder), fingerprint, _LATEST)
        return library

    if data_dir is None:
        return build()
    # Processes sharing the data folder build it once: the others wait on the lock, then load
    # what the first saved (knowledge/search/build_once.py).
    return load_or_build(
        lock_path(data_dir, "index", fingerprint),
        lambda: _load(folder, data_dir, fingerprint, strict, told),
        build,
        what=f"the library in {index_dir(data_dir, fingerprint)}",
        force=rebuild,
    )


def _load(
    folder: Path, data_dir: Path, fingerprint: str, strict: bool, told: set[str] | None = None
) -> Library | None:
    target = index_dir(data_dir, fingerprint)
    if not target.is_dir():
        return None
    try:
        index = PassageIndex.load(target)
        data = LibraryData.load(target / LIBRARY_SUBDIR, fingerprint)
        if index.n_docs != data.n_passages:
            raise DataError(f"index and library data in {target} disagree (damaged?)")
    except (IndexError_, DataError) as exc:
        if told is None or str(exc) not in told:
            log.warning("%s; rebuilding", exc)
        if told is not None:
            told.add(str(exc))
        return None
    skipped = [w for w in data.warnings if w.startswith(SKIPPED)]
    if strict and skipped:  # as loading would under --strict (notes are not fatal)
        raise CorpusError(skipped[0])
    return Library(index, data, folder, data_dir=data_dir, strict=strict)


def _build(
    folder: Path,
    files: list[Path],
    data_dir: Path | None,
    fingerprint: str,
    strict: bool,
    progress: Progress,
) -> Library:
    from knowledge.search.library_build import build_library

    if data_dir is None:
        scratch = Path(tempfile.mkdtemp(prefix="citebot-"))
        work = scratch / LIBRARY_SUBDIR
    else:
        target = index_dir(data_dir, fingerprint)
        # Hidden: search.housekeeping removes only stale hidden entries, never a live build.
        scratch = target.with_name(f".{target.name}.{os.getpid()}.building")
        work = scratch / LIBRARY_SUBDIR
    shutil.rmtree(scratch, ignore_errors=True)
    warnings: list[str] = []
    sizes = {f.stem: _size(f) for f in files}
    progress.phase("reading sources", sum(sizes.values()), unit="B")

    def sources():
        for source in iter_sources(files, warnings, strict=strict):
            yield source
            progress.advance(sizes.get(source.source_id, 0))

    try:
        aliases = _aliases_text(folder, folder.resolve(), hashlib.sha256(), warnings, strict)
        index, data = build_library(
            sources(), work, warnings, fingerprint, progress, aliases_text=aliases
        )
        if data.n_passages == 0:
            raise no_sources(folder, warnings)
    except BaseException:
        progress.close()
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    if data_dir is None:
        weakref.finalize(data, shutil.rmtree, scratch, True)
        progress.finished(f"{data.n_passages} passages")
        return Library(index, data, folder, rebuilt=True, strict=strict)
    progress.phase("saving", None)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        index.save(target)
        move_into_place(work, target / LIBRARY_SUBDIR)
        shutil.rmtree(scratch, ignore_errors=True)
        data = LibraryData.load(target / LIBRARY_SUBDIR, fingerprint)
        remove_old_builds(data_dir, keep=fingerprint)
    except (OSError, DataError) as exc:
        log.warning(
            "cannot save the library under %s (%s); using it from a temporary folder",
            target,
            getattr(exc, "strerror", None) or exc,
        )
        weakref.finalize(data, shutil.rmtree, scratch, True)
    progress.finished(f"{data.n_passages} passages")
    return Library(index, data, folder, rebuilt=True, data_dir=data_dir, strict=strict)


def _known_fingerprint(data_dir: Path, key: str, table: str = _STATES) -> str | None:
    try:
        found = (Path(data_dir) / table / key).read_text().strip()
    except OSError:
        return None
    return found if found.isalnum() else None


def _load_latest(folder: Path, data_dir: Path, strict: bool) -> Library | None:
    """The folder's last full build, if it is still saved, marked stale."""
    fingerprint = _known_fingerprint(data_dir, _folder_key(folder), _LATEST)
    library = _load(folder, data_dir, fingerprint, strict) if fingerprint else None
    if library is not None:
        library.stale = True
    return library


def _folder_key(folder: Path) -> str:
    return hashlib.sha256(os.fsencode(folder.resolve())).hexdigest()[:32]


def _remember(data_dir: Path, key: str | None, fingerprint: str, table_name: str = _STATES) -> None:
    """Record which fingerprint this state of the corpus folder has; best effort."""
    if key is None:
        return
    table = Path(data_dir) / table_name
    try:
        table.mkdir(parents=True, exist_ok=True)
        write_atomically(table / key, fingerprint)
    except OSError as exc:
        log.debug("cannot record the corpus fingerprint under %s: %s", table, exc)


def corpus_fingerprint(corpus_dir: Path | str | None, data_dir: Path | None) -> str:
    """The corpus fingerprint without parsing: remembered for this state of the folder (one
    stat per file), else the streamed hash of the files' bytes."""
    folder, files = source_files(corpus_dir)
    if not files:
        raise no_sources(folder, [])
    if data_dir is not None:
        key = stat_key(fingerprinted(folder, files))
        known = _known_fingerprint(data_dir, key)
        if known is not None:
            return known
        fingerprint = content_fingerprint(fingerprinted(folder, files))
        _remember(data_dir, key, fingerprint)
        return fingerprint
    return content_fingerprint(fingerprinted(folder, files))


def saved_build_key(corpus_dir: Path | str | None, data_dir: Path | None) -> str | None:
    """The build key (`Library.build_key`) of the corpus' saved build, read without loading it
    or reading a source file once the folder's state is known; None when nothing is saved."""
    if data_dir is None:
        return None
    fingerprint = corpus_fingerprint(corpus_dir, data_dir)
    try:
        meta = json.loads((index_dir(data_dir, fingerprint) / INDEX_META).read_text())
        build = str(meta["build"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (index_dir(data_dir, fingerprint) / LIBRARY_SUBDIR).is_dir():
        return None
    return f"{fingerprint}.{build}"


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:  # a broken link: the loader refuses it with a warning
        return 0
