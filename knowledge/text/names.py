"""Names of people, places and events in the articles: runs of capitalised words.

Used to suggest what a timeline can be filtered `about`. A lone capitalised word is a name only
if the corpus never writes it in lower case and uses it inside a sentence (so "The", "After",
"However" are not names), unless it sits in a longer run ("Met Gala", "White House").
Calendar words (months, weekdays, seasons) are dates, not topics.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter

from knowledge.corpus import Corpus

_WORD = re.compile(r"[^\W\d_][\w\u2019'.-]*")
_POSSESSIVE = re.compile(r"(?:['\u2019]s|['\u2019])$")
_CONNECTORS = frozenset({"of", "de", "del", "du", "la", "van", "von", "da"})
_CALENDAR = frozenset(
    w.lower()
    for w in (*calendar.month_name[1:], *calendar.day_name, "spring", "summer", "autumn", "winter")
)

Run = list[tuple[str, bool]]  # (word, starts the sentence)


def _runs(sentence: str) -> list[Run]:
    """Runs of adjacent capitalised words, possibly joined by connectors ("Museum of Art")."""
    runs: list[Run] = []
    current: Run = []

    def close() -> None:
        nonlocal current
        while current and current[-1][0] in _CONNECTORS:
            current.pop()
        if current:
            runs.append(current)
        current = []

    last_end = -1
    for i, match in enumerate(_WORD.finditer(sentence)):
        if not current and not match.group()[:1].isupper():
            continue  # nothing open, nothing opened: the common case, skipped quickly
        word = match.group().rstrip(".-")
        adjacent = sentence[last_end : match.start()] == " "
        if not adjacent:
            close()
        if word[:1].isupper():
            current.append((word, i == 0))
        elif current and word in _CONNECTORS:
            current.append((word, False))
        else:
            close()
        if _POSSESSIVE.search(word) or sentence[match.end() : match.end() + 1] in ",;:)":
            close()
        last_end = match.end()
    close()
    return runs


def named_things(corpus: Corpus, limit: int = 200) -> list[str]:
    """Names found in the passages, most mentioned first."""
    return [n for n, _ in name_counts(corpus).most_common(limit)]


def name_counts(corpus: Corpus) -> Counter[str]:
    """Names found in the passages and how often each is mentioned."""
    runs = NameRuns()
    for passage in corpus.passages:
        for text in passage.sentence_texts() or [passage.text]:
            runs.add(text)
    return runs.counts()


class NameRuns:
    """Counts names sentence by sentence (a library's build streams its sentences through
    it); which runs are names is settled at the end, once every lowercase word is known."""

    def __init__(self) -> None:
        self.lower: set[str] = set()
        self.runs: Counter[tuple[tuple[str, ...], bool]] = Counter()  # (words, starts) -> n

    def add(self, sentence: str) -> None:
        self.lower.update([w.lower() for w in _WORD.findall(sentence) if w[:1].islower()])
        for run in _runs(sentence):
            self.runs[tuple(_POSSESSIVE.sub("", w) for w, _ in run), run[0][1]] += 1

    def counts(self) -> Counter[str]:
        lower = self.lower
        counts: Counter[str] = Counter()
        inside: set[str] = set()  # lone words seen away from a sentence start
        for (run, starts), n in self.runs.items():
            words = list(run)
            while words and (words[0].lower() in lower and (len(words) == 1 or starts)):
                words, starts = words[1:], False  # a common word capitalised at sentence start
            words = [w for w in words if w.lower() not in _CALENDAR] if len(words) == 1 else words
            if not words:
                continue
            name = " ".join(words)
            if len(words) == 1:
                if len(name) < 3:
                    continue
                if not starts:
                    inside.add(name)
            counts[name] += n
        return Counter({n: c for n, c in counts.items() if " " in n or n in inside})
