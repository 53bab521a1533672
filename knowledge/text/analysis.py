"""Text analysis shared by indexing, answering and the timeline: one analyzer, one behaviour.

Queries and passages must go through the same steps, so every module tokenizes with
`analyze()`; bump ANALYZER_VERSION whenever its output changes so saved indexes are rebuilt.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import Stemmer

from knowledge.models import Span


def _stopword_file() -> tuple[str, ...]:
    """bm25s' extended English list, shipped as a data file so analysis needs no search engine."""
    text = resources.files("knowledge").joinpath("data/stopwords_en.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


STOPWORDS_EN_PLUS = _stopword_file()

ANALYZER_VERSION = "1"

# The words that open an English question: the wh-word and the auxiliary verb before the
# subject. Reading a question (question types, follow-ups) tells them from the topic words.
QUESTION_WORDS = frozenset(["when", "where", "who", "whom", "whose", "why", "how", "which", "what"])
AUXILIARIES = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "can",
        "could",
        "will",
        "would",
        "should",
        "might",
        "may",
        "must",
    ]
)

# Lucene's English list extended with question words: they carry the question's shape, not
# its topic, so they must not pull passages in.
STOPWORDS: frozenset[str] = frozenset(STOPWORDS_EN_PLUS) | {
    "what",
    "when",
    "where",
    "which",
    "who",
    "whom",
    "whose",
    "why",
    "how",
    "did",
    "does",
    "do",
    "was",
    "were",
    "is",
    "are",
    "has",
    "have",
    "had",
    "s",
    "t",
    "d",
    "ll",
    "re",
    "ve",
}

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": " - ",
        "\u2026": "...",
        "\u00a0": " ",
    }
)
_WORD = re.compile(r"[^\W_]+(?:['.][^\W_]+)*")
# ASCII text is split with str methods (several times faster than the regex): every ASCII
# character that cannot be in a word becomes a space; "." and "'" stay, being word-inner.
_ASCII_SEPARATORS = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) in "'.")}
)
_STEMMER = Stemmer.Stemmer("english")
# For whole texts; its own cache costs more than it saves (measured), so it is off.
_LIST_STEMMER = Stemmer.Stemmer("english")
_LIST_STEMMER.maxCacheSize = 0


def fold(text: str) -> str:
    """Lowercase, straighten quotes and strip accents, so "Sánchez" matches "Sanchez"."""
    if text.isascii():  # nothing to straighten or strip; isascii() is O(1) on str
        return text.lower()
    text = text.translate(_TRANSLATE)
    if text.isascii():  # only curly quotes and dashes, now straight
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_NO_COMBINING).lower()


class _CombiningMarks(dict):
    """str.translate table deleting combining marks, filled one distinct character at a time
    (a C lookup per character instead of a Python call)."""

    def __missing__(self, code: int) -> int | None:
        found = self[code] = None if unicodedata.combining(chr(code)) else code
        return found


_NO_COMBINING = _CombiningMarks()


def words(text: str) -> list[str]:
    """Folded word tokens with possessives and inner dots removed ("Kim's" -> "kim")."""
    folded = fold(text)
    if not folded.isascii():
        return _clean(_WORD.findall(folded))
    # A "." before a space ends a sentence, never a word: dropping it often leaves no "." or
    # "'" at all, and then the chunks between spaces are exactly the regex's words.
    spaced = (folded.translate(_ASCII_SEPARATORS) + " ").replace(". ", " ")
    if "." not in spaced and "'" not in spaced:
        return spaced.split()
    out: list[str] = []
    for chunk in spaced.split():  # a regex word never spans a space, so split first
        if "'" in chunk or "." in chunk:
            out += _clean(_WORD.findall(chunk))
        else:
            out.append(chunk)
    return out


def _clean(tokens: list[str]) -> list[str]:
    out = []
    for token in tokens:
        if "'" in token or "." in token:
            if token.endswith("'s"):
                token = token[:-2]
            token = token.replace(".", "").replace("'", "")
            if not token:
                continue
        out.append(token)
    return out


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def analyze(text: str) -> list[str]:
    """Index terms: folded words, stopwords dropped, Snowball-stemmed.

    Stemmed in one call: on large vocabularies most words would miss `stem`'s cache, and a
    miss costs more than stemming (measured).
    """
    return _LIST_STEMMER.stemWords([w for w in words(text) if w not in STOPWORDS])


def word_terms(tokens: list[str]) -> list[str]:
    """The term of each of some `words()`, "" for a stopword, so that
    `analyze(text) == [t for t in word_terms(words(text)) if t]`: a word's term never depends
    on its neighbours, which lets the index analyse each distinct word of a corpus once."""
    stems = _LIST_STEMMER.stemWords(tokens)
    return ["" if w in STOPWORDS else t for w, t in zip(tokens, stems, strict=True)]


# --- sentences --------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "inc",
        "co",
        "corp",
        "ltd",
        "no",
        "gen",
        "sen",
        "rep",
        "gov",
        "prof",
        "capt",
        "col",
        "lt",
        "sgt",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
        "ft",
        "ave",
        "blvd",
        "u.s",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace.
_BOUNDARY = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*\s+")
_NEXT_STARTS_SENTENCE = re.compile(r"[\"'\u201c\u2018(\[]*[A-Z0-9\u00c0-\u024f]")


def _is_abbreviation(text: str, dot_index: int) -> bool:
    if text[dot_index] != ".":
        return False
    start = dot_index
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot_index].lower()
    if start > 0 and text[start - 1] in "'\u2019":
        return False  # "can't." ends a sentence
    # Single letters ("J. Smith") and dotted initialisms ("L.A.", "U.S.") are not ends.
    return word in _ABBREVIATIONS or len(word) == 1 or ("." in word and len(word) <= 4)


def split_sentences(text: str) -> list[Span]:
    """Sentence spans over `text`, so quotes are exact substrings of the paragraph."""
    spans: list[Span] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end_of_sentence = match.end() - len(match.group()) + len(match.group().rstrip())
        nxt = match.end()
        if nxt >= len(text) or not _NEXT_STARTS_SENTENCE.match(text, nxt):
            continue
        if _is_abbreviation(text, match.start()) and match.group().rstrip() == ".":
            continue
        if text[start:end_of_sentence].strip():
            spans.append(Span(start=start, end=end_of_sentence))
        start = nxt
    tail = text[start:].rstrip()
    if tail.strip():
        spans.append(Span(start=start, end=start + len(tail)))
    return spans
