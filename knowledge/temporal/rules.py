"""The tagger's rules: one pattern per family of date expressions, and the choice among matches.

Rules are general English patterns, written to avoid the usual false positives: ages ("Trump,
77", "41-year-old"), ordinals with no month ("her 43rd birthday", "the 21st"), street numbers
("1600 Pennsylvania Avenue"), counts, "may" the verb (month names must be capitalised) and
weekday abbreviations inside words ("fri" in "friends"). Each rule's name keys its resolver
(knowledge.temporal.resolvers).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.temporal.words import (
    APPROX,
    COUNT_NOUNS,
    DAY,
    DECADE_WORDS,
    FULL_MONTH,
    FUNCTION_WORDS,
    HOLIDAY_BEFORE,
    HOLIDAYS,
    IRREGULAR_PLURALS,
    MON,
    NON_PLURAL_S,
    NOT_A_YEAR_BEFORE,
    NOT_NUMBER_AFTER,
    ORDINAL_WORDS,
    QTY,
    QUANTIFIERS,
    QUARTER_ORDINALS,
    SEASON,
    SPELLED_YEAR,
    STREET,
    STRONG_YEAR_BEFORE,
    UNIT,
    WD,
    YEAR,
)


@dataclass
class Candidate:
    """One rule's match in a text, before overlapping matches are weeded out."""

    start: int
    end: int
    rule: str
    groups: dict[str, str | None]
    priority: int = 0

    @property
    def length(self) -> int:
        return self.end - self.start

    def group(self, name: str) -> str:
        """A group the rule's pattern always fills when it matches (a missing one is a bug)."""
        value = self.groups.get(name)
        if value is None:
            raise LookupError(f"rule {self.rule} matched without group {name!r}")
        return value

    def optional(self, *names: str) -> str:
        """The first of these optional groups that matched, lowercased, or ""."""
        return next((v for n in names if (v := self.groups.get(n))), "").lower()


_Check = Callable[[str, re.Match[str]], bool]


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    priority: int = 0  # breaks ties between overlapping matches of equal length
    check: _Check | None = None  # rejects a match its context shows is not a date
    needle: re.Pattern[str] | None = None  # a word every match holds: texts without it skip


def _rule(name: str, pattern: str, priority: int = 0, check: _Check | None = None) -> Rule:
    return Rule(name, re.compile(pattern), priority, check, _NEEDLES.get(name))


# Cheap tests before a rule's pattern: the words its every match must hold (most texts lack
# them, and these patterns try long alternations at every word).
_NEEDLES = {
    name: re.compile(needle, re.IGNORECASE)
    for name, needle in {
        "offset-ago": r"\bago\b",
        "offset": r"later|earlier|after|before|prior|previously",
        "century": r"century",
        "decade-word": r"ies\b",
        "spelled-year": r"teen|twenty|thousand",
        "quarter": r"quarter",
        "quarter-anaphor": r"quarter|period",
        "period-ended": r"\bend(?:ed|ing)\b",
        "year-ago": r"year",
        "period-edge": r"end\b|beginning|start|middle",
        "fiscal-year": r"fiscal",
        "past-unit": r"\b(?:last|past)\b",
        "current-unit": r"current|full|present|in\s+the\s+(?:year|month|week)|the\s+year",
        "week-of": r"week\s+of",
        "year-range": r"\d[-\u2013]",
        "month-possessive": r"['\u2019]s\b",
        "season-alone": r"spring|summer|fall|autumn|winter",
        "modified-period": r"early|late|mid",
        "part-of-year": r"half|quarter",
        "anaphoric": r"following|next|subsequent|previous|preceding|prior|same|that|before|after",
    }.items()
}


def _year_context_ok(text: str, m: re.Match[str]) -> bool:
    """A bare four-digit number is a year unless its context says count, address or code."""
    year = int(m["y"])
    before, after = text[: m.start()], text[m.end() :]
    if re.search(r"[\d$£€#%]\s?$|[\d][.,]$", before) or re.match(
        r"[\d%]|[.,]\d|[-\u2013/]\d|\s*%", after
    ):
        return False  # part of a larger number, a price, a range or a fraction
    prev = re.search(r"([A-Za-z]+)\.?\s+$", before)
    prev_word = prev.group(1).lower() if prev else ""
    if re.search(r"(?i)\b(?:pre|post)-$", before):
        return 1000 <= year <= 2099  # "post-1962 years"
    if prev_word in NOT_A_YEAR_BEFORE or STREET.match(after):
        return False
    next_word = re.match(r"\s+([a-z]+)\b", after)
    word = next_word.group(1) if next_word else ""
    plural = word.endswith("s") and not word.endswith(("ss", "is", "us"))  # "a 2009 analysis"
    if (plural and word not in NON_PLURAL_S) or word in IRREGULAR_PLURALS:
        return False  # "2000 people", "1500 miles"
    if prev_word in QUANTIFIERS and word and word not in FUNCTION_WORDS:
        return False  # "about 2000 attended": a count; "about 2013, when..." stays a year
    if prev_word in STRONG_YEAR_BEFORE:
        return 1000 <= year <= 2099
    return 1900 <= year <= 2099


