"""What the store hands back: pydantic models (the JSON contract) and plain records."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from pydantic import BaseModel, computed_field

from bot.store.schema import SCHEMA_VERSION
from bot.store.vocabulary import Category, CommunityStatus, CorrectionStatus, Status
from knowledge.text.analysis import fold


class CacheKey(NamedTuple):
    question_key: str
    fingerprint: str
    answerer_version: str


class StoredAnswer(NamedTuple):
    answer_id: str
    question: str
    answer_json: str


class Report(BaseModel):
    """One wrong-answer report, with the question and answer exactly as the reporter saw them."""

    report_id: int
    answer_id: str
    question: str
    answer_text: str
    reporter_id: str | None
    reporter_name: str
    guild_id: str | None
    channel_id: str | None
    category: Category
    reason: str
    created_at: dt.datetime
    updated_at: dt.datetime
    status: Status
    moderator: str | None
    resolution_note: str | None
    resolved_at: dt.datetime | None
    correction_id: int | None = None
    answer_ref: str | None = None  # the passage a moderator named: SOURCE_ID:PARAGRAPH[:SENTENCE]
    correction_status: CorrectionStatus | None = None


class NewCorrection(NamedTuple):
    """The passage a moderator names when resolving a report (already checked by the caller),
    in which corpus ("bundled" or its folder: a correction applies to that corpus only)."""

    source_id: str
    paragraph: int
    sentence: int | None
    quote: str
    corpus: str


class Correction(BaseModel):
    """A moderator's answer to a question in one guild (None: the command line's own)."""

    correction_id: int
    guild_id: str | None
    corpus: str
    report_id: int | None
    question: str
    source_id: str
    paragraph: int
    sentence: int | None
    quote: str
    moderator: str
    created_at: dt.datetime
    status: CorrectionStatus
    closed_by: str | None
    closed_at: dt.datetime | None
    closed_note: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def answer_ref(self) -> str:
        return answer_ref(self.source_id, self.paragraph, self.sentence)


class Feedback(BaseModel):
    """One "This answered me" click on a passage shown as closest to a question."""

    feedback_id: int
    answer_id: str
    question: str
    source_id: str
    paragraph: int
    quote: str
    user_id: str | None
    user_name: str
    guild_id: str | None
    channel_id: str | None
    created_at: dt.datetime


class CommunityAnswer(BaseModel):
    """A passage members found answered a question in one guild, with their votes: one per
    member, +1 for "This answered me", -1 for a report against it."""

    community_id: int
    guild_id: str | None
    corpus: str
    question: str
    source_id: str
    paragraph: int
    quote: str
    created_at: dt.datetime
    status: CommunityStatus
    moderator: str | None
    closed_at: dt.datetime | None
    correction_id: int | None
    members: int  # members it answered
    against: int  # members who reported it

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score(self) -> int:
        return self.members - self.against

    @computed_field  # type: ignore[prop-decorator]
    @property
    def answer_ref(self) -> str:
        return answer_ref(self.source_id, self.paragraph, None)


def answer_ref(source_id: str, paragraph: int, sentence: int | None) -> str:
    """How a passage is named: SOURCE_ID:PARAGRAPH[:SENTENCE]."""
    return f"{source_id}:{paragraph}" + (f":{sentence}" if sentence is not None else "")


class CacheStats(BaseModel):
    path: str
    entries: int
    answers: int
    hits: int
    misses: int
    counting_since: dt.datetime | None
    open_reports: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hit_rate(self) -> float | None:
        asked = self.hits + self.misses
        return round(self.hits / asked, 4) if asked else None


class CheckResult(BaseModel):
    path: str
    exists: bool
    ok: bool
    reachable: bool = True  # False: the check could not look (no login, no server), see problems
    schema_version: int | None = None
    expected_version: int = SCHEMA_VERSION
    problems: list[str] = []
    counts: dict[str, int] = {}


_END_PUNCTUATION = "?!.\u2026;:,\u061f\u3002\uff1f\uff01 \"'"


def question_key(question: str) -> str:
    """Fold case, accents, quotes, whitespace and end punctuation: what cannot change an answer."""
    return " ".join(fold(question).split()).strip(_END_PUNCTUATION)


class BackupResult(BaseModel):
    source: str
    target: str
    bytes: int
    counts: dict[str, int]
