"""Finer answer types, where the coarse kind ("a number", "a person") picks the wrong sentence.

- An **age** ("how old is X") is a number that belongs to X: in "41-year-old Trump" the age is
  Trump's, so it cannot answer how old Kardashian is; "Kardashian, 43," can.
- A **duration** ("how long") is an amount of time ("three-hour", "for over three hours",
  "nearly a decade"), not any date or number.
- **Quoted speech** ("what did X say / write / tweet / post / caption") is a quotation
  (`Kind.QUOTE` mentions, found in knowledge/text/mentions.py).
- A **list of people** ("who was at ...", "who attended") is a sentence naming several people.

Pure text patterns of general English; the question side is read in knowledge/answering/question.py.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from knowledge.text.analysis import STOPWORDS, words
from knowledge.text.mentions import Kind, TypedSpan

_NUMBER_WORD = (
    r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|sixty|hundred|a|an|several|few|many|a few|a couple of)"
)
_UNIT = r"(?:second|minute|hour|day|night|week|month|year|decade|century|centuries)s?"
_DURATION = re.compile(
    rf"\b(?:for\s+)?(?:(?:over|nearly|almost|about|around|some|more than|less than)\s+)?"
    rf"{_NUMBER_WORD}[\s-]+{_UNIT}\b(?:[\s-]+long)?"
    rf"|\bfor\s+(?:years|decades|months|weeks|days|hours|ages|a long time)\b"
    rf"|\b(?:years|decades|months|weeks)\s+(?:long|earlier|before|ago)\b"
    rf"|\blife\s+sentence\b",
    re.IGNORECASE,
)
# "41-year-old Trump" / "Trump, 41," / "her 43rd birthday" / "turned 42" / "at age 12"
_AGE_BEFORE_NAME = re.compile(r"\b(\d{1,3})-year-old\s+((?:[A-Z][\w'\u2019-]*\s?){1,3})")
_NAME_COMMA_AGE = re.compile(
    r"((?:[A-Z][\w'\u2019-]*\s){0,2}[A-Z][\w'\u2019-]*),\s(\d{1,3})(?=[,;)\s.]|$)"
)
_AGE_NUMBER = (
    r"\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty"
)
_AGE_ALONE = re.compile(
    rf"\b(\d{{1,3}})(?:st|nd|rd|th)\s+birthday\b"
    rf"|\bturn(?:s|ed|ing)?\s+({_AGE_NUMBER})\b"
    rf"|\b(?:at\s+)?(?:the\s+)?age(?:d|\s+of)?\s+({_AGE_NUMBER})\b"
    rf"|\b(?:was|is|were|are)\s+(?:only\s+|just\s+|about\s+)?({_AGE_NUMBER})"
    rf"(?=\s+(?:and|when|at|in|years?\s+old)\b|[,.;])",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)*")


@dataclass(frozen=True)
class Age:
    mention: TypedSpan  # the number
    owner: frozenset[str]  # folded words of the name it belongs to; empty when unknown


def ages(text: str, common_words: Collection[str] = frozenset()) -> list[Age]:
    """Ages stated in `text`, each with the name it belongs to when the text says so."""
    out: list[Age] = []
    taken: set[int] = set()
    for m in _AGE_BEFORE_NAME.finditer(text):
        out.append(Age(_number(text, m, 1), _owner(m.group(2), common_words)))
        taken.add(m.start(1))
    for m in _NAME_COMMA_AGE.finditer(text):
        if m.start(2) not in taken:
            out.append(Age(_number(text, m, 2), _owner(m.group(1), common_words)))
            taken.add(m.start(2))
    for m in _AGE_ALONE.finditer(text):
        group = next(g for g in (1, 2, 3, 4) if m.group(g))
        if m.start(group) in taken:
            continue
        names = [n for n in _NAME.finditer(text[: m.start()]) if _owner(n.group(), common_words)]
        owner = _owner(names[-1].group(), common_words) if names else frozenset()
        out.append(Age(_number(text, m, group), owner))
    return out


def _number(text: str, m: re.Match, group: int) -> TypedSpan:
    start, end = m.start(group), m.end(group)
    return TypedSpan(Kind.NUMBER, start, end, text[start:end], frozenset(words(text[start:end])))


def _owner(name: str, common_words: Collection[str]) -> frozenset[str]:
    return frozenset(
        w for w in words(name) if w not in STOPWORDS and w not in common_words and w.isalpha()
    )


def durations(text: str) -> list[TypedSpan]:
    """Amounts of time: "three-hour", "for over three hours", "nearly a decade"."""
    return [
        TypedSpan(Kind.NUMBER, m.start(), m.end(), m.group(), frozenset(words(m.group())))
        for m in _DURATION.finditer(text)
    ]


def foreign_ages(found: Iterable[Age], asked: Collection[str]) -> set[int]:
    """Start offsets of ages that belong to someone the question does not ask about."""
    return {a.mention.start for a in found if a.owner and a.owner.isdisjoint(asked)}


def own_age(found: Iterable[Age], asked: Collection[str]) -> bool:
    """Does the text state the age of someone the question names?"""
    return any(a.owner and not a.owner.isdisjoint(asked) for a in found)
