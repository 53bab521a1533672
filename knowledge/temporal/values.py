"""Resolved dates: TIMEX3-style values, the intervals bounding them, and what was tagged.

Values follow TIMEX3: "2023-10-20", "2018-06", "2018", "2025-SU", "2018-H2", "2018-Q1",
"201X" (a decade), "2023-W43" (an ISO week), "2023-W42-WE" (its weekend). Every value carries
the ISO dates bounding it, so callers compare intervals instead of parsing strings.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Literal

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict

Granularity = Literal[
    "day", "week", "month", "season", "quarter", "half", "year", "decade", "century"
]
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
    "century",
)
RANK = {g: i for i, g in enumerate(GRANULARITY_ORDER)}


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


_MONTH_LABELS = [calendar.month_name[i] for i in range(13)]
_SEASONS = {"SP": (3, "Spring"), "SU": (6, "Summer"), "FA": (9, "Fall"), "WI": (12, "Winter")}
MODIFIERS = {"early": (0, 3), "mid": (1, 3), "late": (2, 3)}  # which third of the period


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _about(label: str, approximate: bool) -> str:
    return f"about {label}" if approximate else label


def _period(
    value: str,
    start: dt.date,
    end: dt.date,
    granularity: Granularity,
    label: str,
    approximate: bool,
    modifier: str | None = None,
) -> TimeValue:
    """A value whose label says "about" when it is approximate; an early/mid/late modifier
    narrows it to that third and says so instead."""
    if modifier:
        start, end = _third(start, end, modifier)
        label, approximate = f"{modifier} {label}", True
    return TimeValue(
        value=value,
        start=start,
        end=end,
        granularity=granularity,
        approximate=approximate,
        label=label if modifier else _about(label, approximate),
    )


def day_value(day: dt.date, approximate: bool = False) -> TimeValue:
    label = f"{_MONTH_LABELS[day.month]} {day.day}, {day.year}"
    return _period(day.isoformat(), day, day, "day", label, approximate)


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
        return _period(
            f"{year}-W{week:02d}-WE",
            start,
            end,
            "week",
            f"weekend of {span}, {end.year}",
            approximate,
        )
    sunday = monday + dt.timedelta(days=6)
    label = f"week of {_MONTH_LABELS[monday.month]} {monday.day}, {monday.year}"
    return _period(f"{year}-W{week:02d}", monday, sunday, "week", label, approximate)


def month_value(
    year: int, month: int, approximate: bool = False, modifier: str | None = None
) -> TimeValue:
    return _period(
        f"{year:04d}-{month:02d}",
        dt.date(year, month, 1),
        _month_end(year, month),
        "month",
        f"{_MONTH_LABELS[month]} {year}",
        approximate,
        modifier,
    )


def season_value(year: int, code: str, approximate: bool = False) -> TimeValue:
    """Meteorological seasons of the northern hemisphere; winter Y runs Dec Y to Feb Y+1."""
    first_month, name = _SEASONS[code]
    start = dt.date(year, first_month, 1)
    end = start + relativedelta(months=3) - dt.timedelta(days=1)
    return _period(f"{year:04d}-{code}", start, end, "season", f"{name} {year}", approximate)


def quarter_value(year: int, quarter: int, approximate: bool = False) -> TimeValue:
    start = dt.date(year, 3 * quarter - 2, 1)
    ordinal = ("first", "second", "third", "fourth")[quarter - 1]
    return _period(
        f"{year:04d}-Q{quarter}",
        start,
        _month_end(year, 3 * quarter),
        "quarter",
        f"{ordinal} quarter of {year}",
        approximate,
    )


def half_value(year: int, half: int, approximate: bool = False) -> TimeValue:
    start = dt.date(year, 1 if half == 1 else 7, 1)
    return _period(
        f"{year:04d}-H{half}",
        start,
        _month_end(year, 6 if half == 1 else 12),
        "half",
        f"{'first' if half == 1 else 'second'} half of {year}",
        approximate,
    )


def year_value(year: int, approximate: bool = False, modifier: str | None = None) -> TimeValue:
    return _period(
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


def century_value(first_year: int, approximate: bool = False) -> TimeValue:
    """A century as TIMEX3 writes it in full ("19XX" is 1900-1999, "the 20th century")."""
    first_year -= first_year % 100
    number = first_year // 100 + 1
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return TimeValue(
        value=f"{first_year // 100:02d}XX",
        start=dt.date(max(first_year, 1), 1, 1),
        end=dt.date(first_year + 99, 12, 31),
        granularity="century",
        approximate=approximate,
        label=_about(f"the {number}{suffix} century", approximate),
    )


def range_value(first: TimeValue, last: TimeValue) -> TimeValue:
    """From one period to another ("June through September 2024", "1957-58"): an ISO 8601
    interval "2024-06/2024-09", as coarse as the coarser end, bounding both ends."""
    coarser = max(first.granularity, last.granularity, key=RANK.__getitem__)
    if first.granularity == "month" == last.granularity and first.start.year == last.start.year:
        label = f"{_MONTH_LABELS[first.start.month]}\u2013{last.label}"
    else:
        label = f"{first.label}\u2013{last.label}"
    approximate = first.approximate or last.approximate
    return TimeValue(
        value=f"{first.value}/{last.value}",
        start=first.start,
        end=last.end,
        granularity=coarser,
        approximate=approximate,
        label=label,
    )


def _third(start: dt.date, end: dt.date, modifier: str) -> tuple[dt.date, dt.date]:
    index, parts = MODIFIERS[modifier]
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
    if granularity == "century":
        return century_value(day.year, approximate)
    return decade_value(day.year, approximate, estimate=day.year if approximate else None)


def parse_value(text: str) -> TimeValue | None:
    """The TimeValue for a TIMEX3 value string this module writes, or None."""
    if text.count("/") == 1:
        first, last = (parse_value(part) for part in text.split("/"))
        return range_value(first, last) if first and last and first.start <= last.end else None
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
    (re.compile(r"(\d{2})XX"), lambda m: century_value(int(m[1]) * 100)),
)
