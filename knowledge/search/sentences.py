"""Sentence-level statistics of a library: terms per sentence, casing, lemmas.

Built by one owner, the library builder (knowledge/search/library_build.py), with the rest of
the library; this module only reads them, so it imports nothing that builds.

The index scores paragraphs; answering ranks sentences. The corpus-wide parts (sentence spans,
words seen lowercase, lemma groups, vocabulary, mean sentence length) are built once per
corpus and memory-mapped (knowledge/search/library_data.py); what only candidates need (a sentence's
terms, term set, mentions, word positions) is computed for the sentences a question ranks and
remembered in bounded caches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Generic, TypeVar

from knowledge.models import Span
from knowledge.search.index import passage_text
from knowledge.search.library_data import LibraryData, Strings, WordGroups
from knowledge.text.analysis import analyze, fold, stem
from knowledge.text.lemmas import lemma_key
from knowledge.text.mentions import TypedSpan, find_mentions

_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+")
_CACHED = 1 << 16  # sentences whose derived objects are remembered

T = TypeVar("T")


class LazyList(dict[int, T], Generic[T]):
    """A read-only list of `size` items, each computed on first access and remembered (at
    most `cached`, then forgotten all at once). A dict underneath, so a remembered item costs
    one C lookup, as a list item would."""

    def __init__(self, size: int, item: Callable[[int], T], cached: int = _CACHED) -> None:
        super().__init__()
        self._size = size
        self._item = item
        self._cached = cached

    def __missing__(self, i: int) -> T:
        at = int(i)
        if not 0 <= at < self._size:
            raise IndexError(i)
        value = self._item(at)
        if self._cached:
            if dict.__len__(self) >= self._cached:
                self.clear()
            self[at] = value
        return value

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[T]:  # type: ignore[override]
        return (self[i] for i in range(self._size))


class SentenceStats:
    """Sentences of a library by position; passages' sentences are contiguous."""

    def __init__(self, data: LibraryData) -> None:
        a, s = data.arrays, data.strings
        self.data = data
        self.passage_of = a["passage_of"]  # sentence -> passage position
        self.first = a["first"]  # passage -> its first sentence, plus the end
        self.avg_len: float = data.avg_len
        self.common_words: Strings = s["common"]  # seen lowercase mid-sentence: not names
        self.lemma_groups = WordGroups(s["lemma_keys"], s["lemma_values"])
        self.vocabulary: Strings = s["vocabulary"]  # distinct folded content words, sorted
        n, n_passages = data.n_sentences, data.n_passages
        self.spans: LazyList[Span] = LazyList(n, self._span, cached=0)
        self.texts: LazyList[str] = LazyList(n, self._text)
        self.terms: LazyList[tuple[str, ...]] = LazyList(n, self._terms)
        self.term_sets: LazyList[frozenset[str]] = LazyList(n, lambda i: frozenset(self.terms[i]))
        self.passage_sets: LazyList[frozenset[str]] = LazyList(
            n_passages, lambda p: frozenset(self._passage_terms(p))
        )
        self._mentions = lru_cache(maxsize=_CACHED)(self._find_mentions)
        self._stems = lru_cache(maxsize=_CACHED)(self._positions)

    def _span(self, s: int) -> Span:
        return Span(
            start=int(self.data.arrays["sent_start"][s]), end=int(self.data.arrays["sent_end"][s])
        )

    def _text(self, s: int) -> str:
        a = self.data.arrays
        text = self.data.passage_text(int(a["passage_of"][s]))
        return text[int(a["sent_start"][s]) : int(a["sent_end"][s])]

    def _terms(self, s: int) -> tuple[str, ...]:
        return tuple(analyze(self.texts[s]))

    def _passage_terms(self, p: int) -> list[str]:
        data = self.data
        section = data.section(p)
        text = data.passage_text(p)
        return analyze(f"{section}\n{text}" if section else text)

    def of_passage(self, p: int) -> range:
        return range(int(self.first[p]), int(self.first[p + 1]))

    def mentions(self, s: int) -> list[TypedSpan]:
        return self._mentions(int(s))

    def _find_mentions(self, s: int) -> list[TypedSpan]:
        return find_mentions(self.texts[s], self.common_words)

    def positions(self, s: int) -> list[tuple[int, str]]:
        """(character offset, stem) of every word of sentence `s`, found once."""
        return self._stems(int(s))

    def _positions(self, s: int) -> list[tuple[int, str]]:
        return [(m.start(), stem(fold(m.group()))) for m in _WORD.finditer(self.texts[s])]

    def variants(self, word: str) -> frozenset[str]:
        """Index terms that share the word's lemma ("met" for "meet", "bought" for "buy")."""
        return self.lemma_groups.get(lemma_key(word), frozenset()) | {stem(word)}


__all__ = ["SentenceStats", "passage_text"]
