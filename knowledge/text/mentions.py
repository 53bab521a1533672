"""Typed mentions in a sentence: dates, numbers, names, places, reasons, manners.

A light tagger, no model: the timeline's date tagger (knowledge.temporal), capitalisation and
number words. It only has
to say whether a sentence *holds something of the kind a question asks for*; the ranker learns
how far to trust each kind.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from knowledge.temporal import find_dates
from knowledge.text.analysis import STOPWORDS, fold, words


class Kind(StrEnum):
    DATE = "date"
    NUMBER = "number"
    PERSON = "person"
    PLACE = "place"
    NAME = "name"  # any proper-name span: what "which X" questions usually want
    REASON = "reason"
    MANNER = "manner"
    QUOTE = "quote"  # quoted speech: what "what did X say / write / post" questions want


@dataclass(frozen=True)
class TypedSpan:
    """A stretch of a sentence of one kind (a number, a date, a name...): the material a
    candidate answer is made of. Not a timeline mention (knowledge.timeline.Mention)."""

    kind: Kind
    start: int
    end: int
    text: str
    words: frozenset[str]


_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million billion trillion dozen dozens half"
)
_NUMBER = re.compile(
    r"(?<![\w.])(?:[$\u00a3\u20ac]\s?)?\d+(?:,\d{3})*(?:\.\d+)?(?:st|nd|rd|th)?"
    r"(?:\s?(?:%|percent|per cent))?"
    r"|\b(?:"
    + "|".join(_NUMBER_WORDS.split())
    + r")(?:[- ](?:"
    + "|".join(_NUMBER_WORDS.split())
    + r"))*\b",
    re.IGNORECASE,
)
_YEAR_ONLY = re.compile(r"^(?:1[0-9]{3}|20[0-9]{2})$")
_REASON = re.compile(
    r"\b(?:because|due to|owing to|thanks to|as a result|in order to|so that|so as to|"
    r"the reason|reasons?|motivated|caused|since|therefore|hence|to help|to avoid|to secure|"
    r"to support|to make|to protect)\b",
    re.IGNORECASE,
)
_MANNER = re.compile(
    r"\b(?:through|by|via|thanks to|using|with the help of|after|over|during)\b", re.IGNORECASE
)
_TOKEN = re.compile(r"[A-Za-z0-9\u00c0-\u024f](?:[\w\u00c0-\u024f&]|['\u2019.\-](?=\w))*")
# Words that may sit inside a name between capitalised words ("Museum of Art", "Bin Laden").
_CONNECTORS = frozenset(["of", "the", "de", "da", "del", "la", "le", "van", "von", "al", "bin"])
_PLACE_PREPOSITIONS = frozenset(
    [
        "in",
        "at",
        "from",
        "near",
        "across",
        "outside",
        "inside",
        "throughout",
        "into",
        "toward",
        "towards",
        "around",
        "within",
        "between",
        "along",
        "off",
        "onto",
    ]
)
_DETERMINERS = frozenset(["the", "a", "an", "its", "their", "his", "her", "our", "this", "that"])
# Generic English heads of place names, not any corpus' strings.
_PLACE_HEADS = frozenset(
    [
        "city",
        "town",
        "village",
        "county",
        "state",
        "province",
        "country",
        "kingdom",
        "republic",
        "island",
        "islands",
        "river",
        "lake",
        "sea",
        "ocean",
        "bay",
        "mountain",
        "mountains",
        "valley",
        "street",
        "avenue",
        "road",
        "square",
        "park",
        "hotel",
        "restaurant",
        "museum",
        "university",
        "college",
        "school",
        "hospital",
        "airport",
        "station",
        "church",
        "cathedral",
        "palace",
        "house",
        "hall",
        "centre",
        "center",
        "stadium",
        "arena",
        "beach",
        "coast",
        "gulf",
        "desert",
        "forest",
        "district",
        "region",
        "harbour",
        "harbor",
        "bridge",
        "tower",
        "office",
    ]
)
# Quotations of three words or more; a quote left open runs to the end of the sentence.
_QUOTE = re.compile(r"[\u201c\"]([^\u201d\"]{12,})(?:[\u201d\"]|$)")
_OPENING = "\"'\u201c\u2018([\u2014-"


def is_capitalised(token: str) -> bool:
    return token[:1].isupper()


def _at_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:" + _OPENING


def find_mentions(
    text: str, common_words: Collection[str] = frozenset(), kinds: Collection[Kind] | None = None
) -> list[TypedSpan]:
    """Typed spans of `text`. `common_words` are lowercase words that are not names when
    capitalised at a sentence start ("However", "The"); the library learns them from casing."""
    out: list[TypedSpan] = []
    date_ranges = [(e.start, e.end) for e in find_dates(text)]
    for start, end in date_ranges:
        out.append(_mention(Kind.DATE, text, start, end))
    for m in _NUMBER.finditer(text):
        if _YEAR_ONLY.match(m.group().strip()) or _inside(m.start(), m.end(), date_ranges):
            continue
        out.append(_mention(Kind.NUMBER, text, m.start(), m.end()))
    out.extend(_names(text, common_words, date_ranges))
    out.extend(quotations(text))
    for pattern, kind in ((_REASON, Kind.REASON), (_MANNER, Kind.MANNER)):
        for m in pattern.finditer(text):
            out.append(_mention(kind, text, m.start(), len(text)))
            break
    if kinds is not None:
        out = [m for m in out if m.kind in kinds]
    return out


def quotations(text: str) -> list[TypedSpan]:
    """Quoted speech of three words or more (without its quotation marks)."""
    out = []
    for m in _QUOTE.finditer(text):
        mention = _mention(Kind.QUOTE, text, m.start(1), m.end(1))
        if len(mention.words) >= 3:
            out.append(mention)
    return out


def _inside(start: int, end: int, ranges: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in ranges)


def _mention(kind: Kind, text: str, start: int, end: int) -> TypedSpan:
    piece = text[start:end]
    return TypedSpan(kind, start, end, piece, frozenset(words(piece)))


def _names(
    text: str, common_words: Collection[str], dates: list[tuple[int, int]]
) -> list[TypedSpan]:
    """Runs of capitalised tokens; each is a NAME, and also a PLACE or a PERSON by context."""
    tokens = list(_TOKEN.finditer(text))
    out: list[TypedSpan] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i].group()
        if (
            not is_capitalised(tok)
            or tok == "I"
            or (
                _at_sentence_start(text, tokens[i].start())
                and (fold(tok) in common_words or fold(tok) in STOPWORDS)
            )
        ):
            i += 1
            continue
        j = i + 1
        while j < len(tokens):
            nxt = tokens[j].group()
            gap = text[tokens[j - 1].end() : tokens[j].start()]
            if gap.strip() not in ("", "-"):
                break
            if is_capitalised(nxt):
                j += 1
            elif (
                nxt in _CONNECTORS
                and j + 1 < len(tokens)
                and is_capitalised(tokens[j + 1].group())
                and not text[tokens[j].end() : tokens[j + 1].start()].strip()
            ):
                j += 2
            else:
                break
        start, end = tokens[i].start(), tokens[j - 1].end()
        if text[end - 2 : end] in ("'s", "\u2019s"):
            end -= 2
        i_next = j
        if _inside(start, end, dates):
            i = i_next
            continue
        name = _mention(Kind.NAME, text, start, end)
        out.append(name)
        place = _is_place(text, tokens, i, j)
        out.append(_mention(Kind.PLACE if place else Kind.PERSON, text, start, end))
        i = j
    return out


def _is_place(text: str, tokens: list[re.Match], i: int, j: int) -> bool:
    last = fold(tokens[j - 1].group())
    if last in _PLACE_HEADS or (j < len(tokens) and fold(tokens[j].group()) in _PLACE_HEADS):
        return True
    if j < len(tokens) and text[tokens[j - 1].end() : tokens[j].start()].strip() == ",":
        # "Fresno, California": a name followed by a comma and another name.
        nxt = tokens[j].group()
        if is_capitalised(nxt) and j + 1 < len(tokens):
            after = text[tokens[j].end() : tokens[j + 1].start()].strip()
            if after in (",", ".", ""):
                return True
    # "in Miami", "at the 2014 Met Gala", "at an upscale Los Angeles restaurant"
    k, modifiers = i - 1, 0
    while k >= 0:
        if re.search(r"[^\w\s'\u2019-]", text[tokens[k].end() : tokens[k + 1].start()]):
            return False  # punctuation between: another clause
        word = fold(tokens[k].group())
        if word in _PLACE_PREPOSITIONS:
            return True
        if word in _DETERMINERS:
            k -= 1
            continue
        if modifiers or is_capitalised(tokens[k].group()) or word in STOPWORDS:
            return False
        modifiers += 1
        k -= 1
    return False
