"""Choosing events: by year, by a date range, by words (the filter values a face hands over,
checked here with messages that name no command-line flag)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from knowledge.errors import UserError
from knowledge.temporal import (
    TimeValue,
    parse_value,
)
from knowledge.text.analysis import analyze
from knowledge.timeline.models import Event, Mention


class FilterError(UserError, ValueError):
    """A filter cannot be applied as given (bad date, empty range, no words)."""


MIN_YEAR, MAX_YEAR = 1, 9999
_DATE_ARG = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_date_bound(text: str, flag: str) -> TimeValue:
    """YYYY, YYYY-MM or YYYY-MM-DD as the period it names."""
    m = _DATE_ARG.fullmatch(text.strip())
    value = parse_value(text.strip()) if m else None
    if value is None:
        raise FilterError(f"{flag} {text!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")
    return value


def parse_year(text: str) -> int:
    try:
        year = int(text.strip())
    except ValueError:
        raise FilterError(f"year {text!r} is not a year; use four digits, e.g. 2018") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise FilterError(f"year {year} is out of range ({MIN_YEAR}\u2013{MAX_YEAR})")
    return year


def filter_events(
    events: Sequence[Event],
    *,
    year: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    about: str | None = None,
) -> list[Event]:
    """Events overlapping the year and the [start, end] range, whose mentions hold all the
    words of `about` (analysed as search analyses them).

    A decade guessed from an offset ("about 2024") overlaps a range only through its
    best-guess year: its decade would put it in every range of ten years."""
    if start and end and start > end:
        raise FilterError(f"from {start} is after to {end}")
    terms = about_terms(about) if about is not None else []
    lo = max(d for d in (start, dt.date(year, 1, 1) if year else None, dt.date.min) if d)
    hi = min(d for d in (end, dt.date(year, 12, 31) if year else None, dt.date.max) if d)
    return [
        e
        for e in events
        if e.likely_start <= hi
        and e.likely_end >= lo
        and (not terms or matches_about(e.mentions, terms))
    ]


def about_terms(text: str) -> list[str]:
    terms = list(dict.fromkeys(analyze(text)))
    if not terms:
        raise FilterError(f"about {text!r} has no words to look for (only common words)")
    return terms


def matches_about(mentions: Iterable[Mention], terms: Sequence[str]) -> bool:
    found: set[str] = set()
    for mention in mentions:
        found.update(analyze(mention.quote))
    return all(t in found for t in terms)
