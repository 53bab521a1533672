"""What a timeline is made of: dated mentions, events, and the saved timeline (the JSON
contract of `citebot timeline --json`)."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import BaseModel, Field

from knowledge.temporal import (
    TAGGER_VERSION,
    Anchor,
    Granularity,
)

TIMELINE_FORMAT = "1"


class Mention(BaseModel):
    """One dated sentence, quoted verbatim, with the words that date it."""

    source_id: str
    paragraph: int
    quote: str
    expression: str
    anchor: Anchor
    value: str | None = Field(None, description="this mention's own date; null if unresolved")
    approximate: bool = False
    title: str = ""
    date: dt.date | None = Field(None, description="the source's publication date")
    start: int = Field(0, description="offset of the quote in its paragraph's text")
    end: int = 0


class Event(BaseModel):
    value: str
    start: dt.date
    end: dt.date
    granularity: Granularity
    approximate: bool
    label: str
    mentions: list[Mention]

    @property
    def guessed_year(self) -> int | None:
        """The best single year of a decade guessed from an offset ("about 2024" from "more
        than a decade later"), or None."""
        if self.granularity != "decade" or not self.approximate:
            return None
        guess = re.search(r"\d{4}", self.label)
        return int(guess.group()) if guess else None

    @property
    def likely_start(self) -> dt.date:
        """Where the event most likely begins: a decade guess at its year, else its start."""
        year = self.guessed_year
        return dt.date(year, 1, 1) if year else self.start

    @property
    def likely_end(self) -> dt.date:
        year = self.guessed_year
        return dt.date(year, 12, 31) if year else self.end


class Timeline(BaseModel):
    fingerprint: str = ""
    format: str = TIMELINE_FORMAT
    tagger: str = TAGGER_VERSION
    events: list[Event] = Field(default_factory=list)
    unresolved: list[Mention] = Field(default_factory=list)
