"""The async API every face calls (CLI, Discord): cached answers, reports, moderation.

Knowledge work is synchronous and CPU-bound, so it runs in worker threads (`asyncio.to_thread`)
and the event loop stays free for Discord's heartbeat. The library (corpus + index) is loaded
once per process and shared by every Service opened on the same folders.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from bot.render_text import render_answer
from bot.settings import Settings
from bot.store import (
    CATEGORIES,
    STATUSES,
    CacheKey,
    CacheStats,
    RecordNotFound,
    Report,
    ReportClosed,
    Store,
    StoredAnswer,
    database_path,
    question_key,
)
from knowledge.answer import ANSWERER_VERSION, QuestionError, answer_question, clean_question
from knowledge.library import Library, open_library
from knowledge.models import Answer

if TYPE_CHECKING:  # imported when first used: `citebot ask` need not pay for the date tagger
    from knowledge.timeline import Timeline

__all__ = [
    "CATEGORIES",
    "MAX_NOTE_CHARS",
    "MAX_REASON_CHARS",
    "Asker",
    "Report",
    "ServedAnswer",
    "Service",
    "ServiceError",
    "answerer_version",
]

MAX_REASON_CHARS = 1000
MAX_NOTE_CHARS = 1000
EXPORT_FORMATS = ("csv", "jsonl")
_CLOSING_STATUSES = ("resolved", "rejected")


class Asker(BaseModel):
    """Who asks or reports: Discord snowflakes as strings, or None from the CLI."""

    user_id: str | None = None
    display_name: str
    guild_id: str | None = None
    channel_id: str | None = None


class ServedAnswer(Answer):
    """An Answer as served: with the id to report it by and whether it came from the cache."""

    answer_id: str
    cached: bool


class ServiceError(Exception):
    """A problem the user can fix: unknown answer_id, reason too long, bad category..."""


def answerer_version() -> str:
    """ANSWERER_VERSION plus a digest of the knowledge code and data, so that changing the answerer
    without bumping the constant still never serves an answer computed by the old code."""
    return f"{ANSWERER_VERSION}+{_knowledge_digest()}"


_DIGEST: str | None = None


def _knowledge_digest() -> str:
    global _DIGEST
    if _DIGEST is None:
        import knowledge

        digest = hashlib.sha256()
        root = Path(knowledge.__file__).parent
        # The code, and the small data files that change answers (lexicon, ranker weights).
        paths = [*root.glob("*.py"), *root.glob("data/*.txt"), *root.glob("data/*.json")]
        for path in sorted(paths):
            try:
                name = path.relative_to(root).as_posix()
                digest.update(name.encode() + b"\0" + path.read_bytes())
            except OSError:
                digest.update(name.encode())
        _DIGEST = digest.hexdigest()[:8]
    return _DIGEST


# -- the library, once per process ------------------------------------------------------------
_LIBRARIES: dict[tuple[str, str | None, bool], Library] = {}
_LIBRARIES_LOCK = threading.Lock()


def _load_library(corpus_dir: Path | None, data_dir: Path | None, strict: bool) -> Library:
    key = (
        str(Path(corpus_dir).resolve()) if corpus_dir else "",
        str(Path(data_dir).resolve()) if data_dir else None,
        strict,
    )
    with _LIBRARIES_LOCK:
        library = _LIBRARIES.get(key)
        if library is None:
            library = _LIBRARIES[key] = open_library(corpus_dir, data_dir, strict=strict)
        return library


class Service:
    """One per process: open with `await Service.open(settings)`, close with `close()` or
    `async with`. Every method may raise ServiceError (the user can fix it) or StoreError
    (the database file cannot be used; the message names it)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        strict: bool = False,
        library: Library | None = None,
    ) -> None:
        self._store = store
        self.settings = settings
        self.strict = strict
        self.answerer_version = answerer_version()
        self._library = library
        self._library_lock = asyncio.Lock()
        self._inflight: dict[CacheKey, asyncio.Future[tuple[str, Answer]]] = {}

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        strict: bool = False,
        load_library: bool = True,
        library: Library | None = None,
    ) -> Service:
        """Open the store under settings.data_dir and load the library in a worker thread.

        `load_library=False` defers loading to the first ask (report and moderation commands
        never need it); `library` supplies one already loaded.
        """
        store = await Store.open(database_path(settings.data_dir))
        service = cls(store, settings, strict=strict, library=library)
        if load_library:
            try:
                await service.ensure_library()
            except BaseException:
                await store.close()
                raise
        return service

    async def close(self) -> None:
        await self._store.close()

    async def __aenter__(self) -> Service:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def library(self) -> Library:
        if self._library is None:
            raise RuntimeError("the library is not loaded yet: await service.ensure_library()")
        return self._library

    @property
    def database(self) -> Path:
        return self._store.path

    async def ensure_library(self) -> Library:
        async with self._library_lock:
            if self._library is None:
                self._library = await asyncio.to_thread(
                    _load_library, self.settings.corpus_dir, self.settings.data_dir, self.strict
                )
        return self._library

    # -- answers ----------------------------------------------------------------------------
    async def ask(self, question: str, asker: Asker | None = None) -> ServedAnswer:
        """Answer from the cache when possible, else compute in a worker thread and cache it.

        Identical questions asked at the same time share one computation. `asker` is accepted
        for the faces' convenience; nothing about the asker is stored.
        """
        try:
            cleaned = clean_question(question)
        except QuestionError as exc:
            raise ServiceError(str(exc)) from exc
        library = await self.ensure_library()
        key = CacheKey(question_key(cleaned), library.fingerprint, self.answerer_version)
        hit = await self._store.lookup(key)
        if hit is not None:
            return _served(
                Answer.model_validate_json(hit.answer_json), hit.answer_id, cleaned, True
            )
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.ensure_future(self._compute(key, library, cleaned))
            self._inflight[key] = future
            future.add_done_callback(lambda _: self._inflight.pop(key, None))
        answer_id, answer = await asyncio.shield(future)
        return _served(answer, answer_id, cleaned, False)

    async def _compute(self, key: CacheKey, library: Library, question: str) -> tuple[str, Answer]:
        answer = await asyncio.to_thread(answer_question, library, question)
        answer_id = await self._store.save(key, answer.question, answer.model_dump_json())
        return answer_id, answer

    async def get_answer(self, answer_id: str) -> ServedAnswer | None:
        """A stored answer by id (for a report button long after the answer was shown)."""
        stored = await self._store.answer(answer_id)
        if stored is None:
            return None
        return _served(_stored_answer(stored), stored.answer_id, stored.question, True)

    async def cache_stats(self) -> CacheStats:
        return await self._store.cache_stats()

    async def clear_cache(self) -> int:
        """Empty the answer cache; returns how many entries were dropped."""
        return await self._store.clear_cache()

    # -- timeline ---------------------------------------------------------------------------
    async def timeline(
        self,
        *,
        year: int | str | None = None,
        start: str | None = None,
        end: str | None = None,
        about: str | None = None,
    ) -> Timeline:
        """Dated events, oldest first, filtered like `citebot timeline`: overlapping `year` and
        [start, end] (YYYY, YYYY-MM or YYYY-MM-DD), with every word of `about` in their quotes.
        Mentions that could not be dated are included only when no date filter is given.
        Built once per corpus (in a worker thread) and saved beside the index."""
        library = await self.ensure_library()
        return await asyncio.to_thread(_filtered_timeline, library, year, start, end, about)

    # -- reports ----------------------------------------------------------------------------
    async def report(
        self,
        answer_id: str,
        reporter: Asker,
        category: str,
        reason: str,
        *,
        question: str | None = None,
    ) -> Report:
        """Record a report and return it once committed. `question` is the wording the reporter
        saw, when it differs from the stored one (cache hits echo each asker's wording)."""
        if category not in CATEGORIES:
            raise ServiceError(
                f"unknown category {category!r}; choose one of {', '.join(CATEGORIES)}"
            )
        reason = _limited(reason, MAX_REASON_CHARS, "reason")
        name = " ".join(reporter.display_name.split())
        if not name:
            raise ServiceError("the reporter needs a name")
        stored = await self._store.answer(answer_id.strip())
        if stored is None:
            raise ServiceError(_unknown_answer(answer_id))
        shown = _served(_stored_answer(stored), stored.answer_id, question or stored.question, True)
        try:
            return await self._store.add_report(
                answer_id=stored.answer_id,
                question=shown.question,
                answer_text=render_answer(shown).strip("\n"),
                reporter_id=reporter.user_id,
                reporter_name=name,
                guild_id=reporter.guild_id,
                channel_id=reporter.channel_id,
                category=category,
                reason=reason,
            )
        except RecordNotFound as exc:  # the cache was cleared in between
            raise ServiceError(_unknown_answer(answer_id)) from exc

    async def reports(
        self, status: str | None = "open", guild_id: str | None = None
    ) -> list[Report]:
        """Reports oldest first. `status` None or "all" lists every status; `guild_id` None
        lists every guild (and the CLI's reports)."""
        return await self._store.reports(_status_filter(status), guild_id)

    async def resolve(
        self,
        report_id: int,
        moderator: str,
        status: str,
        note: str,
        guild_id: str | None = None,
    ) -> Report:
        """Close an open report as resolved or rejected; with `guild_id`, only that guild's."""
        if status not in _CLOSING_STATUSES:
            raise ServiceError(f"status must be one of {', '.join(_CLOSING_STATUSES)}")
        note = _limited(note, MAX_NOTE_CHARS, "note")
        moderator = " ".join(moderator.split())
        if not moderator:
            raise ServiceError("the moderator needs a name")
        try:
            return await self._store.resolve(
                report_id, moderator=moderator, status=status, note=note, guild_id=guild_id
            )
        except RecordNotFound as exc:
            raise ServiceError(
                f"no report #{report_id}; list them with: citebot reports --status all"
            ) from exc
        except ReportClosed as exc:
            closed = exc.report
            raise ServiceError(
                f"report #{report_id} is already {closed.status}"
                + (f" by {closed.moderator}" if closed.moderator else "")
            ) from exc

    async def export_reports(
        self, fmt: str, status: str | None = None, guild_id: str | None = None
    ) -> str:
        """Reports as CSV (spreadsheet-safe) or JSON Lines (exact)."""
        if fmt not in EXPORT_FORMATS:
            raise ServiceError(f"unknown export format {fmt!r}; use csv or jsonl")
        reports = await self.reports(status, guild_id)
        if fmt == "jsonl":
            return "".join(report.model_dump_json() + "\n" for report in reports)
        return _csv(reports)


