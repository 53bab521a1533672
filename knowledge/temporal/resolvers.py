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

from dateutil.relativedelta import relativedelta

from knowledge.temporal.rules import Candidate
from knowledge.temporal.shifts import (
    holiday_date,
    nearest_year,
    season_from,
    shift,
    weekend_near,
)
from knowledge.temporal.values import (
    MODIFIERS,
    Anchor,
    TemporalExpression,
    TimeValue,
    century_value,
    day_value,
    decade_value,
    half_value,
    month_value,
    period_containing,
    quarter_value,
    range_value,
    season_value,
    week_value,
    year_value,
)
from knowledge.temporal.words import (
    DECADE_WORDS,
    EXACT_WORDS,
    FORWARD_CUE,
    FULL_MONTH,
    FUTURE_CUE,
    HOLIDAYS,
    INTENT_CUE,
    IRREGULAR_PAST,
    MONTHS,
    NOT_PAST_ED,
    NUMBERS,
    ORDINAL_WORDS,
    PAST_AUXILIARIES,
    PRESENT_CUE,
    QUARTER_ORDINALS,
    SEASON_WORDS,
    TEENS_WORDS,
    TENS_WORDS,
    UNIT_WORDS,
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
    in_sentence: TimeValue | None = None  # the last date of the sentence being read
    quarter: TimeValue | None = None  # the last quarter named, for "the quarter"


@dataclass(frozen=True)
class Context:
    """One match and everything its resolver may lean on."""

    candidate: Candidate
    text: str
    state: State
    future: bool  # its clause speaks of what is to come ("will", "next")
    past: bool  # a past-tense verb stands right beside it ("on Friday announced")
    forward: bool  # its clause leans forward without a future tense ("would", "due to")
    present: bool  # its clause is in the present tense ("the pool is open in June")
    told_past: bool  # its clause is told in the past ("was", "had", "said", or a verb beside)
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
    clause = _clause(sentence, c.start)
    deadline = bool(_DEADLINE_BEFORE.search(text[: c.start])) and not PAST_AUXILIARIES.search(
        clause
    )
    past = not deadline and _past_beside(sentence, c.start - sentence[1], c.end - sentence[1])
    told_past = past or bool(PAST_AUXILIARIES.search(clause))
    context = Context(
        candidate=c,
        text=text,
        state=state,
        future=bool(FUTURE_CUE.search(clause)) and not past,
        past=past,
        forward=deadline or (_looks_forward(clause, text[c.start : c.end]) and not past),
        present=bool(PRESENT_CUE.search(clause)) and not told_past,
        told_past=told_past,
        reference=reference,
        reference_anchor="previous-event" if reference is not publication else "publication",
    )
    return RESOLVERS[c.rule](context)


def _looks_forward(clause: str, expression: str) -> bool:
    """A modal or plan word anywhere in the clause, or an intention before the date."""
    at = clause.find(expression)
    return bool(FORWARD_CUE.search(clause) or INTENT_CUE.search(clause[: max(at, 0)]))


_CLAUSE_BREAK = re.compile(
    r"[,;:()\u2014]|[.!?]\s|\s(?:that|and|but|while|because|although|though|who|which|since"
    r"|when|if|once|unless|saying|adding)\s"
)


_BORROWED_WORDS = 6
# "postponed until Tuesday", "the deadline was extended to Friday": a day still to come.
_DEADLINE_BEFORE = re.compile(
    r"(?i)\b(?:until|till|extended\s+to|postponed\s+to)\s+(?:\S+\s+){0,3}$"
)


def _clause(sentence: tuple[str, int], at: int) -> str:
    """The clause holding position `at`; a bare fronted adverbial ("On Friday, ...") borrows
    the clause after it, since it is that clause's verb that tells past from future."""
    text, offset = sentence
    at -= offset
    cuts = [0, *(m.end() for m in _CLAUSE_BREAK.finditer(text)), len(text)]
    for lo, hi in itertools.pairwise(cuts):
        if lo <= at < hi:
            clause = text[lo:hi]
            if len(clause.split()) <= 3:  # borrow until the next clause has a verb's room
                for nxt in (c for c in cuts if c > hi):
                    clause = text[lo:nxt]
                    if len(text[hi:nxt].split()) >= _BORROWED_WORDS:
                        break
            return clause
    return text


_WORD = re.compile(r"[A-Za-z']+")


def _is_past_verb(word: str) -> bool:
    if word[:1].isupper():
        return False  # "the United States", "Ahmed": names, not verbs
    word = word.lower()
    if word in IRREGULAR_PAST:
        return True
    return len(word) > 4 and word.endswith("ed") and word not in NOT_PAST_ED


def _past_beside(sentence: tuple[str, int], start: int, end: int) -> bool:
    """A past-tense verb within three words before or two after the date ("said Monday", "on
    Friday announced", "met Monday"): HeidelTime's tense of the governing verb, read without
    a parser."""
    text = sentence[0]
    before = _WORD.findall(re.split(r"[,;:()\u2014]", text[:start])[-1])[-_PAST_WINDOW - 1 :]
    rest = text[end:]
    if len(_WORD.findall(text[:start])) <= 1:  # fronted "In September, it announced": the
        rest = rest.lstrip(" ,")  # verb after the comma is the date's
    after = _WORD.findall(re.split(r"[,;:()\u2014.]", rest)[0])[:2]
    words = before + after
    # "to be published", "has been named": a participle after an auxiliary is not a past tense;
    # "was planned for", "were due": a plan, looking forward from then.
    return any(
        _is_past_verb(words[i])
        and (i == 0 or words[i - 1].lower() not in _NOT_PAST_BEFORE)
        and (i + 1 == len(words) or words[i + 1].lower() not in _PLAN_AFTER)
        for i in range(max(len(before) - _PAST_WINDOW, 0), len(words))
    )


_PAST_WINDOW = 3
_PLAN_AFTER = frozenset({"planned", "scheduled", "expected", "due", "set", "slated", "supposed"})


def _ended_right_before(x: Context) -> bool:
    """ "the season ended Jan. 15", "terminated on Dec. 1": a past verb right before the date
    (no "to" or "until" between) puts it on or before the reference day."""
    before = _WORD.findall(x.text[max(x.candidate.start - 40, 0) : x.candidate.start])
    if before and before[-1].lower() in ("on", "at"):
        before = before[:-1]
    return (
        len(before) >= 2
        and _is_past_verb(before[-1])
        and before[-2].lower() not in (_NOT_PAST_BEFORE)
    )


_NOT_PAST_BEFORE = frozenset({"be", "been", "being", "is", "are", "am", "has", "have", "will"})


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
    lean = "future" if x.future or x.forward else "told-past" if _ended_right_before(x) else "past"
    found = nearest_year(x.publication, month, day, _weekday_number(c.groups.get("wd")), lean)
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


def _week_of(x: Context) -> Resolution:
    """ "the week of March 6": the ISO week holding that day."""
    anchor, day, _ = _month_and_day(x)
    return anchor, week_value(day.start) if day else None, False


def _year_range(x: Context) -> Resolution:
    c = x.candidate
    first, tail = int(c.group("y")), c.group("y2")
    last = int(tail) if len(tail) == 4 else first - first % 100 + int(tail)
    return "absolute", range_value(year_value(first), year_value(last)), False


def _century(x: Context) -> Resolution:
    c = x.candidate
    word = c.group("n").lower()
    number = ORDINAL_WORDS[word] if word in ORDINAL_WORDS else int(word[:-2])
    return (
        "absolute",
        century_value((number - 1) * 100, approximate=bool(c.groups.get("mod"))),
        False,
    )


def _decade_word(x: Context) -> Resolution:
    """ "the nineties": the most recent such decade by the publication (or the 1900s)."""
    c = x.candidate
    tens = DECADE_WORDS[c.group("dw").lower()]
    base = (x.publication or dt.date(1999, 12, 31)).year
    first = base - base % 100 + tens
    first -= 100 if first > base else 0
    return "absolute", decade_value(first, approximate=bool(c.groups.get("mod"))), False


def _spelled_number(words: str) -> int:
    parts = re.split(r"[\s-]+", words.lower())
    if parts[0] == "o":
        parts = parts[1:]
    table = TENS_WORDS | TEENS_WORDS | UNIT_WORDS
    return sum(table[p] for p in parts if p in table)


def _spelled_year(x: Context) -> Resolution:
    c = x.candidate
    if c.groups.get("hi"):
        hi = 20 if c.group("hi").lower() == "twenty" else TEENS_WORDS[c.group("hi").lower()]
        year = hi * 100 + _spelled_number(c.group("lo"))
    else:
        year = 2000 + (_spelled_number(c.group("lo2")) if c.groups.get("lo2") else 0)
    if c.groups.get("mon"):
        return "absolute", month_value(year, _month_number(c.group("mon"))), False
    if c.groups.get("season"):
        return "absolute", season_value(year, SEASON_WORDS[c.group("season").lower()]), False
    return "absolute", year_value(year), False


# --- relative rules: the text leans on another date ----------------------------------------


def _offset_ago(x: Context) -> Resolution:
    amount, vague = _quantity(x.candidate)
    unit = _unit(x.candidate)
    approximate = vague or unit == "decade"
    compared = _comparison_anchor(x)
    if compared is not None and amount == 1 and not vague:  # "a year ago", not "41 years ago"
        return "previous-event", _years_back(compared, amount), False
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
    compared = _comparison_anchor(x)
    if compared is not None and amount == 1 and not vague:  # "a year ago", not "41 years ago"
        return "previous-event", _years_back(compared, sign * -amount), False
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


_PARTS_OF_DAY = frozenset({"morning", "afternoon", "evening", "night"})


def _anaphoric(x: Context) -> Resolution:
    c = x.candidate
    direction = c.optional("dir", "dir2", "dir3")
    unit = c.optional("unit", "unit2", "unit3")
    unit = "day" if unit in _PARTS_OF_DAY else unit  # "the next morning" is the next day
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


_MONTH_BEFORE = re.compile(rf"\b(?:{FULL_MONTH})\s+$")


def _deictic_unit(x: Context) -> Resolution:
    c = x.candidate
    direction, unit = c.group("dir").lower(), c.group("unit").lower()
    compared = x.state.in_sentence if (direction, unit) == ("last", "year") else None
    if _MONTH_BEFORE.search(x.text[: c.start]):
        compared = None  # "July last year" names last year's July, not a comparison
    if compared is not None and compared.granularity in ("month", "season", "quarter", "half"):
        # "third-quarter sales rose from last year": last year's third quarter
        return "previous-event", _years_back(compared, 1), False
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
    direction = x.candidate.optional("dir").split()[-1] if x.candidate.optional("dir") else ""
    direction = "next" if direction == "coming" else direction
    gap = (reference.weekday() - target) % 7  # days back to the last such weekday
    if direction == "this":
        day = reference + dt.timedelta(days=target - reference.weekday())
    elif direction == "next" or (direction != "last" and (x.future or x.forward)):
        day = reference + dt.timedelta(days=(target - reference.weekday()) % 7 or 7)
    elif direction == "last":
        day = reference - dt.timedelta(days=gap or 7)
    else:
        day = reference - dt.timedelta(days=gap)
    return x.reference_anchor, day_value(day), False


_DEADLINE_WORDS = frozenset({"by", "until", "till"})


def _month_alone_year(x: Context, pub: dt.date, month: int, prep: str) -> int:
    """The year of a month named alone: the coming one when the clause looks ahead ("due to
    be published in May", "by May"), else the latest one begun by the publication."""
    ahead = x.future or x.forward or (prep in _DEADLINE_WORDS and not x.past) or x.present
    year = pub.year
    if prep == "this":
        return year
    if prep == "next" or (prep not in ("last", "since") and ahead):
        year += 1 if month < pub.month or (prep == "next" and month <= pub.month) else 0
    elif prep in ("last", "since") or x.told_past:
        year -= 1 if month > pub.month or (prep == "last" and month >= pub.month) else 0
    else:  # no tense to go by: the nearer one, a past month counting as a third as far
        ahead_by = (month - pub.month) % 12
        year += 1 if month < pub.month and ahead_by < (12 - ahead_by) / 3 else 0
        year -= 1 if month > pub.month and ahead_by >= (12 - ahead_by) / 3 else 0
    return year


def _month_alone(x: Context) -> Resolution:
    pub = x.publication
    if pub is None:
        return "publication", None, False
    c = x.candidate
    month, prep = _month_number(c.group("mon")), c.optional("prep").rstrip("-") or "in"
    year = _month_alone_year(x, pub, month, prep)
    return "publication", month_value(year, month, modifier=_mod_word(prep)), False


def _month_range(x: Context) -> Resolution:
    """ "June through September": one range, the year from the text or else from the tense."""
    c = x.candidate
    first, last = _month_number(c.group("mon")), _month_number(c.group("mon2"))
    if c.groups.get("y"):
        end_year = int(c.group("y"))
        start_year, anchor = end_year - (1 if last < first else 0), "absolute"
    elif x.publication is None:
        return "publication", None, False
    else:
        start_year, anchor = _month_alone_year(x, x.publication, first, "in"), "publication"
        end_year = start_year + (1 if last < first else 0)
    value = range_value(month_value(start_year, first), month_value(end_year, last))
    return anchor, value, False  # type: ignore[return-value]


def _quarter(x: Context) -> Resolution:
    """ "the third quarter", "fiscal second-quarter": of the year the text names, else of the
    publication's year, moved a year when the tense says so (a past fourth quarter in March)."""
    c = x.candidate
    quarter = QUARTER_ORDINALS[c.group("which").lower()]
    if c.groups.get("y"):
        return "absolute", quarter_value(int(c.group("y")), quarter), False
    if x.reference is None:
        return x.reference_anchor, None, False
    year = x.reference.year + {"last": -1, "next": 1}.get(c.optional("rel"), 0)
    current = (x.reference.month - 1) // 3 + 1
    if not c.optional("rel") and not (x.future or x.forward) and quarter > current:
        year -= 1  # reported results: a quarter not yet begun is last year's
    if c.optional("ago"):
        year -= 1  # "the year-ago third quarter"
    return x.reference_anchor, quarter_value(year, quarter), False


def _latest_quarter(reference: dt.date) -> TimeValue:
    """The last quarter over by the reference date, give or take the weeks results take."""
    day = reference - dt.timedelta(days=_RESULTS_LAG_DAYS)
    return quarter_value(day.year, (day.month - 1) // 3 + 1)


_RESULTS_LAG_DAYS = 45


def _quarter_anaphor(x: Context) -> Resolution:
    """ "the quarter", "the year-ago period", "the 1988 quarter": the quarter the article last
    named (a year back, or in that year); "the latest quarter" the last one over by the
    reference date, "the current quarter" and "this quarter" the one holding it."""
    c = x.candidate
    ago, unit, det, mod = (
        c.optional("ago"),
        c.group("unit").lower(),
        c.group("det"),
        c.optional("mod"),
    )
    here = x.reference
    if here is not None and unit == "quarter" and (mod == "current" or det.lower() == "this"):
        return x.reference_anchor, quarter_value(here.year, (here.month - 1) // 3 + 1), False
    if here is not None and mod in ("latest", "most recent"):
        return x.reference_anchor, _latest_quarter(here), False
    named = x.state.quarter
    if named is None or (unit == "period" and not (ago or mod or c.groups.get("y"))):
        return "previous-event", None, False
    if c.groups.get("y"):
        number = (named.start.month - 1) // 3 + 1
        return "absolute", quarter_value(int(c.group("y")), number), False
    return "previous-event", _years_back(named, 1) if ago else named, False


def _period_ended(x: Context) -> Resolution:
    """ "the year ended June 30" is the year that day falls in; "the quarter ended Aug. 31"
    the quarter the article named (fiscal quarters are numbered by the company), else the
    calendar quarter holding most of its three months."""
    c = x.candidate
    if c.group("unit").lower() == "quarter" and x.state.quarter is not None:
        return "previous-event", x.state.quarter, False
    month, day = _month_number(c.group("mon")), int(c.group("d"))
    if c.groups.get("y"):
        end: dt.date | None = dt.date(int(c.group("y")), month, day)
        anchor: Anchor = "absolute"
    elif x.publication is None:
        return "publication", None, False
    else:
        lean = "told-past" if c.group("verb").lower() == "ended" else "past"
        end, anchor = nearest_year(x.publication, month, day, None, lean), "publication"
    if end is None:
        return anchor, None, False
    if c.group("unit").lower() == "year":
        return anchor, year_value(end.year), False
    middle = end - dt.timedelta(days=_QUARTER_MIDDLE_DAYS)
    return anchor, quarter_value(middle.year, (middle.month - 1) // 3 + 1), False


_QUARTER_MIDDLE_DAYS = 45


def _year_ago(x: Context) -> Resolution:
    """ "year-ago results", "from year-earlier levels": a year before the period compared."""
    anchor = x.state.in_sentence or x.state.quarter
    if anchor is not None and anchor.granularity in ("month", "season", "quarter", "half"):
        return "previous-event", _years_back(anchor, 1), False
    if x.reference is None:
        return x.reference_anchor, None, False
    return x.reference_anchor, year_value(x.reference.year - 1), False


_EDGE_MODIFIER = {"end": "late", "beginning": "early", "start": "early", "middle": "mid"}


def _period_edge(x: Context) -> Resolution:
    """ "the end of the year", "year-end", "the beginning of October": that period's early,
    middle or late third."""
    c = x.candidate
    pub = x.reference
    modifier = "late" if c.groups.get("ye") else _EDGE_MODIFIER[c.group("edge").lower()]
    if c.groups.get("mon") and c.groups.get("y"):
        year = int(c.group("y"))
        return "absolute", month_value(year, _month_number(c.group("mon")), modifier=modifier), True
    if pub is None:
        return x.reference_anchor, None, False
    if c.groups.get("mon"):
        month = _month_number(c.group("mon"))
        year = _month_alone_year(x, pub, month, "in")
        return x.reference_anchor, month_value(year, month, modifier=modifier), True
    unit = c.optional("unit") or "year"
    sign = {"next": 1, "last": -1}.get(c.optional("dir"), 0)
    if unit == "week":
        return x.reference_anchor, week_value(pub + dt.timedelta(weeks=sign)), False
    if unit == "month":
        moved = pub + relativedelta(months=sign)
        return x.reference_anchor, month_value(moved.year, moved.month, modifier=modifier), True
    return x.reference_anchor, year_value(pub.year + sign, modifier=modifier), True


def _fiscal_year(x: Context) -> Resolution:
    c = x.candidate
    if c.groups.get("y"):
        return "absolute", year_value(int(c.group("y"))), False
    if x.reference is None:
        return x.reference_anchor, None, False
    direction = c.optional("dir").split()[-1] if c.optional("dir") else "the"
    sign = {"last": -1, "previous": -1, "past": -1, "next": 1}.get(direction, 0)
    return x.reference_anchor, year_value(x.reference.year + sign), False


_PAST_SPAN_BACK = {"week": 3, "month": 15, "year": 182}  # days back to the span's middle


def _past_unit(x: Context) -> Resolution:
    """ "the last week", "the past year": the stretch just before the reference, named by the
    calendar period holding its middle."""
    if x.reference is None:
        return x.reference_anchor, None, False
    unit = x.candidate.group("unit").lower()
    middle = x.reference - dt.timedelta(days=_PAST_SPAN_BACK[unit])
    return x.reference_anchor, period_containing(unit, middle), False


_HOLIDAY_KEYS = [(re.compile(pattern, re.IGNORECASE), key) for pattern, key in HOLIDAYS.items()]


def _holiday(x: Context) -> Resolution:
    """ "Thanksgiving", "last Christmas", "Election Day 1998": that day in the year the text
    names, else the nearest one (a past one counting as half as far, as for "March 5")."""
    c = x.candidate
    key = next(k for p, k in _HOLIDAY_KEYS if p.fullmatch(c.group("name")))
    if c.groups.get("week"):  # "Easter week": the ISO week holding the day
        anchor, day, _ = _holiday_day(x, key)
        return anchor, week_value(day.start) if day else None, False
    return _holiday_day(x, key)


def _holiday_day(x: Context, key: str) -> Resolution:
    c = x.candidate
    if c.groups.get("y"):
        return "absolute", day_value(holiday_date(key, int(c.group("y")))), False
    ref = x.reference
    if ref is None:
        return x.reference_anchor, None, False
    days = [holiday_date(key, year) for year in (ref.year - 1, ref.year, ref.year + 1)]
    direction = c.optional("dir")
    if direction == "last":
        days = [d for d in days if d < ref]
        return x.reference_anchor, day_value(days[-1]), False
    if direction == "next" or x.future or x.forward:
        return x.reference_anchor, day_value(min(d for d in days if d >= ref)), False
    nearest = min(days, key=lambda d: (d - ref).days if d > ref else (ref - d).days / 2)
    return x.reference_anchor, day_value(nearest), False


def _season_alone(x: Context) -> Resolution:
    """ "the summer", "this past spring": the coming one when the clause looks ahead, else the
    latest begun by the reference ("this past": the latest over)."""
    ref = x.reference
    if ref is None:
        return x.reference_anchor, None, False
    code = SEASON_WORDS[x.candidate.group("season").lower()]
    seasons = [season_value(year, code) for year in (ref.year - 1, ref.year, ref.year + 1)]
    if "past" in x.candidate.optional("dir"):
        chosen = [s for s in seasons if s.end < ref][-1]
    elif x.future or x.forward:
        chosen = next(s for s in seasons if s.end >= ref)
    else:
        chosen = [s for s in seasons if s.start <= ref][-1]
    return x.reference_anchor, chosen, False


def _current_unit(x: Context) -> Resolution:
    """ "the current year", "the full year": the period holding the reference date."""
    if x.reference is None:
        return x.reference_anchor, None, False
    unit = x.candidate.optional("unit", "unit2", "unit3")
    return x.reference_anchor, period_containing(unit, x.reference), False


def _years_back(anchor: TimeValue, years: int) -> TimeValue:
    """The same quarter, month, half or season `years` earlier."""
    moved = anchor.start - relativedelta(years=years)
    return period_containing(anchor.granularity, moved, anchor.approximate)


def _comparison_anchor(x: Context) -> TimeValue | None:
    """ "profit rose in the third quarter from $5 a year earlier": a year back from a quarter,
    month, half or season named earlier in the same sentence (or from the quarter the
    article reports on) is that same period."""
    anchor = x.state.in_sentence or x.state.quarter
    if _unit(x.candidate) != "year" or anchor is None:
        return None
    return anchor if anchor.granularity in ("month", "season", "quarter", "half") else None


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
    "year-range": _year_range,
    "century": _century,
    "decade-word": _decade_word,
    "spelled-year": _spelled_year,
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
    "month-possessive": _month_alone,
    "month-attributive": _month_alone,
    "week-of": _week_of,
    "month-range": _month_range,
    "quarter": _quarter,
    "quarter-anaphor": _quarter_anaphor,
    "period-ended": _period_ended,
    "year-ago": _year_ago,
    "holiday": _holiday,
    "season-alone": _season_alone,
    "current-unit": _current_unit,
    "period-edge": _period_edge,
    "fiscal-year": _fiscal_year,
    "past-unit": _past_unit,
}
# Dropped, not listed as undated, when nothing before them says which period they mean.
NEEDS_ANTECEDENT = frozenset({"quarter-anaphor"})
# Rules whose value is a period compared with the one reported (kept out of what later
# comparisons lean on, so "a year earlier" after "a year ago" does not go back two years).
COMPARISONS = frozenset({"offset", "offset-ago", "year-ago"})
RESOLVERS: dict[str, Resolver] = CALENDAR_RESOLVERS | RELATIVE_RESOLVERS
# Resolved first in each paragraph, so an offset can lean on the date right after it.
CALENDAR_RULES = frozenset(CALENDAR_RESOLVERS)
