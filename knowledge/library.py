"""A loaded corpus with its index, built once per corpus fingerprint and reused from disk."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.corpus import Corpus, load_corpus
from knowledge.index import IndexError_, PassageIndex
from knowledge.models import Passage
from knowledge.sentences import SentenceStats

if TYPE_CHECKING:
    from knowledge.aliases import Aliases
    from knowledge.query_reading import QueryWords
    from knowledge.semantic import Semantic
    from knowledge.spelling import Speller
    from knowledge.timeline import Timeline

log = logging.getLogger(__name__)


@dataclass
class Library:
    corpus: Corpus
    index: PassageIndex
    rebuilt: bool = False
    data_dir: Path | None = None

    @property
    def fingerprint(self) -> str:
        return self.corpus.fingerprint

    @property
    def passages(self) -> list[Passage]:
        return self._passages

    def __post_init__(self) -> None:
        self._passages = self.corpus.passages
        self._timeline: Timeline | None = None

    @property
    def timeline(self) -> Timeline:
        """Dated events, built on first use and saved per fingerprint beside the index."""
        if self._timeline is None:
            from knowledge.timeline import load_or_build_timeline

            self._timeline = load_or_build_timeline(self.corpus, self.data_dir)
        return self._timeline

    @cached_property
    def sentences(self) -> SentenceStats:
        """Sentence-level terms and statistics for answering, computed on first use."""
        return SentenceStats.build(self._passages)

    @cached_property
    def semantic(self) -> Semantic:
        """Word vectors over this library's vocabulary and sentences, built on first use."""
        from knowledge.embeddings import default_vectors
        from knowledge.semantic import Semantic

        return Semantic(self.sentences, self.index, default_vectors())

    @cached_property
    def speller(self) -> Speller:
        """The corpus' spelling dictionary, saved per fingerprint beside the index."""
        from knowledge.spelling import load_or_build_speller

        return load_or_build_speller(self._passages, self.fingerprint, self.data_dir)

    @cached_property
    def name_counts(self) -> Counter[str]:
        """The corpus' names and how often each is mentioned (knowledge/names.py)."""
        from knowledge.names import name_counts

        return name_counts(self.corpus)

    @cached_property
    def query_words(self) -> QueryWords:
        """What reading a question needs to know about this library's words."""
        from knowledge.embeddings import default_vectors
        from knowledge.query_reading import QueryWords, name_casing

        stats = self.sentences
        speller = self.speller
        named = [n for n, _ in self.name_counts.most_common()]
        names, phrases, capitalised = name_casing(named, stats.texts)
        return QueryWords(
            vocabulary=frozenset(speller.counts) | frozenset(stats.vocabulary),
            counts=speller.counts,
            names=names,
            phrases=phrases,
            speller=speller,
            english=default_vectors().tokens,
            capitalised=capitalised,
        )

    @cached_property
    def aliases(self) -> Aliases:
        """Names that mean the same person or thing: learned from the sources, and the
        corpus folder's aliases.txt."""
        from knowledge.aliases import build_aliases

        return build_aliases(
            self.name_counts,
            self.query_words.capitalised,
            self.sentences.texts,
            self.corpus.aliases_text,
            self.sentences.common_words,
        )


def index_dir(data_dir: Path, fingerprint: str) -> Path:
    return Path(data_dir) / "index" / fingerprint


def open_library(
    corpus_dir: Path | str | None,
    data_dir: Path | None,
    *,
    strict: bool = False,
    rebuild: bool = False,
) -> Library:
    """Load the corpus and its saved index; build and save the index when it is missing or stale.

    With `data_dir=None` the index lives in memory only (tests, read-only installs).
    """
    corpus = load_corpus(corpus_dir, strict=strict)
    folder = index_dir(data_dir, corpus.fingerprint) if data_dir is not None else None
    if folder is not None and not rebuild and folder.is_dir():
        try:
            return Library(corpus, PassageIndex.load(folder), data_dir=data_dir)
        except IndexError_ as exc:
            log.warning("%s; rebuilding", exc)
    index = PassageIndex.build(corpus.passages)
    if folder is not None:
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            index.save(folder)
        except OSError as exc:
            log.warning(
                "cannot save the index under %s (%s); using it from memory",
                folder,
                exc.strerror or exc,
            )
    library = Library(corpus, index, rebuilt=True, data_dir=data_dir)
    if data_dir is not None:
        library.speller  # noqa: B018 - its dictionary is saved with the index
    return library