def _filtered_timeline(
    library: Library,
    year: int | str | None,
    start: str | None,
    end: str | None,
    about: str | None,
) -> Timeline:
    from knowledge.timeline import (
        FilterError,
        about_terms,
        filter_events,
        matches_about,
        parse_date_bound,
        parse_year,
    )

    try:
        year_n = parse_year(str(year)) if year is not None else None
        lo = parse_date_bound(start, "from").start if start else None
        hi = parse_date_bound(end, "to").end if end else None
        terms = about_terms(about) if about is not None else []
        timeline = library.timeline
        events = filter_events(timeline.events, year=year_n, start=lo, end=hi, about=about)
    except FilterError as exc:
        raise ServiceError(str(exc)) from exc
    dated = year_n is not None or lo is not None or hi is not None
    unresolved = (
        [] if dated else [m for m in timeline.unresolved if not terms or matches_about([m], terms)]
    )
    return timeline.model_copy(update={"events": events, "unresolved": unresolved})


def _served(answer: Answer, answer_id: str, question: str, cached: bool) -> ServedAnswer:
    data = answer.model_dump()
    data.update(question=question, answer_id=answer_id, cached=cached)
    return ServedAnswer.model_validate(data)


def _stored_answer(stored: StoredAnswer) -> Answer:
    return Answer.model_validate_json(stored.answer_json)


def _unknown_answer(answer_id: str) -> str:
    return (
        f"no answer with id {answer_id.strip()!r}; copy the id shown under the answer "
        "(citebot ask --json prints it as answer_id)"
    )


def _limited(text: str, limit: int, what: str) -> str:
    text = text.strip()
    if len(text) > limit:
        raise ServiceError(f"the {what} is {len(text)} characters long; keep it to {limit}")
    return text


def _status_filter(status: str | None) -> str | None:
    if status is None or status == "all":
        return None
    if status not in STATUSES:
        raise ServiceError(f"unknown status {status!r}; use one of {', '.join(STATUSES)} or all")
    return status


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv(reports: list[Report]) -> str:
    """CSV for spreadsheets: text that would start a formula gets a leading apostrophe (OWASP
    advice for CSV injection), since questions and reasons come from any user."""
    out = io.StringIO()
    fields = list(Report.model_fields)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for report in reports:
        row = report.model_dump(mode="json")
        writer.writerow(
            {
                name: "'" + value
                if isinstance(value, str) and value.startswith(_FORMULA_START)
                else ("" if value is None else value)
                for name, value in row.items()
            }
        )
    return out.getvalue()
