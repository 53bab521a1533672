"""From a rule's match to a value: one small resolver per rule, chosen by the rule's name.

Calendar rules name their date ("May 5, 2018", "the 1990s"); relative ones lean on the
publication date, on the day a quote was said, or on the last dated event before them. A
resolver returns (anchor kind, value or None when it cannot be resolved, approximate).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from knowledge.temporal.rules import Candidate
from knowledge.temporal.shifts import nearest_year, season_from, shift, weekend_near
from knowledge.temporal.values import (
    MODIFIERS,
    Anchor,
    TemporalExpression,
    TimeValue,
    day_value,
    decade_value,
    half_value,
    month_value,
    quarter_value,
    season_value,
    week_value,
    year_value,
)
from knowledge.temporal.words import (
    EXACT_WORDS,
    FUTURE_CUE,
    MONTHS,
    NUMBERS,
    SEASON_WORDS,
    VAGUE_QUANTITIES,
    WEEKDAY_ABBR,
    WEEKDAYS,
)

Resolution = tuple[Anchor, TimeValue | None, bool]


@dataclass
class State:
    """What relative expressions lean on while reading one article in order."""

    publication: dt.date | None
    previous: TimeValue | None = None
    speech_day: dt.date | None = None  # the last day named in this paragraph (quote time)
    pending: list[TemporalExpression] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """One match and everything its resolver may lean on."""

    candidate: Candidate
    text: str
    state: State
    future: bool  # its clause speaks of what is to come ("will", "next")
    reference: dt.date | None  # what "today" or "next week" count from
    reference_anchor: Anchor  # and what kind of anchor that is

    @property
    def publication(self) -> dt.date | None:
        return self.state.publication


Resolver = Callable[[Context], Resolution]


def resolve(
    c: Candidate, text: str, sentence: tuple[str, int], in_quote: bool, state: State
) -> Resolution:
    """Resolve one match with the resolver of its rule."""
    publication = state.publication
    # Quoted "next week" is relative to when it was said, if the paragraph names that day.
    reference = state.speech_day if in_quote and state.speech_day else publication
    context = Context(
        candidate=c,
        text=text,
        state=state,
        future=bool(FUTURE_CUE.search(_clause(sentence, c.start))),
        reference=reference,
        reference_anchor="previous-event" if reference is not publication else "publication",
    )
    return RESOLVERS[c.rule](context)


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


# --- reading groups ------------------------------------------------------------------------


def _month_number(name: str) -> int:
    return MONTHS[name.rstrip(".")]


def _weekday_number(name: str | None) -> int | None:
    if not name:
        return None
    name = name.rstrip(".")
    return WEEKDAYS.get(name, WEEKDAY_ABBR.get(name))


def _quantity(c: Candidate) -> tuple[int, bool]:
    """How many units, and whether the text says so only roughly ("a few", "about")."""
    qty = " ".join((c.groups.get("qty") or "a").lower().split())
    number = int(qty) if qty.isdigit() else NUMBERS[qty]
    approx = " ".join((c.groups.get("approx") or "").lower().split())
    vague = qty in VAGUE_QUANTITIES or bool(approx and approx not in EXACT_WORDS)
    return number, vague


def _unit(c: Candidate) -> str:
    unit = c.optional("unit")
    return unit[:-1] if unit.endswith("s") else unit


def _mod_word(prep: str) -> str | None:
    return prep if prep in MODIFIERS else None


# --- calendar rules: the text names the date -----------------------------------------------


def _day(year: int, month: int, day: int) -> Resolution:
    try:
        return "absolute", day_value(dt.date(year, month, day)), False
    except ValueError:
        return "absolute", None, False


def _numeric_date(x: Context) -> Resolution:
    c = x.candidate
    return _day(int(c.group("y")), int(c.group("m")), int(c.group("d")))


def _month_and_day(x: Context) -> Resolution:
    c = x.candidate
    month, day = _month_number(c.group("mon")), int(c.group("d"))
    if c.groups.get("y"):
        return _day(int(c.group("y")), month, day)
    if x.publication is None:
        return "publication", None, False
    found = nearest_year(x.publication, month, day, _weekday_number(c.groups.get("wd")))
    return "publication", day_value(found) if found else None, False


def _part_of_year(x: Context) -> Resolution:
    c = x.candidate
    year, which = int(c.group("y")), c.group("which").lower()
    if c.group("part").lower() == "half":
        half = 1 if which in ("first", "former", "earlier") else 2
        return "absolute", half_value(year, half), False
    quarter = {"first": 1, "second": 2, "third": 3, "fourth": 4, "final": 4, "last": 4}
    return "absolute", quarter_value(year, quarter.get(which, 4)), False


def _quarter_code(x: Context) -> Resolution:
    c = x.candidate
    return "absolute", quarter_value(int(c.group("y")), int(c.group("q"))), False


def _season_year(x: Context) -> Resolution:
    c = x.candidate
    code = SEASON_WORDS[c.group("season").lower()]
    return "absolute", season_value(int(c.group("y")), code), False


def _modified_period(x: Context) -> Resolution:
    c = x.candidate
    year, mod = int(c.group("y")), c.group("mod").lower()
    if c.groups.get("mon"):
        return "absolute", month_value(year, _month_number(c.group("mon")), modifier=mod), True
    return "absolute", year_value(year, modifier=mod), True


def _month_year(x: Context) -> Resolution:
    c = x.candidate
    return "absolute", month_value(int(c.group("y")), _month_number(c.group("mon"))), False


def _decade(x: Context) -> Resolution:
    c = x.candidate
    if c.groups.get("dec"):
        return "absolute", decade_value(int(c.group("dec"))), False
    # "the '90s": the most recent such decade before the reference (or the 1900s).
    base = (x.publication or dt.date(1999, 1, 1)).year
    decade = int(c.group("yy")) * 10
    century = base - base % 100
    first = century + decade if century + decade <= base else century - 100 + decade
    return "absolute", decade_value(first), False


def _year(x: Context) -> Resolution:
    return "absolute", year_value(int(x.candidate.group("y"))), False


# --- relative rules: the text leans on another date ----------------------------------------


def _offset_ago(x: Context) -> Resolution:
    amount, vague = _quantity(x.candidate)
    unit = _unit(x.candidate)
    approximate = vague or unit == "decade"
    if x.reference is None:
        return x.reference_anchor, None, approximate
    value = shift(day_value(x.reference), unit, -amount, approximate)
    return x.reference_anchor, value, approximate


def _offset(x: Context) -> Resolution:
    c = x.candidate
    amount, vague = _quantity(c)
    unit = _unit(c)
    approximate = vague or unit == "decade"
    sign = -1 if c.group("dir").lower() in ("earlier", "before", "prior", "previously") else 1
    anchor = _following_absolute(x) or x.state.previous
    if anchor is None:
        return "previous-event", None, approximate
    return "previous-event", shift(anchor, unit, sign * amount, approximate), approximate


def _following_absolute(x: Context) -> TimeValue | None:
    """For "two weeks after May 5, 2018": the date right after the offset, when there is one."""
    c = x.candidate
    if c.optional("dir") not in ("after", "before"):
        return None
    for expr in x.state.pending:
        if expr.start >= c.end and x.text[c.end : expr.start].strip() in ("", "the"):
            return expr.value if expr.anchor == "absolute" else None
    return None


def _anaphoric(x: Context) -> Resolution:
    c = x.candidate
    direction = c.optional("dir", "dir2", "dir3")
    unit = c.optional("unit", "unit2", "unit3")
    sign = {"following": 1, "next": 1, "subsequent": 1, "after": 1, "previous": -1,
            "preceding": -1, "prior": -1, "before": -1}.get(direction, 0)  # fmt: skip
    anchor = x.state.previous
    if anchor is None:
        return "previous-event", None, False
    if unit in SEASON_WORDS:
        return "previous-event", season_from(anchor.start, unit, sign), anchor.approximate
    if unit == "weekend":
        saturday = anchor.start + dt.timedelta(days=(5 - anchor.start.weekday()) % 7)
        moved = saturday + dt.timedelta(weeks=sign)
        return "previous-event", week_value(moved, anchor.approximate, weekend=True), False
    return "previous-event", shift(anchor, unit, sign, False), False


def _deictic_unit(x: Context) -> Resolution:
    c = x.candidate
    direction, unit = c.group("dir").lower(), c.group("unit").lower()
    if x.reference is None:
        return x.reference_anchor, None, False
    sign = {"last": -1, "next": 1, "coming": 1}.get(direction, 0)
    if unit == "weekend":
        saturday = weekend_near(x.reference, "this" if direction == "coming" else direction)
        return x.reference_anchor, week_value(saturday, weekend=True), False
    if unit in SEASON_WORDS:
        return x.reference_anchor, season_from(x.reference, unit, sign), False
    return x.reference_anchor, shift(day_value(x.reference), unit, sign, False), False


def _weekend(x: Context) -> Resolution:
    if x.reference is None:
        return x.reference_anchor, None, False
    saturday = weekend_near(x.reference, "coming" if x.future else "past")
    return x.reference_anchor, week_value(saturday, weekend=True), False


def _deictic_day(x: Context) -> Resolution:
    if x.reference is None:
        return x.reference_anchor, None, False
    days = {"yesterday": -1, "tomorrow": 1}.get(x.candidate.group("word").lower(), 0)
    return x.reference_anchor, day_value(x.reference + dt.timedelta(days=days)), False


def _weekday(x: Context) -> Resolution:
    reference = x.reference
    if reference is None:
        return x.reference_anchor, None, False
    target = WEEKDAYS[x.candidate.group("wd")]
    direction = x.candidate.optional("dir")
    gap = (reference.weekday() - target) % 7  # days back to the last such weekday
    if direction == "this":
        day = reference + dt.timedelta(days=target - reference.weekday())
    elif direction == "next" or (direction != "last" and x.future):
        day = reference + dt.timedelta(days=(target - reference.weekday()) % 7 or 7)
    elif direction == "last":
        day = reference - dt.timedelta(days=gap or 7)
    else:
        day = reference - dt.timedelta(days=gap)
    return x.reference_anchor, day_value(day), False


def _month_alone(x: Context) -> Resolution:
    pub = x.publication
    if pub is None:
        return "publication", None, False
    c = x.candidate
    month, prep = _month_number(c.group("mon")), c.group("prep").lower().rstrip("-")
    year = pub.year
    if prep == "next" or (prep not in ("last", "since") and x.future):
        year += 1 if month < pub.month or (prep == "next" and month <= pub.month) else 0
    elif month > pub.month or (prep == "last" and month >= pub.month):
        year -= 1
    return "publication", month_value(year, month, modifier=_mod_word(prep)), False


CALENDAR_RESOLVERS: dict[str, Resolver] = {
    "iso-date": _numeric_date,
    "numeric-date": _numeric_date,
    "month-day": _month_and_day,
    "day-month": _month_and_day,
    "part-of-year": _part_of_year,
    "quarter-code": _quarter_code,
    "season-year": _season_year,
    "modified-period": _modified_period,
    "month-year": _month_year,
    "decade": _decade,
    "year": _year,
}
RELATIVE_RESOLVERS: dict[str, Resolver] = {
    "offset-ago": _offset_ago,
    "offset": _offset,
    "anaphoric": _anaphoric,
    "deictic-unit": _deictic_unit,
    "weekend": _weekend,
    "deictic-day": _deictic_day,
    "weekday": _weekday,
    "month-alone": _month_alone,
}
RESOLVERS: dict[str, Resolver] = CALENDAR_RESOLVERS | RELATIVE_RESOLVERS
# Resolved first in each paragraph, so an offset can lean on the date right after it.
CALENDAR_RULES = frozenset(CALENDAR_RESOLVERS)
