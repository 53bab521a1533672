"""Pydantic models shared by every face of citebot.

The JSON form of these models is the public contract (`--json`, the cache, the Discord embed):
fields may be added, never removed or renamed.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class Span(BaseModel):
    """Character offsets [start, end) into a passage's text."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int


class Passage(BaseModel):
    """One paragraph of a source, the unit the index retrieves."""

    source_id: str
    paragraph: int = Field(ge=1, description="1-based, as a reader counts the paragraphs")
    text: str
    section: str | None = None
    sentences: list[Span] = Field(default_factory=list)

    def sentence_texts(self) -> list[str]:
        return [self.text[s.start : s.end] for s in self.sentences]


class Source(BaseModel):
    """One article: its metadata and its passages in reading order."""

    source_id: str
    title: str
    date: dt.date | None = None
    url: str | None = None
    outlet: str | None = None
    passages: list[Passage] = Field(default_factory=list)


class Quote(BaseModel):
    """A verbatim excerpt of a passage with everything needed to cite it."""

    text: str
    source_id: str
    title: str
    date: dt.date | None
    paragraph: int
    score: float
    url: str | None = None
    start: int = Field(0, description="offset of the quote in its paragraph's text")
    end: int = 0


class Corrected(BaseModel):
    """Who set the first quote of an answer by hand (a moderator resolving a report), and when."""

    by: str
    at: dt.datetime


class Community(BaseModel):
    """Members of a server who found the first quote answered this question (or one worded
    like it), while no moderator has confirmed or dismissed it yet."""

    community_id: int
    members: int


def quote_of(source: Source, passage: Passage, start: int, end: int, score: float = 0.0) -> Quote:
    """The words [start, end) of a passage, cited."""
    return Quote(
        text=passage.text[start:end],
        source_id=source.source_id,
        title=source.title,
        date=source.date,
        paragraph=passage.paragraph,
        score=score,
        url=source.url,
        start=start,
        end=end,
    )


class Answer(BaseModel):
    """What citebot says to a question: quotes, or an explicit 'no answer'."""

    question: str
    answered: bool
    quotes: list[Quote] = Field(default_factory=list)
    note: str | None = None
    confidence: float = 0.0
    disagreement: bool = False
    closest: list[Quote] = Field(
        default_factory=list, description="nearest passages shown when abstaining"
    )
    corrected: Corrected | None = Field(
        None, description="set when a moderator's correction chose the first quote"
    )
    searched_for: str | None = Field(
        None,
        description="the question as searched, if it differs from the one asked: spelling "
        "corrected, or a follow-up rewritten to stand alone",
    )
    community: Community | None = Field(
        None, description="set when members' 'This answered me' clicks chose the first quote"
    )
    follow_up_of: str | None = Field(
        None, description="the answer id whose context completed this follow-up question"
    )