def _year_range_ok(text: str, m: re.Match[str]) -> bool:
    """ "1957-58", "2009-2010": a later year, not a price, a score or a year and month."""
    first, tail = int(m["y"]), m["y2"]
    last = int(tail) if len(tail) == 4 else first - first % 100 + int(tail)
    if len(tail) == 2 and int(tail) <= 12:
        return False  # "2009-10" may be October 2009
    before = text[: m.start()]
    return first < last <= first + 50 and not re.search(r"[\d$£€#%]\s?$|[\d][.,]$", before)


def _past_unit_ok(text: str, m: re.Match[str]) -> bool:
    # "over the past year" and "for the last month" are stretches of time, not dates.
    return not re.search(r"(?i)\b(?:over|for|throughout|during|within)\s+$", text[: m.start()])


def _weekday_ok(text: str, m: re.Match[str]) -> bool:
    if HOLIDAY_BEFORE.search(text[: m.start()]):
        return False
    after = text[m.end() :]
    # "the Sunday Times": a capitalised word right after names something else.
    return not re.match(r"\s+(?!(?:the|of|and|or|at|in|on|to|night|morning)\b)[A-Z][a-z]", after)


def _offset_ok(text: str, m: re.Match[str]) -> bool:
    # "worked there for two years before joining" is a duration, not a date.
    return not re.search(r"(?i)\bfor\s+$", text[: m.start()])


def _relative_unit_ok(text: str, m: re.Match[str]) -> bool:
    # "over the last year" is a stretch of time, not last calendar year.
    return not re.search(r"(?i)\bthe\s+$", text[: m.start()])


