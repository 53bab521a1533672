"""Spelling correction against a library's own vocabulary (symspellpy).

A question word that the sources never use and that is no English word either ("eletcion",
"ivanak") is most likely a typo of a word they do use; SymSpell finds the library words within
a small edit distance (Damerau: a swap of two letters counts one). The word counts are taken
once per corpus fingerprint, when the index is built, and saved beside it as a SymSpell
frequency dictionary (`data_dir/spelling/<fingerprint>.txt`, "word count" per line); a process
builds its SymSpell lookup from that file on the first question that needs it.

Which suggestion is taken (never a valid English word corrected, names only into names with the
same first letter) is decided in `knowledge/query_reading.py`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from symspellpy import SymSpell, Verbosity

from knowledge.analysis import words
from knowledge.files import write_atomically
from knowledge.models import Passage

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


def spelling_path(data_dir: Path, fingerprint: str) -> Path:
    """Beside the index: data_dir/spelling/<fingerprint>.txt."""
    return Path(data_dir) / "spelling" / f"{fingerprint}.txt"


def save_counts(counts: Counter[str], path: Path, fingerprint: str) -> None:
    """Write atomically, so a reader never sees half a dictionary."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{SPELLING_FORMAT} {fingerprint}"]
    lines += [f"{w} {n}" for w, n in sorted(counts.items())]
    write_atomically(path, "\n".join(lines) + "\n")


def load_counts(path: Path, fingerprint: str) -> Counter[str] | None:
    """The saved counts, or None when missing, unreadable or made for another corpus."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("cannot read the spelling dictionary %s (%s); rebuilding", path, exc)
        return None
    if not lines or lines[0] != f"{SPELLING_FORMAT} {fingerprint}":
        return None
    counts: Counter[str] = Counter()
    for line in lines[1:]:
        word, _, n = line.partition(" ")
        if not n.isdigit():
            log.warning("malformed spelling dictionary %s; rebuilding", path)
            return None
        counts[word] = int(n)
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


def load_or_build_speller(
    passages: Iterable[Passage], fingerprint: str, data_dir: Path | None
) -> Speller:
    """The saved dictionary of this corpus, or counts taken now (and saved when possible)."""
    path = spelling_path(data_dir, fingerprint) if data_dir is not None else None
    counts = load_counts(path, fingerprint) if path is not None else None
    if counts is None:
        counts = word_counts(passages)
        if path is not None:
            try:
                save_counts(counts, path, fingerprint)
            except OSError as exc:
                log.warning("cannot save the spelling dictionary to %s (%s)", path, exc)
    return Speller(counts)
