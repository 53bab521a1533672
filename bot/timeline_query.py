"""One parsed /timeline query for every face (CLI, chat, Discord), and what the Discord command
autocompletes. Messages name the filter (year, from, to, about), never a command-line flag."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from knowledge.errors import UserError
from knowledge.text.names import named_things
from knowledge.timeline import (
    MAX_YEAR,
    MIN_YEAR,
    FilterError,
    about_terms,
    filter_events,
    matches_about,
    parse_date_bound,
)

if TYPE_CHECKING:
    from knowledge.corpus import Corpus
    from knowledge.timeline import Timeline

__all__ = ["MAX_YEAR", "MIN_YEAR", "Suggestions", "TimelineQuery", "TimelineQueryError"]


_ELLIPSIS = "\u2026"


class TimelineQueryError(UserError, ValueError):
    """Filters that cannot be used as given; the message says how to fix them."""


def _year(year: str | int | None) -> int | None:
    if isinstance(year, str):
        year = year.strip() or None
        if year is not None and not re.fullmatch(r"[0-9]+", year):
            raise TimelineQueryError(f"year must be a number like 2018, not {year[:20]!r}")
        if year is not None and len(year.lstrip("0")) > len(str(MAX_YEAR)):
            year = MAX_YEAR + 1  # far out of range: never parse thousands of digits
    if year is not None and not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise TimelineQueryError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
    return int(year) if year is not None else None


@dataclass(frozen=True)
class TimelineQuery:
    year: int | None = None
    start: str | None = None
    end: str | None = None
    about: str | None = None

    @classmethod
    def parse(
        cls,
        year: str | int | None = None,
        start: str | None = None,
        end: str | None = None,
        about: str | None = None,
    ) -> TimelineQuery:
        query = cls(
            year=_year(year),
            start=start.strip() if start and start.strip() else None,
            end=end.strip() if end and end.strip() else None,
            about=" ".join(about.split()) if about and about.strip() else None,
        )
        try:
            first, last = query.start_date, query.end_date
            if first and last and first > last:
                raise TimelineQueryError(f"from {query.start} is after to {query.end}")
            if query.about:
                about_terms(query.about)
        except FilterError as exc:
            raise TimelineQueryError(str(exc).removeprefix("--")) from None
        return query

    @property
    def start_date(self) -> dt.date | None:
        return parse_date_bound(self.start, "from").start if self.start else None

    @property
    def end_date(self) -> dt.date | None:
        return parse_date_bound(self.end, "to").end if self.end else None

    @property
    def title(self) -> str:
        """ "Timeline: 2018, 2023-10 to …, about “Met Gala”": what the filters select."""
        bits = []
        if self.year is not None:
            bits.append(str(self.year))
        if self.start or self.end:
            bits.append(f"{self.start or _ELLIPSIS} to {self.end or _ELLIPSIS}")
        if self.about:
            bits.append(f"about \u201c{' '.join(self.about.split())}\u201d")
        return "Timeline" + (": " + ", ".join(bits) if bits else "")

    @property
    def dated(self) -> bool:
        return self.year is not None or self.start is not None or self.end is not None

    def apply(self, timeline: Timeline) -> Timeline:
        """The events this query selects; undated mentions only when no date filter is given."""
        events = filter_events(
            timeline.events,
            year=self.year,
            start=self.start_date,
            end=self.end_date,
            about=self.about,
        )
        terms = about_terms(self.about) if self.about else []
        unresolved = (
            []
            if self.dated
            else [m for m in timeline.unresolved if not terms or matches_about([m], terms)]
        )
        return timeline.model_copy(update={"events": events, "unresolved": unresolved})


@dataclass(frozen=True)
class Suggestions:
    """What /timeline autocompletes: years that have events, names that match some event."""

    years: list[int]
    names: list[str]

    @classmethod
    def build(cls, timeline: Timeline, corpus: Corpus) -> Suggestions:
        events = timeline.events
        years = sorted(
            {
                year
                for e in events
                if e.granularity not in ("decade", "century")  # no particular year
                for year in range(e.start.year, e.end.year + 1)
            }
        )
        names = []
        for name in named_things(corpus):
            try:
                terms = about_terms(name)
            except FilterError:
                continue
            if any(matches_about(e.mentions, terms) for e in events):
                names.append(name)
        return cls(years, names)