RULES: tuple[Rule, ...] = (
    _rule("iso-date", r"\b(?P<y>[12]\d{3})-(?P<m>0[1-9]|1[0-2])-(?P<d>[0-3]\d)\b", 9),
    _rule(
        "numeric-date", r"\b(?P<m>1[0-2]|0?[1-9])/(?P<d>3[01]|[12]\d|0?[1-9])/(?P<y>[12]\d{3})\b", 9
    ),
    _rule(
        "month-day",
        rf"(?:{WD},?\s+)?(?:the\s+)?\b{MON}\s+{DAY}\b(?:,?\s+{YEAR}\b)?{NOT_NUMBER_AFTER}",
        8,
    ),
    _rule(
        "day-month",
        rf"(?:{WD},?\s+)?(?:the\s+)?\b{DAY}\s+(?:of\s+)?{MON}(?![a-z])(?:,?\s+{YEAR}\b)?",
        8,
    ),
    _rule(
        "part-of-year",
        r"\b(?i:the)\s+(?P<which>first|second|latter|last|former|earlier|later|third|fourth"
        rf"|final)\s+(?P<part>half|quarter)\s+of\s+(?:the\s+year\s+)?{YEAR}\b",
        7,
    ),
    _rule("quarter-code", rf"\bQ(?P<q>[1-4])\s+{YEAR}\b", 7),
    _rule("season-year", rf"\b(?:the\s+)?{SEASON}\s+(?:of\s+)?{YEAR}\b", 7),
    _rule(
        "modified-period",
        rf"\b(?P<mod>[Ee]arly|[Ll]ate|[Mm]id)(?:-|\s+)(?:{MON}\s+)?{YEAR}\b",
        7,
    ),
    _rule("month-year", rf"\b{MON}(?:\s+of)?,?\s+{YEAR}\b", 6),
    _rule(
        "decade",
        r"\b(?:(?i:the)\s+)?(?:(?P<mod>early|mid|late)(?:-|\s+))?(?P<dec>1[0-9]\d0|20\d0)s\b"
        r"|\b(?i:the)\s+(?:(?P<mod2>early|mid|late)(?:-|\s+))?['\u2019](?P<yy>\d)0s\b",
        6,
    ),
    _rule(
        "year-range",
        rf"\b{YEAR}\s?[-\u2013]\s?(?P<y2>[12]\d{{3}}|\d{{2}})\b(?![-\u2013/]\d|[.,]\d)",
        7,
        _year_range_ok,
    ),
    _rule(
        "month-range",
        rf"\b(?:(?i:from)\s+)?(?P<mon>{FULL_MONTH})\s*(?:\s(?i:through|to|until|till|thru)\s|"
        rf"[-\u2013])\s*(?P<mon2>{FULL_MONTH})\b(?:,?\s+{YEAR}\b)?",
        8,
    ),
    _rule(
        "century",
        r"\b(?:(?i:the)\s+)?(?:(?P<mod>early|mid|late)(?:-|\s+))?(?P<n>\d{1,2}(?:st|nd|rd|th)"
        rf"|(?i:{'|'.join(ORDINAL_WORDS)}))[\s-](?i:century)\b",
        7,
    ),
    _rule(
        "decade-word",
        r"\b(?i:the)\s+(?:(?P<mod>early|mid|late)(?:-|\s+))?['\u2019]?"
        rf"(?P<dw>(?i:{'|'.join(DECADE_WORDS)}))\b",
        6,
    ),
    _rule(
        "spelled-year",
        rf"\b(?:(?P<mon>{FULL_MONTH})\s+|(?i:the\s+year)\s+|(?i:the\s+)?{SEASON}\s+(?i:of)\s+)?"
        rf"(?i:{SPELLED_YEAR})\b"
        rf"(?![\s-]+(?:{COUNT_NOUNS})\b)",
        6,
    ),
    _rule(
        "quarter",
        r"\b(?:(?P<rel>(?i:this|last|next))\s+year['\u2019]s\s+|(?P<y>[12]\d{3})\s+"
        r"|(?P<ago>(?i:year[-\s](?:ago|earlier)))\s+)?"
        rf"(?:(?i:fiscal)[-\s]+)?(?P<which>(?i:{'|'.join(QUARTER_ORDINALS)}))[-\s](?i:quarter)\b"
        r"(?!\s+of\s+(?:(?i:fiscal)\s+)?[12]\d{3})",
        7,
    ),
    _rule(
        "quarter-anaphor",
        r"(?i)\b(?P<det>the|that|this|its)\s+(?:(?P<y>[12]\d{3})\s+|(?P<ago>(?:comparable\s+|"
        r"corresponding\s+)?year[-\s](?:ago|earlier))\s+|(?P<mod>latest|current|same|most\s+recent)"
        r"\s+)?(?P<unit>quarter|period)\b",
        3,
    ),
    _rule(  # "the year ended June 30", "the quarter ending Aug. 31": a reporting period
        "period-ended",
        r"\b(?i:the|its)\s+(?P<unit>(?i:year|quarter))(?=\s+(?P<verb>(?i:ended|ending))\s+"
        rf"{MON}\s+{DAY}\b(?:,?\s+{YEAR}\b)?)",
        4,
    ),
    _rule(
        "year-ago",
        r"(?i)\b(?P<ago>year[-\s](?:ago|earlier))\b(?![-\s](?:quarter|period)\b)",
        2,
    ),
    _rule(
        "period-edge",
        r"\b(?i:the\s+)?(?P<edge>(?i:end|beginning|start|middle))\s+(?i:of)\s+(?:"
        rf"(?P<mon>{FULL_MONTH})(?:,?\s+{YEAR})?|(?:(?P<dir>(?i:the|this|next|last))\s+)?"
        r"(?P<unit>(?i:year|month|week))\b)"
        r"|\b(?P<ye>(?i:year)(?:[-\s]|['\u2019]s\s+)end)\b",
        5,
    ),
    _rule(
        "fiscal-year",
        r"(?i)\b(?:(?P<dir>this|the\s+current|the|last|next|the\s+previous|the\s+past)\s+)?"
        rf"fiscal[-\s](?:(?:year\s+)?{YEAR}|year)\b",
        5,
    ),
    _rule(
        "past-unit",
        r"(?i)\bthe\s+(?:last|past)\s+(?P<unit>week|month|year)\b(?!\s+(?:or|and)\b)",
        4,
        _past_unit_ok,
    ),
    _rule(
        "holiday",
        r"\b(?:(?P<dir>(?i:last|next|this))\s+)?(?P<name>"
        + "|".join(f"(?:{name})" for name in HOLIDAYS)
        + rf")(?:\s+(?P<week>week)|,?\s+{YEAR})?\b",
        5,
    ),
    _rule(
        "season-alone",
        r"\b(?:(?i:(?P<dir>this\s+past|this|the|that))\s+)(?:(?i:early|late|mid)[-\s]?)?"
        rf"{SEASON}\b(?!\s+(?:of\b|\d))",
        2,
    ),
    _rule(
        "current-unit",
        r"(?i)\bthe\s+(?:current|full|present)\s+(?P<unit>year|month|week)\b"
        r"|\b(?:earlier|later)\s+in\s+the\s+(?P<unit2>year|month|week)\b"
        # "the rest of the year", "a record for the year": the year of the reference date
        r"|\b(?:of|for)\s+the\s+(?P<unit3>year)\b(?![-\u2019']|\s+(?:ended|ending|before|after"
        r"|ago|earlier|two|of|to|in|when|that|\d)\b)",
        4,
    ),
    _rule("year", rf"\b{YEAR}\b", 1, _year_context_ok),
    _rule(
        "offset-ago",
        rf"(?i)\b(?:{APPROX}\s+)?{QTY}\s+{UNIT}\s+(?:or\s+so\s+)?ago\b",
        5,
    ),
    _rule(
        "offset",
        rf"(?i)\b(?:{APPROX}\s+)?{QTY}\s+{UNIT}\s+(?P<dir>later|earlier|after|before|prior"
        r"|afterwards?|previously)\b",
        5,
        _offset_ok,
    ),
    _rule(
        "anaphoric",
        r"(?i)\b(?:(?:earlier|later)\s+)?(?:the|that)\s+(?P<dir>following|next|subsequent|previous"
        r"|preceding|prior|same)\s+(?P<unit>day|week|weekend|month|year|spring|summer|fall"
        r"|autumn|winter|morning|afternoon|evening|night)\b"
        r"|\b(?:(?:earlier|later)\s+)?(?P<dir2>that)\s+(?P<unit2>day|week|month|year|morning"
        r"|afternoon|evening|night)\b"
        r"|\bthe\s+(?P<unit3>day|week|month|year)\s+(?P<dir3>before|after)\b",
        4,
    ),
    _rule(
        "deictic-unit",
        r"(?i)\b(?:(?P<part>earlier|later)\s+)?(?P<dir>this|last|next|coming)\s+"
        r"(?P<unit>week|weekend|month|year|spring|summer|fall|autumn|winter)\b",
        4,
        _relative_unit_ok,
    ),
    _rule(
        "weekend",
        r"(?i)\b(?:(?:over|during|on|at)\s+)?the\s+weekend\b(?!s|\s+of\b)",
        3,
    ),
    _rule("deictic-day", r"(?i)\b(?P<word>yesterday|today|tonight|tomorrow)\b", 3),
    _rule(
        "weekday",
        r"\b(?:(?i:(?P<dir>last|next|this\s+coming|coming|this|on|early|late))\s+)?(?P<wd>"
        + "|".join(calendar.day_name)
        + r")\b(?!['\u2019]s\s+[A-Z])",
        2,
        _weekday_ok,
    ),
    _rule("month-possessive", rf"\b(?P<mon>{FULL_MONTH})['\u2019]s\b", 2),
    _rule(
        "week-of",
        rf"\b(?i:the\s+week\s+of)\s+{MON}\s+{DAY}\b(?:,?\s+{YEAR}\b)?{NOT_NUMBER_AFTER}",
        9,
    ),
    _rule(
        "month-alone",
        r"\b(?P<prep>(?i:in|since|until|till|by|during|through|last|next|this|early|late|mid|for"
        r"|from|after|before|around)-?)"
        rf"\s*\b(?P<mon>{FULL_MONTH})\b(?!\s+\d)(?!\s+[A-Z])",
        2,
    ),
    _rule(  # "the October crash", "a June agreement": a month naming a noun's time
        "month-attributive",
        rf"\b(?:the|a|an|its|his|her|their)\s+(?P<mon>{FULL_MONTH})(?=\s+[a-z]{{3,}})",
        2,
    ),
)


def find_candidates(text: str) -> list[Candidate]:
    found: list[Candidate] = []
    for rule in RULES:
        if rule.needle is not None and not rule.needle.search(text):
            continue
        for m in rule.pattern.finditer(text):
            if rule.check is not None and not rule.check(text, m):
                continue
            if m.end() == m.start():
                continue
            start, end = m.start(), m.end()
            while end > start and text[end - 1] in " ,":
                end -= 1
            found.append(Candidate(start, end, rule.name, m.groupdict(), rule.priority))
    # Longest match wins, then the more specific rule; overlapping shorter ones are dropped.
    found.sort(key=lambda c: (-c.length, -c.priority, c.start))
    chosen: list[Candidate] = []
    for c in found:
        if all(c.end <= o.start or c.start >= o.end for o in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: c.start)
