"""Spelling correction against a library's own vocabulary (symspellpy).

A question word that the sources never use and that is no English word either ("eletcion",
"ivanak") is most likely a typo of a word they do use; SymSpell finds the library words within
a small edit distance (Damerau: a swap of two letters counts one). The word counts are taken
once per corpus fingerprint, in the library's streaming build, and saved with its data
(knowledge/search/reading_data.py); a process builds its SymSpell lookup from them on the first
question that needs it.

Which suggestion is taken (never a valid English word corrected, names only into names with the
same first letter) is decided in `knowledge/text/query_reading.py`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from symspellpy import SymSpell, Verbosity

from knowledge.models import Passage
from knowledge.text.analysis import words

log = logging.getLogger(__name__)

SPELLING_FORMAT = "# citebot spelling 1"
MAX_DISTANCE = 2


def word_counts(passages: Iterable[Passage]) -> Counter[str]:
    """Folded alphabetic words of the passages (headings included) and how often each occurs."""
    counts: Counter[str] = Counter()
    for passage in passages:
        text = f"{passage.section}\n{passage.text}" if passage.section else passage.text
        counts.update(w for w in words(text) if w.isalpha() and len(w) > 1)
    return counts


@dataclass(frozen=True)
class Suggestion:
    word: str
    distance: int
    count: int


class Speller:
    """Library words near a misspelt word; the SymSpell lookup is built on first use."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        self._symspell: SymSpell | None = None

    def _lookup(self) -> SymSpell:
        if self._symspell is None:
            symspell = SymSpell(max_dictionary_edit_distance=MAX_DISTANCE, prefix_length=7)
            for word, n in self.counts.items():
                symspell.create_dictionary_entry(word, n)
            self._symspell = symspell
        return self._symspell

    def suggestions(self, word: str, max_distance: int = MAX_DISTANCE) -> list[Suggestion]:
        """Library words at the smallest edit distance (at most `max_distance`), most
        frequent first; [] when none is that close."""
        if not word or max_distance < 1:
            return []
        found = self._lookup().lookup(
            word, Verbosity.CLOSEST, max_edit_distance=min(max_distance, MAX_DISTANCE)
        )
        return [Suggestion(s.term, s.distance, s.count) for s in found if s.distance > 0]
