"""Rule-based temporal tagger: English date expressions -> TIMEX3-style values.

Pure functions over text. `find_dates(sentence)` tags one sentence on its own (absolute dates
resolve; relative ones resolve only against the reference date you pass). `tag_paragraphs()`
tags a whole article in reading order, so "The following month" can lean on the last dated
event before it and quoted "next week" on the day the quote was said.

Values follow TIMEX3: "2023-10-20", "2018-06", "2018", "2025-SU", "2018-H2", "2018-Q1",
"201X" (a decade), "2023-W43" (an ISO week), "2023-W42-WE" (its weekend). Every value carries
the ISO dates bounding it, so callers compare intervals instead of parsing strings.

Rules are general English patterns, written to avoid the usual false positives: ages ("Trump,
77", "41-year-old"), ordinals with no month ("her 43rd birthday", "the 21st"), street numbers
("1600 Pennsylvania Avenue"), counts, "may" the verb (month names must be capitalised) and
weekday abbreviations inside words ("fri" in "friends").
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict

from knowledge.analysis import split_sentences

TAGGER_VERSION = "1"

Granularity = Literal["day", "week", "month", "season", "quarter", "half", "year", "decade"]
Anchor = Literal["absolute", "publication", "previous-event"]

GRANULARITY_ORDER: tuple[str, ...] = (
    "day",
    "week",
    "month",
    "season",
    "quarter",
    "half",
    "year",
    "decade",
)
_RANK = {g: i for i, g in enumerate(GRANULARITY_ORDER)}


class TimeValue(BaseModel):
    """A resolved date: its TIMEX3 value, the inclusive ISO interval bounding it, a label."""

    model_config = ConfigDict(frozen=True)

    value: str
    start: dt.date
    end: dt.date
    granularity: Granularity
    approximate: bool = False
    label: str

    def contains(self, other: TimeValue) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: TimeValue) -> bool:
        return self.start <= other.end and other.start <= self.end


class TemporalExpression(BaseModel):
    """One temporal expression found in a text, with what it was resolved against."""

    text: str
    start: int
    end: int
    anchor: Anchor
    value: TimeValue | None = None
    approximate: bool = False
    rule: str

    @property
    def resolved(self) -> bool:
        return self.value is not None


# --- values --------------------------------------------------------------------------------

_MONTH_LABELS = [calendar.month_name[i] for i in range(13)]
_SEASONS = {"SP": (3, "Spring"), "SU": (6, "Summer"), "FA": (9, "Fall"), "WI": (12, "Winter")}
_SEASON_WORDS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
_MODIFIERS = {"early": (0, 3), "mid": (1, 3), "late": (2, 3)}  # which third of the period


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _about(label: str, approximate: bool) -> str:
    return f"about {label}" if approximate else label


def day_value(day: dt.date, approximate: bool = False) -> TimeValue:
    label = f"{_MONTH_LABELS[day.month]} {day.day}, {day.year}"
    return TimeValue(
        value=day.isoformat(),
        start=day,
        end=day,
        granularity="day",
        approximate=approximate,
        label=_about(label, approximate),
    )


def week_value(day: dt.date, approximate: bool = False, *, weekend: bool = False) -> TimeValue:
    """The ISO week (or only its Saturday and Sunday) holding `day`."""
    year, week, _ = day.isocalendar()
    monday = dt.date.fromisocalendar(year, week, 1)
    if weekend:
        start, end = monday + dt.timedelta(days=5), monday + dt.timedelta(days=6)
        span = (
            f"{_MONTH_LABELS[start.month]} {start.day}\u2013{end.day}"
            if start.month == end.month
            else f"{_MONTH_LABELS[start.month]} {start.day}\u2013{_MONTH_LABELS[end.month]} "
            f"{end.day}"
        )
        return TimeValue(
            value=f"{year}-W{week:02d}-WE",
            start=start,
            end=end,
            granularity="week",
            approximate=approximate,
            label=_about(f"weekend of {span}, {end.year}", approximate),
        )
    sunday = monday + dt.timedelta(days=6)
    label = f"week of {_MONTH_LABELS[monday.month]} {monday.day}, {monday.year}"
    return TimeValue(
        value=f"{year}-W{week:02d}",
        start=monday,
        end=sunday,
        granularity="week",
        approximate=approximate,
        label=_about(label, approximate),
    )


def month_value(
    year: int, month: int, approximate: bool = False, modifier: str | None = None
) -> TimeValue:
    return _modified_value(
        f"{year:04d}-{month:02d}",
        dt.date(year, month, 1),
        _month_end(year, month),
        "month",
        f"{_MONTH_LABELS[month]} {year}",
        approximate,
        modifier,
    )


def _modified_value(
    value: str,
    start: dt.date,
    end: dt.date,
    granularity: Granularity,
    label: str,
    approximate: bool,
    modifier: str | None,
) -> TimeValue:
    """A month or year, or its early/mid/late third: a modifier narrows it and says so."""
    if modifier:
        start, end = _third(start, end, modifier)
        label = f"{modifier} {label}"
        approximate = True
    return TimeValue(
        value=value,
        start=start,
        end=end,
        granularity=granularity,
        approximate=approximate,
        label=_about(label, approximate and not modifier),
    )


def season_value(year: int, code: str, approximate: bool = False) -> TimeValue:
    """Meteorological seasons of the northern hemisphere; winter Y runs Dec Y to Feb Y+1."""
    first_month, name = _SEASONS[code]
    start = dt.date(year, first_month, 1)
    end = start + relativedelta(months=3) - dt.timedelta(days=1)
    return TimeValue(
        value=f"{year:04d}-{code}",
        start=start,
        end=end,
        granularity="season",
        approximate=approximate,
        label=_about(f"{name} {year}", approximate),
    )


def quarter_value(year: int, quarter: int, approximate: bool = False) -> TimeValue:
    start = dt.date(year, 3 * quarter - 2, 1)
    ordinal = ("first", "second", "third", "fourth")[quarter - 1]
    return TimeValue(
        value=f"{year:04d}-Q{quarter}",
        start=start,
        end=_month_end(year, 3 * quarter),
        granularity="quarter",
        approximate=approximate,
        label=_about(f"{ordinal} quarter of {year}", approximate),
    )


def half_value(year: int, half: int, approximate: bool = False) -> TimeValue:
    start = dt.date(year, 1 if half == 1 else 7, 1)
    return TimeValue(
        value=f"{year:04d}-H{half}",
        start=start,
        end=_month_end(year, 6 if half == 1 else 12),
        granularity="half",
        approximate=approximate,
        label=_about(f"{'first' if half == 1 else 'second'} half of {year}", approximate),
    )


def year_value(year: int, approximate: bool = False, modifier: str | None = None) -> TimeValue:
    return _modified_value(
        f"{year:04d}",
        dt.date(year, 1, 1),
        dt.date(year, 12, 31),
        "year",
        str(year),
        approximate,
        modifier,
    )


def decade_value(
    first_year: int, approximate: bool = False, estimate: int | None = None
) -> TimeValue:
    """A decade ("201X"); `estimate` is the best single year when the text implies one."""
    first_year -= first_year % 10
    label = f"about {estimate}" if estimate is not None else f"the {first_year}s"
    return TimeValue(
        value=f"{first_year // 10:03d}X",
        start=dt.date(first_year, 1, 1),
        end=dt.date(first_year + 9, 12, 31),
        granularity="decade",
        approximate=approximate or estimate is not None,
        label=label,
    )


def _third(start: dt.date, end: dt.date, modifier: str) -> tuple[dt.date, dt.date]:
    index, parts = _MODIFIERS[modifier]
    days = (end - start).days + 1
    lo = start + dt.timedelta(days=days * index // parts)
    hi = start + dt.timedelta(days=days * (index + 1) // parts - 1)
    return lo, hi


def period_containing(granularity: str, day: dt.date, approximate: bool = False) -> TimeValue:
    """The period of the given granularity around `day` (decades keep `day`'s year as estimate)."""
    if granularity == "day":
        return day_value(day, approximate)
    if granularity == "week":
        return week_value(day, approximate)
    if granularity == "month":
        return month_value(day.year, day.month, approximate)
    if granularity == "season":
        code = {12: "WI", 1: "WI", 2: "WI"}.get(day.month) or ("SP", "SU", "FA")[
            (day.month - 3) // 3
        ]
        return season_value(day.year - (1 if day.month < 3 else 0), code, approximate)
    if granularity == "quarter":
        return quarter_value(day.year, (day.month - 1) // 3 + 1, approximate)
    if granularity == "half":
        return half_value(day.year, 1 if day.month <= 6 else 2, approximate)
    if granularity == "year":
        return year_value(day.year, approximate)
    return decade_value(day.year, approximate, estimate=day.year if approximate else None)


def parse_value(text: str) -> TimeValue | None:
    """The TimeValue for a TIMEX3 value string this module writes, or None."""
    for pattern, build in _VALUE_PARSERS:
        m = pattern.fullmatch(text)
        if m:
            try:
                return build(m)
            except ValueError:
                return None
    return None


_VALUE_PARSERS = (
    (
        re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
        lambda m: day_value(dt.date(int(m[1]), int(m[2]), int(m[3]))),
    ),
    (
        re.compile(r"(\d{4})-W(\d{2})(-WE)?"),
        lambda m: week_value(dt.date.fromisocalendar(int(m[1]), int(m[2]), 1), weekend=bool(m[3])),
    ),
    (re.compile(r"(\d{4})-(\d{2})"), lambda m: month_value(int(m[1]), int(m[2]))),
    (re.compile(r"(\d{4})-(SP|SU|FA|WI)"), lambda m: season_value(int(m[1]), m[2])),
    (re.compile(r"(\d{4})-Q([1-4])"), lambda m: quarter_value(int(m[1]), int(m[2]))),
    (re.compile(r"(\d{4})-H([12])"), lambda m: half_value(int(m[1]), int(m[2]))),
    (re.compile(r"(\d{4})"), lambda m: year_value(int(m[1]))),
    (re.compile(r"(\d{3})X"), lambda m: decade_value(int(m[1]) * 10)),
)


# --- lexicon -------------------------------------------------------------------------------

_MONTHS = {
    name: i for i in range(1, 13) for name in (calendar.month_name[i], calendar.month_abbr[i])
} | {"Sept": 9}
_WEEKDAYS = {calendar.day_name[i]: i for i in range(7)}
_WEEKDAY_ABBR = {calendar.day_abbr[i]: i for i in range(7)} | {"Tues": 1, "Thur": 3, "Thurs": 3}
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "a few": 3,
    "a couple of": 2,
    "a couple": 2,
    "several": 3,
}
_VAGUE_QUANTITIES = frozenset({"a few", "a couple of", "a couple", "several"})

# Case-sensitive: a month or weekday is a capitalised name, so "may" the verb never matches.
_FULL_MONTH = "|".join(calendar.month_name[1:])
_ABBR_MONTH = r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
_MON = rf"(?P<mon>{_FULL_MONTH}|{_ABBR_MONTH})"
_WD = rf"(?P<wd>{'|'.join(calendar.day_name)}|(?:Mon|Tues|Tue|Wed|Thurs|Thur|Thu|Fri|Sat|Sun)\.)"
_DAY = r"(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>[12]\d{3})"
_NOT_NUMBER_AFTER = r"(?![\d:]|[.,]\d)"
_QTY = (
    r"(?P<qty>a\s+few|a\s+couple(?:\s+of)?|several|an?|one|two|three|four|five|six|seven|eight"
    r"|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|\d{1,3})"
)
_APPROX = (
    r"(?P<approx>nearly|almost|about|around|roughly|approximately|some|over|more\s+than"
    r"|less\s+than|under|just\s+over|just\s+under|at\s+least|close\s+to|barely|only|just)"
)
_UNIT = r"(?P<unit>days?|weeks?|months?|years?|decades?)"
_SEASON = r"(?P<season>[Ss]pring|[Ss]ummer|[Ff]all|[Aa]utumn|[Ww]inter)"
_EXACT_WORDS = frozenset({"only", "just"})  # "just a year later" is not vaguer than "a year"

_FUTURE_CUE = re.compile(
    r"(?i)\b(?:will|won't|shall|'ll|going\s+to|plans?\s+to|planning\s+to|(?:is|are)\s+set\s+to"
    r"|scheduled|upcoming|expected\s+to|next)\b|\u2019ll\b"
)
_STREET = re.compile(
    r"\s+(?:[A-Z][\w.'-]*\s+){0,3}(?:Avenue|Ave\.?|Street|St\.|Road|Rd\.?|Boulevard|Blvd\.?"
    r"|Drive|Dr\.|Lane|Ln\.?|Way|Place|Pl\.|Court|Ct\.|Parkway|Pkwy\.?|Highway|Broadway|Plaza"
    r"|Square|Terrace|Circle)\b"
)
_NOT_A_YEAR_BEFORE = frozenset(
    {"no", "number", "nos", "room", "suite", "route", "flight", "page", "pp", "p", "unit",
     "apartment", "apt", "highway", "interstate", "model", "into", "at", "code", "score",
     "exit", "mile", "gate", "box", "bus", "pier", "platform", "channel", "version", "v"}
)  # fmt: skip
_STRONG_YEAR_BEFORE = frozenset(
    {"in", "since", "until", "till", "during", "circa", "by", "from", "through", "throughout",
     "before", "after", "of", "and", "to", "between", "early", "late", "mid", "summer",
     "spring", "winter", "fall", "autumn"}
)  # fmt: skip
_NON_PLURAL_S = frozenset(
    {"was", "is", "has", "as", "its", "his", "this", "thus", "plus", "yes", "does", "says",
     "sees", "marks", "brings", "saw", "gives", "makes", "proves", "remains", "becomes"}
)  # fmt: skip
_IRREGULAR_PLURALS = frozenset(
    {"people", "men", "women", "children", "feet", "teeth", "mice", "geese", "police", "staff",
     "cattle", "sheep", "fish", "deer", "personnel", "crew", "head"}
)  # fmt: skip
_QUANTIFIERS = frozenset(
    {"about", "around", "nearly", "almost", "over", "some", "roughly", "approximately", "than",
     "only", "just", "exactly", "least"}
)  # fmt: skip
_FUNCTION_WORDS = frozenset(
    {"and", "or", "but", "when", "as", "in", "on", "at", "to", "for", "with", "after", "before",
     "until", "till", "was", "were", "is", "that", "which", "while", "because", "he", "she",
     "they", "we", "i", "it", "the", "a", "an", "there", "so", "then"}
)  # fmt: skip
_HOLIDAY_BEFORE = re.compile(r"(?:Good|Black|Cyber|Super|Easter|Palm|Ash|Holy|Bloody)\s+$")


# --- candidates ----------------------------------------------------------------------------


@dataclass
class _Candidate:
    start: int
    end: int
    rule: str
    groups: dict[str, str | None]
    priority: int = 0

    @property
    def length(self) -> int:
        return self.end - self.start


_Check = Callable[[str, re.Match[str]], bool]


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    priority: int = 0  # breaks ties between overlapping matches of equal length
    check: _Check | None = None  # rejects a match its context shows is not a date


def _rule(name: str, pattern: str, priority: int = 0, check: _Check | None = None) -> _Rule:
    return _Rule(name, re.compile(pattern), priority, check)


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
    if prev_word in _NOT_A_YEAR_BEFORE or _STREET.match(after):
        return False
    next_word = re.match(r"\s+([a-z]+)\b", after)
    word = next_word.group(1) if next_word else ""
    if (word.endswith("s") and word not in _NON_PLURAL_S) or word in _IRREGULAR_PLURALS:
        return False  # "2000 people", "1500 miles"
    if prev_word in _QUANTIFIERS and word and word not in _FUNCTION_WORDS:
        return False  # "about 2000 attended": a count; "about 2013, when..." stays a year
    if prev_word in _STRONG_YEAR_BEFORE:
        return 1000 <= year <= 2099
    return 1900 <= year <= 2099


def _weekday_ok(text: str, m: re.Match[str]) -> bool:
    if _HOLIDAY_BEFORE.search(text[: m.start()]):
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


_RULES: tuple[_Rule, ...] = (
    _rule("iso-date", r"\b(?P<y>[12]\d{3})-(?P<m>0[1-9]|1[0-2])-(?P<d>[0-3]\d)\b", 9),
    _rule(
        "numeric-date", r"\b(?P<m>1[0-2]|0?[1-9])/(?P<d>3[01]|[12]\d|0?[1-9])/(?P<y>[12]\d{3})\b", 9
    ),
    _rule(
        "month-day",
        rf"(?:{_WD},?\s+)?(?:the\s+)?\b{_MON}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?{_NOT_NUMBER_AFTER}",
        8,
    ),
    _rule(
        "day-month",
        rf"(?:{_WD},?\s+)?(?:the\s+)?\b{_DAY}\s+(?:of\s+)?{_MON}(?![a-z])(?:,?\s+{_YEAR}\b)?",
        8,
    ),
    _rule(
        "part-of-year",
        r"\b(?i:the)\s+(?P<which>first|second|latter|last|former|earlier|later|third|fourth"
        rf"|final)\s+(?P<part>half|quarter)\s+of\s+(?:the\s+year\s+)?{_YEAR}\b",
        7,
    ),
    _rule("quarter-code", rf"\bQ(?P<q>[1-4])\s+{_YEAR}\b", 7),
    _rule("season-year", rf"\b(?:the\s+)?{_SEASON}\s+(?:of\s+)?{_YEAR}\b", 7),
    _rule(
        "modified-period",
        rf"\b(?P<mod>[Ee]arly|[Ll]ate|[Mm]id)(?:-|\s+)(?:{_MON}\s+)?{_YEAR}\b",
        7,
    ),
    _rule("month-year", rf"\b{_MON}(?:\s+of)?,?\s+{_YEAR}\b", 6),
    _rule(
        "decade",
        r"\b(?:(?i:the)\s+)?(?:(?P<mod>early|mid|late)(?:-|\s+))?(?P<dec>1[0-9]\d0|20\d0)s\b"
        r"|\b(?i:the)\s+(?:(?P<mod2>early|mid|late)(?:-|\s+))?['\u2019](?P<yy>\d)0s\b",
        6,
    ),
    _rule("year", rf"\b{_YEAR}\b", 1, _year_context_ok),
    _rule(
        "offset-ago",
        rf"(?i)\b(?:{_APPROX}\s+)?{_QTY}\s+{_UNIT}\s+ago\b",
        5,
    ),
    _rule(
        "offset",
        rf"(?i)\b(?:{_APPROX}\s+)?{_QTY}\s+{_UNIT}\s+(?P<dir>later|earlier|after|before|prior"
        r"|afterwards?|previously)\b",
        5,
        _offset_ok,
    ),
    _rule(
        "anaphoric",
        r"(?i)\b(?:(?:earlier|later)\s+)?(?:the|that)\s+(?P<dir>following|next|subsequent|previous"
        r"|preceding|prior|same)\s+(?P<unit>day|week|weekend|month|year|spring|summer|fall"
        r"|autumn|winter)\b"
        r"|\b(?:(?:earlier|later)\s+)?(?P<dir2>that)\s+(?P<unit2>day|week|month|year)\b"
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
        r"\b(?:(?i:(?P<dir>last|next|this|on|early|late))\s+)?(?P<wd>"
        + "|".join(calendar.day_name)
        + r")\b(?!['\u2019]s\s+[A-Z])",
        2,
        _weekday_ok,
    ),
    _rule(
        "month-alone",
        r"\b(?P<prep>(?i:in|since|until|till|by|during|through|last|next|this|early|late|mid)-?)"
        rf"\s*\b(?P<mon>{_FULL_MONTH})\b(?!\s+\d)",
        2,
    ),
)


def _candidates(text: str) -> list[_Candidate]:
    found: list[_Candidate] = []
    for rule in _RULES:
        for m in rule.pattern.finditer(text):
            if rule.check is not None and not rule.check(text, m):
                continue
            if m.end() == m.start():
                continue
            start, end = m.start(), m.end()
            while end > start and text[end - 1] in " ,":
                end -= 1
            found.append(_Candidate(start, end, rule.name, m.groupdict(), rule.priority))
    # Longest match wins, then the more specific rule; overlapping shorter ones are dropped.
    found.sort(key=lambda c: (-c.length, -c.priority, c.start))
    chosen: list[_Candidate] = []
    for c in found:
        if all(c.end <= o.start or c.start >= o.end for o in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: c.start)


# --- resolution ----------------------------------------------------------------------------


def _quantity(groups: dict[str, str | None]) -> tuple[int, bool]:
    qty = " ".join((groups.get("qty") or "a").lower().split())
    number = int(qty) if qty.isdigit() else _NUMBERS[qty]
    approx = " ".join((groups.get("approx") or "").lower().split())
    vague = qty in _VAGUE_QUANTITIES or bool(approx and approx not in _EXACT_WORDS)
    return number, vague


def _unit(groups: dict[str, str | None], key: str = "unit") -> str:
    unit = (groups.get(key) or "").lower()
    return unit[:-1] if unit.endswith("s") else unit


def _shift(anchor: TimeValue, unit: str, amount: int, approximate: bool) -> TimeValue:
    """The period `amount` units after (negative: before) the anchor.

    The result is never finer than the anchor: "two weeks after" a year stays in that year,
    "a year after" the second half of 2018 is 2019.
    """
    approximate = approximate or anchor.approximate
    unit_granularity = "year" if unit == "decade" else unit
    delta = relativedelta(
        days=amount if unit == "day" else 0,
        weeks=amount if unit == "week" else 0,
        months=amount if unit == "month" else 0,
        years=amount * (10 if unit == "decade" else 1) if unit in ("year", "decade") else 0,
    )
    if unit == "decade":
        return period_containing("decade", anchor.start + delta, approximate=True)
    if _RANK[anchor.granularity] <= _RANK[unit_granularity]:
        return period_containing(unit_granularity, anchor.start + delta, approximate)
    unit_days = {"day": 1, "week": 7, "month": 30.44, "year": 365.25}[unit]
    anchor_months = {"month": 1, "season": 3, "quarter": 3, "half": 6, "year": 12}
    if anchor.granularity == "week":
        whole = int(abs(amount) * unit_days // 7)
        moved = anchor.start + dt.timedelta(weeks=whole if amount > 0 else -whole)
        return week_value(moved, approximate, weekend=anchor.value.endswith("-WE"))
    months = anchor_months.get(anchor.granularity)
    if months is None:  # a decade anchor: only whole decades move it
        whole = int(abs(amount) * unit_days // 3652.5)
        moved = anchor.start + relativedelta(years=10 * whole * (1 if amount > 0 else -1))
        return decade_value(moved.year, approximate)
    whole = int(abs(amount) * unit_days // (30.44 * months))
    moved = anchor.start + relativedelta(months=months * whole * (1 if amount > 0 else -1))
    return period_containing(anchor.granularity, moved, approximate)


def _weekend_near(reference: dt.date, direction: str) -> dt.date:
    """The Saturday of a weekend near the reference date.

    'this', 'last', 'next' follow ISO weeks like "this week" does; 'past' is the latest
    weekend begun by the reference date ("over the weekend" in a Monday paper), 'coming' the
    next one not yet over.
    """
    saturday = reference + dt.timedelta(days=5 - reference.weekday())
    if direction == "last":
        return saturday - dt.timedelta(weeks=1)
    if direction == "next":
        return saturday + dt.timedelta(weeks=1)
    if direction == "past" and reference.weekday() < 5:
        return saturday - dt.timedelta(weeks=1)
    return saturday


def _nearest_year(reference: dt.date, month: int, day: int, weekday: int | None) -> dt.date | None:
    """The month-day nearest the reference date, agreeing with a named weekday when given."""
    options = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            options.append(dt.date(year, month, day))
        except ValueError:
            continue
    if not options:
        return None
    if weekday is not None and any(o.weekday() == weekday for o in options):
        options = [o for o in options if o.weekday() == weekday]
    return min(options, key=lambda o: (abs((o - reference).days), o > reference))


def _month_number(name: str) -> int:
    return _MONTHS[name.rstrip(".")]


def _weekday_number(name: str | None) -> int | None:
    if not name:
        return None
    name = name.rstrip(".")
    return _WEEKDAYS.get(name, _WEEKDAY_ABBR.get(name))


@dataclass
class _State:
    """What relative expressions lean on while reading one article in order."""

    publication: dt.date | None
    previous: TimeValue | None = None
    speech_day: dt.date | None = None  # the last day named in this paragraph (quote time)
    pending: list[TemporalExpression] = field(default_factory=list)


def _resolve(
    c: _Candidate, text: str, sentence: tuple[str, int], in_quote: bool, state: _State
) -> tuple[Anchor, TimeValue | None, bool]:
    """(anchor kind, value or None when it cannot be resolved, approximate)."""
    g = c.groups
    future = bool(_FUTURE_CUE.search(_clause(sentence, c.start)))
    pub = state.publication
    # Quoted "next week" is relative to when it was said, if the paragraph names that day.
    deictic_ref = state.speech_day if in_quote and state.speech_day else pub
    deictic_anchor: Anchor = "previous-event" if deictic_ref is not pub else "publication"
    rule = c.rule

    if rule in ("iso-date", "numeric-date"):
        try:
            return "absolute", day_value(dt.date(int(g["y"]), int(g["m"]), int(g["d"]))), False
        except ValueError:
            return "absolute", None, False
    if rule in ("month-day", "day-month"):
        month, day = _month_number(g["mon"]), int(g["d"])
        if g.get("y"):
            try:
                return "absolute", day_value(dt.date(int(g["y"]), month, day)), False
            except ValueError:
                return "absolute", None, False
        if pub is None:
            return "publication", None, False
        found = _nearest_year(pub, month, day, _weekday_number(g.get("wd")))
        return "publication", day_value(found) if found else None, False
    if rule == "part-of-year":
        year, which = int(g["y"]), g["which"].lower()
        if g["part"].lower() == "half":
            half = 1 if which in ("first", "former", "earlier") else 2
            return "absolute", half_value(year, half), False
        quarter = {"first": 1, "second": 2, "third": 3, "fourth": 4, "final": 4, "last": 4}
        return "absolute", quarter_value(year, quarter.get(which, 4)), False
    if rule == "quarter-code":
        return "absolute", quarter_value(int(g["y"]), int(g["q"])), False
    if rule == "season-year":
        return "absolute", season_value(int(g["y"]), _SEASON_WORDS[g["season"].lower()]), False
    if rule == "modified-period":
        mod = g["mod"].lower()
        if g.get("mon"):
            return "absolute", month_value(int(g["y"]), _month_number(g["mon"]), modifier=mod), True
        return "absolute", year_value(int(g["y"]), modifier=mod), True
    if rule == "month-year":
        return "absolute", month_value(int(g["y"]), _month_number(g["mon"])), False
    if rule == "decade":
        if g.get("dec"):
            return "absolute", decade_value(int(g["dec"])), False
        # "the '90s": the most recent such decade before the reference (or the 1900s).
        base = (pub or dt.date(1999, 1, 1)).year
        decade = int(g["yy"]) * 10
        century = base - base % 100
        first = century + decade if century + decade <= base else century - 100 + decade
        return "absolute", decade_value(first), False
    if rule == "year":
        return "absolute", year_value(int(g["y"])), False

    if rule == "offset-ago":
        amount, vague = _quantity(g)
        unit = _unit(g)
        approximate = vague or unit == "decade"
        if deictic_ref is None:
            return deictic_anchor, None, approximate
        return (
            deictic_anchor,
            _shift(day_value(deictic_ref), unit, -amount, approximate),
            approximate,
        )
    if rule == "offset":
        amount, vague = _quantity(g)
        unit = _unit(g)
        approximate = vague or unit == "decade"
        sign = -1 if g["dir"].lower() in ("earlier", "before", "prior", "previously") else 1
        anchor = _following_absolute(c, text, state) or state.previous
        if anchor is None:
            return "previous-event", None, approximate
        return "previous-event", _shift(anchor, unit, sign * amount, approximate), approximate
    if rule == "anaphoric":
        direction = (g.get("dir") or g.get("dir2") or g.get("dir3") or "").lower()
        unit = (g.get("unit") or g.get("unit2") or g.get("unit3") or "").lower()
        sign = {"following": 1, "next": 1, "subsequent": 1, "after": 1, "previous": -1,
                "preceding": -1, "prior": -1, "before": -1}.get(direction, 0)  # fmt: skip
        anchor = state.previous
        if anchor is None:
            return "previous-event", None, False
        if unit in _SEASON_WORDS:
            return "previous-event", _season_from(anchor.start, unit, sign), anchor.approximate
        if unit == "weekend":
            saturday = anchor.start + dt.timedelta(days=(5 - anchor.start.weekday()) % 7)
            moved = saturday + dt.timedelta(weeks=sign)
            return "previous-event", week_value(moved, anchor.approximate, weekend=True), False
        return "previous-event", _shift(anchor, unit, sign, False), False
    if rule == "deictic-unit":
        direction, unit = g["dir"].lower(), g["unit"].lower()
        if deictic_ref is None:
            return deictic_anchor, None, False
        sign = {"last": -1, "next": 1, "coming": 1}.get(direction, 0)
        if unit == "weekend":
            saturday = _weekend_near(deictic_ref, "this" if direction == "coming" else direction)
            return deictic_anchor, week_value(saturday, weekend=True), False
        if unit in _SEASON_WORDS:
            return deictic_anchor, _season_from(deictic_ref, unit, sign), False
        return deictic_anchor, _shift(day_value(deictic_ref), unit, sign, False), False
    if rule == "weekend":
        if deictic_ref is None:
            return deictic_anchor, None, False
        saturday = _weekend_near(deictic_ref, "coming" if future else "past")
        return deictic_anchor, week_value(saturday, weekend=True), False
    if rule == "deictic-day":
        if deictic_ref is None:
            return deictic_anchor, None, False
        shift = {"yesterday": -1, "tomorrow": 1}.get(g["word"].lower(), 0)
        return deictic_anchor, day_value(deictic_ref + dt.timedelta(days=shift)), False
    if rule == "weekday":
        if deictic_ref is None:
            return deictic_anchor, None, False
        target = _WEEKDAYS[g["wd"]]
        direction = (g.get("dir") or "").lower()
        gap = (deictic_ref.weekday() - target) % 7  # days back to the last such weekday
        if direction == "this":
            day = deictic_ref + dt.timedelta(days=target - deictic_ref.weekday())
        elif direction == "next" or (direction != "last" and future):
            day = deictic_ref + dt.timedelta(days=(target - deictic_ref.weekday()) % 7 or 7)
        elif direction == "last":
            day = deictic_ref - dt.timedelta(days=gap or 7)
        else:
            day = deictic_ref - dt.timedelta(days=gap)
        return deictic_anchor, day_value(day), False
    if rule == "month-alone":
        if pub is None:
            return "publication", None, False
        month, prep = _month_number(g["mon"]), g["prep"].lower().rstrip("-")
        year = pub.year
        if prep == "next" or (prep not in ("last", "since") and future):
            year += 1 if month < pub.month or (prep == "next" and month <= pub.month) else 0
        elif month > pub.month or (prep == "last" and month >= pub.month):
            year -= 1
        return "publication", month_value(year, month, modifier=_mod_word(prep)), False
    raise AssertionError(f"no resolver for rule {rule}")


def _mod_word(prep: str) -> str | None:
    return prep if prep in _MODIFIERS else None


def _season_from(reference: dt.date, word: str, sign: int) -> TimeValue:
    """This (0), the next (1) or the previous (-1) season of that name around a date."""
    code = _SEASON_WORDS[word]
    year = reference.year - (1 if code == "WI" and reference.month < 3 else 0)
    current = season_value(year, code)
    if sign > 0 and current.start <= reference:
        current = season_value(year + 1, code)
    elif sign < 0 and current.end >= reference:
        current = season_value(year - 1, code)
    return current


def _following_absolute(c: _Candidate, text: str, state: _State) -> TimeValue | None:
    """For "two weeks after May 5, 2018": the date right after the offset, when there is one."""
    if (c.groups.get("dir") or "").lower() not in ("after", "before"):
        return None
    for expr in state.pending:
        if expr.start >= c.end and text[c.end : expr.start].strip() in ("", "the"):
            return expr.value if expr.anchor == "absolute" else None
    return None


# --- public API ----------------------------------------------------------------------------


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside double quotes (curly or straight), for "said" time of quoted speech."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\u201c[^\u201c\u201d]*(?:\u201d|$)", text)]
    spans += [(m.start(), m.end()) for m in re.finditer(r'"[^"]*"', text)]
    return spans


_CLAUSE_BREAK = re.compile(r"[,;:()\u2014]|\s(?:that|and|but|while|because|although|though)\s")


def _clause(sentence: tuple[str, int], at: int) -> str:
    """The clause holding position `at`; a bare fronted adverbial ("On Friday, ...") borrows
    the clause after it, since it is that clause's verb that tells past from future."""
    text, offset = sentence
    at -= offset
    cuts = [0, *(m.end() for m in _CLAUSE_BREAK.finditer(text)), len(text)]
    for lo, hi in itertools.pairwise(cuts):
        if lo <= at < hi:
            clause = text[lo:hi]
            if len(clause.split()) <= 3 and hi < len(text):
                nxt = next((c for c in cuts if c > hi), len(text))
                clause += text[hi:nxt]
            return clause
    return text


def _sentence_around(text: str, spans: list, start: int) -> tuple[str, int]:
    for span in spans:
        if span.start <= start < span.end:
            return text[span.start : span.end], span.start
    return text, 0


def _expression(
    c: _Candidate, text: str, resolved: tuple[Anchor, TimeValue | None, bool]
) -> TemporalExpression:
    anchor, value, approximate = resolved
    return TemporalExpression(
        text=text[c.start : c.end],
        start=c.start,
        end=c.end,
        anchor=anchor,
        value=value,
        approximate=approximate or bool(value and value.approximate),
        rule=c.rule,
    )


def _tag(text: str, state: _State) -> list[TemporalExpression]:
    candidates = _candidates(text)
    quotes = _quote_spans(text)
    sentences = split_sentences(text)
    state.speech_day = None
    # Absolute expressions first, so "two weeks after May 5, 2018" can see the date after it.
    state.pending = []
    for c in candidates:
        if c.rule in _ABSOLUTE_RULES:
            state.pending.append(_expression(c, text, _resolve(c, text, ("", 0), False, state)))
    out: list[TemporalExpression] = []
    for c in candidates:
        in_quote = any(s < c.start and c.end <= e for s, e in quotes)
        sentence = _sentence_around(text, sentences, c.start)
        expr = _expression(c, text, _resolve(c, text, sentence, in_quote, state))
        value = expr.value
        out.append(expr)
        if value is not None:
            state.previous = value
            if value.granularity == "day" and not in_quote:
                state.speech_day = value.start
    state.pending = []
    return out


_ABSOLUTE_RULES = frozenset(
    {"iso-date", "numeric-date", "month-day", "day-month", "part-of-year", "quarter-code",
     "season-year", "modified-period", "month-year", "decade", "year"}
)  # fmt: skip


def find_dates(
    text: str,
    reference: dt.date | None = None,
    *,
    previous: TimeValue | None = None,
) -> list[TemporalExpression]:
    """Temporal expressions in one text (a sentence or a paragraph), in order.

    `reference` is the date the text was written (publication); `previous` the last dated
    event before it. Without them, expressions relative to them come back unresolved
    (`value` None) rather than guessed.
    """
    return _tag(text, _State(publication=reference, previous=previous))


def tag_paragraphs(
    paragraphs: Sequence[str], publication: dt.date | None
) -> list[list[TemporalExpression]]:
    """Tag an article's paragraphs in reading order, chaining relative expressions."""
    state = _State(publication=publication)
    return [_tag(text, state) for text in paragraphs]
