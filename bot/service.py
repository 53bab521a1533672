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
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from bot import metrics
from bot.community import ANSWERED, CommunityDesk
from bot.fetch import fetch
from bot.library_updates import LibraryUpdates
from bot.render_text import render_answer
from bot.settings import Settings
from bot.source_folder import fetched_page, remove_source, save_source, writable_folder
from bot.store import (
    MAX_REASON_CHARS,
    MAX_ROW_ID,
    CacheKey,
    CacheStats,
    CommunityAnswer,
    CommunityClosed,
    Correction,
    CorrectionClosed,
    Feedback,
    NewCorrection,
    RecordNotFound,
    Report,
    ReportClosed,
    Store,
    StoredAnswer,
    database_target,
    question_key,
)
from bot.store.vocabulary import (
    ALL,
    CATEGORIES,
    CLOSING_STATUSES,
    COMMUNITY_STATUSES,
    CORRECTION_STATUSES,
    STATUSES,
    Category,
    CommunityStatus,
    CorrectionStatus,
    Status,
    with_all,
)
from bot.timeline_query import MAX_YEAR, MIN_YEAR, Suggestions, TimelineQuery, TimelineQueryError
from knowledge.answering.answer import (
    ANSWERER_VERSION,
    MAX_QUESTION_CHARS,
    QuestionError,
    clean_question,
)
from knowledge.answering.conversation import follow_up
from knowledge.answering.corrections import (
    PassageChoice,
    PassageRef,
    RefError,
    best_rewording,
    community_answer,
    corrected_answer,
    locate,
    passage_choices,
    resolve_ref,
)
from knowledge.answering.ranking import Options
from knowledge.answering.segments import answer_live
from knowledge.corpus import CorpusError, default_corpus_dir, source_files
from knowledge.errors import UserError, echoed
from knowledge.models import Answer, Community, Quote, Source
from knowledge.search.library import Library, corpus_fingerprint, open_library, saved_build_key
from knowledge.search.live import LiveLibrary, SourceChanges
from knowledge.sources.naming import file_name_for_upload, file_name_for_url

if TYPE_CHECKING:  # imported when first used: `citebot ask` need not pay for the date tagger
    from knowledge.timeline import Timeline
    from knowledge.timeline.picture import PictureFormat

log = logging.getLogger(__name__)

__all__ = [
    "ALL",
    "CATEGORIES",
    "COMMUNITY_STATUSES",
    "CORRECTION_STATUSES",
    "MAX_NOTE_CHARS",
    "MAX_QUESTION_CHARS",
    "MAX_REASON_CHARS",
    "MAX_YEAR",
    "MIN_YEAR",
    "STATUSES",
    "Asker",
    "Category",
    "CommunityAnswer",
    "CommunityStatus",
    "Correction",
    "CorrectionStatus",
    "Feedback",
    "Report",
    "ServedAnswer",
    "Service",
    "ServiceError",
    "Status",
    "Suggestions",
    "TimelineQuery",
    "TimelineQueryError",
    "answerer_version",
    "with_all",
]

MAX_NOTE_CHARS = 1000
_RECOMPUTE_ON_CHANGE = 3
_MAX_ANSWER_ID_CHARS = 64  # answer ids are 10 characters; a longer one is no id
EXPORT_FORMATS = ("csv", "jsonl")


class Asker(BaseModel):
    """Who asks or reports: Discord snowflakes as strings, or None from the CLI."""

    user_id: str | None = None
    display_name: str
    guild_id: str | None = None
    channel_id: str | None = None
    face: metrics.Face = "cli"  # counted in the metrics, never stored


class ServedAnswer(Answer):
    """An Answer as served: with the id to report it by and whether it came from the cache."""

    answer_id: str
    cached: bool

    @property
    def outcome(self) -> metrics.Outcome:
        """What the asker got, as the metrics and logs count it ("corrected": a moderator's
        correction or a community answer members confirmed came first)."""
        if self.corrected is not None or self.community is not None:
            return "corrected"
        if self.cached:
            return "cached"
        return "answered" if self.answered else "abstained"


class SourceSummary(BaseModel):
    """One loaded source as `citebot sources` lists it."""

    source_id: str
    title: str
    date: str | None
    paragraphs: int
    kind: str = "text"  # text, markdown, html or pdf
    url: str | None = None


def _summary(source: Source, paragraphs: int) -> SourceSummary:
    return SourceSummary(
        source_id=source.source_id,
        title=source.title,
        date=source.date.isoformat() if source.date else None,
        paragraphs=paragraphs,
        kind=source.kind,
        url=source.url,
    )


Progress = Callable[[str], Awaitable[None]]  # told each step of a long change (Discord edits)


async def _no_progress(step: str) -> None:
    return None


class IndexSummary(BaseModel):
    """What a rebuilt index holds (`citebot index`)."""

    sources: int
    passages: int
    documents: int
    fingerprint: str


PICTURE_CACHE_SIZE = 32  # timeline pictures kept (about 100 kB each)


class ServiceError(UserError):
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
        # The code and the small data files that change answers (lexicon, ranker weights), in
        # sub-packages too: moving code into one must not keep serving the old answers.
        paths = [*root.rglob("*.py"), *root.rglob("data/*.txt"), *root.rglob("data/*.json")]
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


def _load_library(
    corpus_dir: Path | None,
    data_dir: Path | None,
    strict: bool,
    rebuild: bool = False,
    fresh: bool = False,
) -> Library:
    """The process's library of the folder; `fresh`: of the folder as it is now (opened again,
    built if it changed), `rebuild`: built again whatever is saved."""
    key = (
        str(Path(corpus_dir).resolve()) if corpus_dir else "",
        str(Path(data_dir).resolve()) if data_dir else None,
        strict,
    )
    with _LIBRARIES_LOCK:
        library = None if rebuild or fresh else _LIBRARIES.get(key)
        if library is None:
            # The folder's last build when it changed since: the service applies the changes.
            library = open_library(
                corpus_dir, data_dir, strict=strict, rebuild=rebuild, earlier=not (rebuild or fresh)
            )
            _LIBRARIES[key] = library
        return library


class Service:
    """One per process: open with `await Service.open(settings)`, close with `close()` or
    `async with`. Every method may raise ServiceError (the user can fix it) or StoreError
    (the database file cannot be used; the message names it)."""

    def __init__(
        self,
        store: Store | None,
        settings: Settings,
        *,
        strict: bool = False,
        library: Library | None = None,
    ) -> None:
        self._database = store  # None: opened for the sources alone (see `open`)
        self.settings = settings
        self.strict = strict
        # Answers read by the reader are other answers: they get their own cache entries.
        self.answerer_version = answerer_version() + ("+reader" if settings.reader else "")
        self._options = Options(reader=settings.reader)
        self._library = library  # the base: the library as built (see `_updates`)
        self._updates: LibraryUpdates | None = None
        self.merge_in_background = False  # `citebot run` sets it: merge changes as it serves
        self._library_lock = asyncio.Lock()
        self._inflight: dict[CacheKey, asyncio.Future[tuple[str, Answer]]] = {}
        self.warnings: list[str] = []
        self._corrections_checked = False
        self._suggestions: dict[str, Suggestions] = {}
        self._pictures: dict[tuple[object, ...], bytes] = {}

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        strict: bool = False,
        load_library: bool = True,
        library: Library | None = None,
        database: bool = True,
    ) -> Service:
        """Open the store (CITEBOT_DATABASE_URL, or the data folder) and load the library in a
        worker thread.

        `load_library=False` defers loading to the first ask (report and moderation commands
        never need it); `library` supplies one already loaded. `database=False` opens no
        database: for what reads the sources alone (sources, index, timeline), which then
        work whatever state the database is in.
        """
        store = None
        if database:
            store = await Store.open(database_target(settings.database_url, settings.data_dir))
        service = cls(store, settings, strict=strict, library=library)
        if load_library:
            try:
                await service.ensure_library()
            except BaseException:
                await service.close()
                raise
        return service

    @property
    def _store(self) -> Store:
        if self._database is None:
            raise RuntimeError("this service was opened without its database")
        return self._database

    @property
    def _community(self) -> CommunityDesk:
        return CommunityDesk(self._store, self.settings.confirm_min_members)

    async def close(self) -> None:
        if self._updates is not None:
            await self._updates.close()
        if self._database is not None:
            await self._database.close()

    async def __aenter__(self) -> Service:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def library(self) -> Library:
        """The library as served: the base with removed and changed sources hidden."""
        if self._library is None:
            raise RuntimeError("the library is not loaded yet: await service.ensure_library()")
        return self.live.visible

    @property
    def source_warnings(self) -> list[str]:
        """Files skipped (and notes) when the library was built, then when changes were
        applied: what the faces show about the sources."""
        seen = dict.fromkeys([*self.library.corpus.warnings, *self.live.warnings])
        return list(seen)

    @property
    def live(self) -> LiveLibrary:
        """The library with the changes to the folder since it was built (bot/library_updates)."""
        return self.updates.live

    @property
    def updates(self) -> LibraryUpdates:
        if self._library is None:
            raise RuntimeError("the library is not loaded yet: await service.ensure_library()")
        if self._updates is None:
            self._updates = LibraryUpdates(
                LiveLibrary(self._library),
                self._reopen_library,
                strict=self.strict,
                on_merged=self._merged,
                auto_merge=self.merge_in_background,
            )
        return self._updates

    def _merged(self, base: Library) -> None:
        self._library = base

    def merge_changes_in_background(self) -> None:
        """A long-running service (`citebot run`) merges the changed sources into a full build
        in the background once they grow; a one-off command never waits for that."""
        self.merge_in_background = True
        if self._updates is not None:
            self._updates.auto_merge = True

    @property
    def library_loaded(self) -> bool:
        return self._library is not None

    @property
    def database(self) -> str:
        """Where the store lives: an SQLite file path, or a PostgreSQL URL without password."""
        return self._store.location

    async def ensure_library(self) -> Library:
        """Load the library once; then retire the corrections whose passage it no longer
        holds (each logged once as a warning, and kept in `warnings`)."""
        async with self._library_lock:
            if self._library is None:
                began = time.perf_counter()
                self._library = await asyncio.to_thread(
                    _load_library, self.settings.corpus_dir, self.settings.data_dir, self.strict
                )
                how = "built" if self._library.rebuilt else "loaded"
                metrics.LIBRARY_SECONDS.labels(how=how).set(time.perf_counter() - began)
                if self._library.stale or await asyncio.to_thread(self._folder_changed):
                    await self.updates.apply()
            if not self._corrections_checked and self._database is not None:
                self.warnings = await self._retire_missing(self._library)
                self._corrections_checked = True
        return self.library

    def _folder_changed(self) -> bool:
        """Whether the folder changed since the library (perhaps this process's, opened by
        another service earlier) was built: one stat per file when its state is known."""
        settings = self.settings
        return self.library.fingerprint != corpus_fingerprint(
            settings.corpus_dir, settings.data_dir
        )

    def _reopen_library(self) -> Library:
        """The folder as it is now, built in full (the background merge); the service serves
        it from then on."""
        settings = self.settings
        return _load_library(settings.corpus_dir, settings.data_dir, self.strict, fresh=True)

    # -- answers ----------------------------------------------------------------------------
    @staticmethod
    def check_question(question: str) -> str:
        """The question as it will be answered (whitespace and wrapping cleaned), or a
        ServiceError saying why it cannot be: faces check before they spend a cooldown."""
        try:
            return clean_question(question)
        except QuestionError as exc:
            raise ServiceError(str(exc)) from exc

    async def ask(
        self, question: str, asker: Asker | None = None, after: str | None = None
    ) -> ServedAnswer:
        """Answer from the cache when possible, else compute in a worker thread and cache it
        (counted in the metrics by outcome and face; see `_ask`)."""
        began = time.perf_counter()
        served = await self._ask(question, asker, after)
        face = asker.face if asker else "cli"
        seconds = time.perf_counter() - began
        metrics.record_ask(served.outcome, face, seconds, cached=served.cached)
        return served

    async def _ask(
        self, question: str, asker: Asker | None = None, after: str | None = None
    ) -> ServedAnswer:
        """Answer from the cache when possible, else compute in a worker thread and cache it.

        Identical questions asked at the same time share one computation. In a guild (or, for
        None, on the command line) with moderators' corrections, a question that is the corrected
        one or a rewording of it gets the corrected quote first. Nothing about the asker is
        stored. `after`: the id of the answer this question follows up (a reply, a thread); a
        question that depends on it is answered as rewritten to stand alone, and cached as that.
        """
        if after is not None:
            return await self._ask_after(question, asker, after)
        return await self._ask_cleaned(self.check_question(question), asker)

    async def _ask_cleaned(
        self, cleaned: str, asker: Asker | None, context: tuple[tuple[str, float], ...] = ()
    ) -> ServedAnswer:
        """`context`: a follow-up's terms from the turn before, searched with the question's
        (conversational query expansion); the cache keys on the question and them."""
        guild = asker.guild_id if asker else None
        tried: CacheKey | None = None
        if self._library is None and not context:  # a hit needs no library, no source file
            hit, tried = await self._cached_without_library(cleaned, guild)
            if hit is not None:
                return _served(_stored_answer(hit), hit.answer_id, cleaned, True)
        library = await self.ensure_library()
        key = CacheKey(
            _context_key(cleaned, context),
            library.build_key + self.live.state_key,
            self.answerer_version,
        )
        found = await self._correction_for(library, key, cleaned, guild)
        if found is not None:
            return await self._ask_corrected(key, library, cleaned, *found)
        confirmed = await self._community.for_question(
            library, _corpus_key(library), cleaned, guild
        )
        if confirmed is not None:
            return await self._ask_community(key, library, cleaned, *confirmed)
        options = replace(self._options, context=context) if context else None
        answer_id, answer, cached = await self._answer(
            key, library, cleaned, options, looked=key == tried
        )
        return _served(answer, answer_id, cleaned, cached)

    async def _ask_after(self, question: str, asker: Asker | None, after: str) -> ServedAnswer:
        """The question read in the context of answer `after`: rewritten when it depends on it
        ("and when was that?") and searched with its terms, with what was searched for and
        the answer it follows up."""
        cleaned = self.check_question(question)
        after = _decoded(after, "answer id").strip()
        previous = await self.get_answer(after) if len(after) <= _MAX_ANSWER_ID_CHARS else None
        if previous is None:
            raise ServiceError(_unknown_answer(after[:_MAX_ANSWER_ID_CHARS]))
        library = await self.ensure_library()
        asked = await asyncio.to_thread(follow_up, library, cleaned, previous)
        if len(asked.question) > MAX_QUESTION_CHARS or not (asked.rewritten or asked.context):
            return await self._ask_cleaned(cleaned, asker)
        served = await self._ask_cleaned(self.check_question(asked.question), asker, asked.context)
        update: dict[str, Any] = {"question": cleaned, "follow_up_of": after}
        if asked.rewritten:
            update["searched_for"] = served.searched_for or served.question
        return served.model_copy(update=update)

    async def link_message(self, message_id: int | str, answer_id: str, asker: Asker) -> None:
        """Remember which answer a Discord message shows (a reply to it is a follow-up)."""
        await self._store.link_message(str(message_id), answer_id, asker.guild_id, asker.channel_id)

    async def answer_of_message(self, message_id: int | str) -> str | None:
        """The answer a Discord message of the bot shows, or None."""
        return await self._store.answer_of_message(str(message_id))

    async def _cached_without_library(
        self, cleaned: str, guild_id: str | None
    ) -> tuple[StoredAnswer | None, CacheKey | None]:
        """The cached answer for this question over the saved build of the corpus, found from
        the build's key alone (a stat of each source file, one small JSON file). None when the
        build is not saved, or when moderators' corrections apply here: those need the library
        to recognise a rewording."""
        settings = self.settings
        corpus = _corpus_key_of(settings.corpus_dir)
        if await self._store.active_corrections(guild_id, corpus):
            return None, None
        if await self._community.any_pending(guild_id, corpus):
            return None, None
        build_key = await asyncio.to_thread(saved_build_key, settings.corpus_dir, settings.data_dir)
        if build_key is None:
            return None, None
        key = CacheKey(question_key(cleaned), build_key, self.answerer_version)
        return await self._store.lookup(key), key

    async def _answer(
        self,
        key: CacheKey,
        library: Library,
        cleaned: str,
        options: Options | None = None,
        *,
        looked: bool = False,
    ) -> tuple[str, Answer, bool]:
        """`looked`: this key was just looked up and missed (a miss is counted once)."""
        hit = None if looked else await self._store.lookup(key)
        if hit is not None:
            return hit.answer_id, Answer.model_validate_json(hit.answer_json), True
        earlier = await self._answered_before_the_changes(key, library)
        if earlier is not None:
            return earlier[0], earlier[1], True
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.ensure_future(self._compute(key, library, cleaned, options))
            self._inflight[key] = future
            future.add_done_callback(lambda _: self._inflight.pop(key, None))
        answer_id, answer = await asyncio.shield(future)
        return answer_id, answer, False

    async def _answered_before_the_changes(
        self, key: CacheKey, library: Library
    ) -> tuple[str, Answer] | None:
        """The answer cached over the library as built, when the sources changed since but
        none that it quotes (an abstention: none added either)."""
        if key.fingerprint == library.build_key:
            return None
        hit = await self._store.lookup(key._replace(fingerprint=library.build_key))
        if hit is None:
            return None
        cached = Answer.model_validate_json(hit.answer_json)
        return (hit.answer_id, cached) if still_valid(cached, self.live) else None

    async def _correction_for(
        self, library: Library, key: CacheKey, cleaned: str, guild_id: str | None
    ) -> tuple[Correction, Quote] | None:
        """The guild's correction this question asks for (its own words first, else the best
        rewording), with its quote found in the current corpus; a correction whose passage is
        gone is retired on the way."""
        corrections = await self._store.active_corrections(guild_id, _corpus_key(library))
        live = self.live
        unread = _unread_sources(library) | live.unread  # not served for now, not gone
        while corrections:
            chosen = next(
                (c for c in corrections if question_key(c.question) == key.question_key), None
            )
            if chosen is None:
                questions = [c.question for c in corrections]
                passages = [(c.source_id, c.paragraph) for c in corrections]
                i = await asyncio.to_thread(
                    best_rewording,
                    library,
                    cleaned,
                    questions,
                    passages=passages,
                    reader=self._options.reader,
                )
                if i is None:
                    return None
                chosen = corrections[i]
            serving = live.library_of(chosen.source_id)
            located = _locate(serving, chosen) if serving is not None else None
            if located is not None:
                return chosen, located
            if chosen.source_id not in unread:
                await self._retire(chosen)
            corrections.remove(chosen)
        return None

    async def _ask_corrected(
        self, key: CacheKey, library: Library, cleaned: str, correction: Correction, quote: Quote
    ) -> ServedAnswer:
        """The corrected answer has its own cache entry and answer id (so it can be reported
        too); withdrawing the correction leaves it unused."""
        own = key._replace(answerer_version=f"{key.answerer_version}+c{correction.correction_id}")
        hit = await self._store.lookup(own)
        if hit is not None:
            return _served(_stored_answer(hit), hit.answer_id, cleaned, True)
        _, base, _ = await self._answer(key, library, cleaned)
        reported = await self._reported_passage(correction)
        answer = corrected_answer(
            base, quote, correction.moderator, correction.created_at, without=reported
        )
        answer_id = await self._store.save(own, answer.question, answer.model_dump_json())
        return _served(answer, answer_id, cleaned, False)

    async def _reported_passage(self, correction: Correction) -> list[tuple[str, int]]:
        """The passage of the first quote of the answer the correction's report was about: it
        was wrong, so it is not shown again under the correction."""
        report = await self._store.report(correction.report_id) if correction.report_id else None
        stored = await self._store.answer(report.answer_id) if report else None
        if stored is None:
            return []
        answer = _stored_answer(stored)
        first = answer.quotes[:1] if answer.answered else []
        return [(q.source_id, q.paragraph) for q in first]

    async def _ask_community(
        self,
        key: CacheKey,
        library: Library,
        cleaned: str,
        community: CommunityAnswer,
        quote: Quote,
    ) -> ServedAnswer:
        """The passage members confirmed first, marked with how many; its own cache entry per
        count (so the mark is current) and answer id (so it can be reported)."""
        version = f"{key.answerer_version}+m{community.community_id}.{community.score}"
        own = key._replace(answerer_version=version)
        hit = await self._store.lookup(own)
        if hit is not None:
            return _served(_stored_answer(hit), hit.answer_id, cleaned, True)
        _, base, _ = await self._answer(key, library, cleaned)
        mark = Community(community_id=community.community_id, members=community.score)
        answer = community_answer(base, quote, mark)
        answer_id = await self._store.save(own, answer.question, answer.model_dump_json())
        return _served(answer, answer_id, cleaned, False)

    async def _compute(
        self, key: CacheKey, library: Library, question: str, options: Options | None = None
    ) -> tuple[str, Answer]:
        # Computed again when the sources changed meanwhile: a source removed while the answer
        # was being computed is never quoted (up to a few times, should they keep changing).
        for _ in range(_RECOMPUTE_ON_CHANGE):
            live = self.live
            answer = await asyncio.to_thread(answer_live, live, question, options or self._options)
            if self.live is live:
                break
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

    async def export_database(self, write: Callable[[str, dict[str, Any]], None]) -> dict[str, int]:
        """Every stored row, to move this database to another backend (`citebot db export`)."""
        return await self._store.export_rows(write)

    async def import_database(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        """Load an export into this (empty) database (`citebot db import`)."""
        return await self._store.import_rows(rows)

    async def restore_database(
        self,
        rows: Iterable[tuple[str, dict[str, Any]]],
        keep: Callable[[list[tuple[str, dict[str, Any]]]], None],
    ) -> dict[str, int]:
        """Replace every row by an export's (`citebot db restore` on PostgreSQL), refused while
        another process has the database open; `keep` saves the replaced rows first."""
        return await self._store.replace_rows(rows, keep)

    # -- timeline ---------------------------------------------------------------------------
    async def timeline(
        self,
        query: TimelineQuery | None = None,
        *,
        year: int | str | None = None,
        start: str | None = None,
        end: str | None = None,
        about: str | None = None,
    ) -> Timeline:
        """Dated events, oldest first, filtered by `query` (or the same filters given one by
        one): overlapping `year` and [start, end] (YYYY, YYYY-MM or YYYY-MM-DD), with every word
        of `about` in their quotes. Mentions that could not be dated are included only when no
        date filter is given. Built once per corpus (in a worker thread), saved beside the index."""
        try:
            query = query or TimelineQuery.parse(year, start, end, about)
        except TimelineQueryError as exc:
            raise ServiceError(str(exc)) from exc
        library = await self.ensure_library()
        return await asyncio.to_thread(lambda: query.apply(library.timeline))

    @property
    def pictures_available(self) -> bool:
        """Whether the timeline can be drawn here (the `picture` extra is installed)."""
        from knowledge.timeline.picture import picture_available

        return picture_available()

    async def timeline_picture(
        self,
        query: TimelineQuery,
        *,
        fmt: PictureFormat = "png",
        first: int = 0,
        count: int | None = None,
        title: str = "Timeline",
    ) -> bytes:
        """The timeline for `query` drawn as PNG or SVG bytes: its events from `first` (`count`
        of them, or all: one Discord page or the whole range). Drawn in a worker thread and
        kept per library build, filters, page and format, so a second click costs nothing."""
        from knowledge.timeline.picture import render_picture

        library = await self.ensure_library()
        key = (library.fingerprint, query, fmt, first, count, title)
        if key not in self._pictures:
            timeline = await self.timeline(query)
            events = timeline.events[first : None if count is None else first + count]
            drawn = await asyncio.to_thread(render_picture, events, fmt, title)
            while len(self._pictures) >= PICTURE_CACHE_SIZE:
                self._pictures.pop(next(iter(self._pictures)))
            self._pictures[key] = drawn
        return self._pictures[key]

    async def timeline_suggestions(self) -> Suggestions:
        """Years with events and names matching some event (what /timeline autocompletes),
        computed once per corpus."""
        library = await self.ensure_library()
        if library.fingerprint not in self._suggestions:
            timeline = await self.timeline()
            corpus = library.corpus  # a SavedCorpus reads as a Corpus (knowledge/search/library.py)
            found = await asyncio.to_thread(Suggestions.build, timeline, corpus)  # type: ignore[arg-type]
            self._suggestions = {library.fingerprint: found}
        return self._suggestions[library.fingerprint]

    def source(self, source_id: str) -> Source | None:
        """The loaded source with this id (titles and dates for citations)."""
        return self.library.corpus.source(source_id)

    async def sources(self) -> list[SourceSummary]:
        """The sources served, with their paragraph counts (`citebot sources`, /sources list)."""
        await self.ensure_library()
        return [_summary(s, n) for s, n in self.live.sources()]

    async def apply_source_changes(self) -> SourceChanges:
        """Bring the served library in line with the corpus folder (the watcher, add, remove)."""
        await self.ensure_library()
        return await self.updates.apply()

    async def add_source_file(
        self, name: str, raw: bytes, *, replace: bool = False, progress: Progress | None = None
    ) -> SourceSummary:
        """Check a file (an upload, a copied path) and save it into the corpus folder; a loaded
        library takes it at once. Raises a UserError saying why a file is refused."""
        progress = progress or _no_progress
        folder = writable_folder(self.settings.corpus_dir)
        file_name = file_name_for_upload(name)
        await progress(f"reading {file_name}")
        source = await asyncio.to_thread(save_source, folder, file_name, raw, replace=replace)
        return await self._added(source, progress)

    async def add_source_url(
        self, url: str, *, replace: bool = False, progress: Progress | None = None
    ) -> SourceSummary:
        """Fetch a page (public addresses only, unless CITEBOT_ALLOW_PRIVATE_URLS) and save it
        into the corpus folder with the address it came from."""
        progress = progress or _no_progress
        folder = writable_folder(self.settings.corpus_dir)
        await progress("fetching the page")
        page = await fetch(url.strip(), allow_private=self.settings.allow_private_urls)
        file_name = file_name_for_url(page.url, page.suffix)
        await progress(f"reading {file_name} ({len(page.content):,} bytes)")
        raw = fetched_page(page.url, page.content, page.suffix)
        source = await asyncio.to_thread(save_source, folder, file_name, raw, replace=replace)
        return await self._added(source, progress)

    async def _added(self, source: Source, progress: Progress) -> SourceSummary:
        paragraphs = len(source.passages)
        if self.library_loaded:
            await progress(f"indexing {paragraphs} paragraphs")
            await self.apply_source_changes()
        return _summary(source, paragraphs)

    async def remove_source(self, source_id: str) -> list[str]:
        """Delete a source's file from the corpus folder; a loaded library stops quoting it at
        once. Returns the file names removed."""
        folder = writable_folder(self.settings.corpus_dir)
        removed = await asyncio.to_thread(remove_source, folder, source_id.strip())
        if self.library_loaded:
            await self.apply_source_changes()
        return [path.name for path in removed]

    async def rebuild_index(self) -> IndexSummary:
        """Rebuild the search index from the sources and report what it holds (`citebot
        index`)."""
        library = await asyncio.to_thread(
            _load_library, self.settings.corpus_dir, self.settings.data_dir, self.strict, True
        )
        self._library = library
        if self._updates is not None:
            await self._updates.close()
            self._updates = None
        library = self.library
        return IndexSummary(
            sources=len(library.sources),
            passages=len(library.passages),
            documents=library.index.n_docs,
            fingerprint=library.fingerprint,
        )

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
                f"unknown category {echoed(category)}; choose one of {', '.join(CATEGORIES)}"
            )
        reason = _limited(reason, MAX_REASON_CHARS, "reason")
        name = " ".join(_decoded(reporter.display_name, "reporter name").split())
        if not name:
            raise ServiceError("the reporter needs a name")
        stored = await self._store.answer(_decoded(answer_id, "answer id").strip())
        if stored is None:
            raise ServiceError(_unknown_answer(answer_id))
        wording = _decoded(question, "question") if question else stored.question
        shown = _served(_stored_answer(stored), stored.answer_id, wording, True)
        try:
            report = await self._store.add_report(
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
        metrics.REPORTS.labels(category=category).inc()
        if self._library is not None or shown.community is not None:
            library = await self.ensure_library()
            voter = (reporter.user_id, name, reporter.guild_id)
            await self._community.report_against(
                library, _corpus_key(library), shown, stored.question, voter
            )
        return report

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
        answer: str | None = None,
    ) -> Report:
        """Close an open report as resolved or rejected; with `guild_id`, only that guild's.

        `answer` (SOURCE_ID:PARAGRAPH[:SENTENCE]) names the passage that answers the reported
        question: from then on that question and its rewordings, in the report's guild, are
        answered with it first."""
        if status not in CLOSING_STATUSES:
            raise ServiceError(f"status must be one of {', '.join(CLOSING_STATUSES)}")
        note = _limited(note, MAX_NOTE_CHARS, "note")
        moderator = " ".join(_decoded(moderator, "moderator name").split())
        if not moderator:
            raise ServiceError("the moderator needs a name")
        if not 1 <= report_id <= MAX_ROW_ID:
            raise ServiceError(_unknown_report(report_id))
        correction = None
        if answer is not None:
            if not answer.strip():  # an unset shell variable, say: never a silent "no passage"
                raise ServiceError(
                    "the passage that answers is empty; name one as SOURCE_ID:PARAGRAPH"
                    "[:SENTENCE] (citebot sources lists the ids), or leave it out"
                )
            if status != "resolved":
                raise ServiceError("a passage that answers can only be named when resolving")
            ref, quote = await self.check_passage(answer)
            library = await self.ensure_library()
            correction = NewCorrection(
                ref.source_id, ref.paragraph, ref.sentence, quote.text, _corpus_key(library)
            )
        try:
            return await self._store.resolve(
                report_id,
                moderator=moderator,
                status=status,
                note=note,
                guild_id=guild_id,
                correction=correction,
            )
        except RecordNotFound as exc:
            raise ServiceError(_unknown_report(report_id)) from exc
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
            raise ServiceError(f"unknown export format {echoed(fmt)}; use csv or jsonl")
        reports = await self.reports(status, guild_id)
        if fmt == "jsonl":
            return "".join(report.model_dump_json() + "\n" for report in reports)
        return _csv(reports)

    # -- corrections ------------------------------------------------------------------------
    async def check_passage(self, text: str) -> tuple[PassageRef, Quote]:
        """The passage a SOURCE_ID:PARAGRAPH[:SENTENCE] reference names, or a ServiceError
        saying what is wrong with it."""
        library = await self.ensure_library()
        try:
            return resolve_ref(library, text)
        except RefError as exc:
            raise ServiceError(str(exc)) from exc

    async def passage_choices(
        self,
        typed: str,
        report_id: int | None = None,
        guild_id: str | None = None,
        limit: int = 25,
    ) -> list[PassageChoice]:
        """Passages for a moderator to pick (Discord autocomplete): those matching what was
        typed, or, with nothing typed, those nearest the report's question."""
        library = await self.ensure_library()
        question = None
        if report_id is not None:
            report = await self._store.report(report_id)
            if report is not None and (guild_id is None or report.guild_id == guild_id):
                question = report.question
        return await asyncio.to_thread(
            passage_choices, library, typed, question, limit, self._options
        )

    async def corrections(
        self, status: str | None = "active", guild_id: str | None = None
    ) -> list[Correction]:
        """Corrections oldest first; `status` None or "all" lists every status, `guild_id`
        None every guild."""
        if status is not None and status != ALL and status not in CORRECTION_STATUSES:
            raise ServiceError(
                f"unknown status {echoed(status)}; use one of "
                f"{', '.join(CORRECTION_STATUSES)} or all"
            )
        await self.ensure_library()  # retires corrections whose passage is gone
        return await self._store.corrections(None if status == "all" else status, guild_id)

    async def withdraw_correction(
        self, correction_id: int, moderator: str, guild_id: str | None = None
    ) -> Correction:
        """Stop applying a correction (its answers stay cached under its own key, unused)."""
        moderator = " ".join(_decoded(moderator, "moderator name").split())
        if not moderator:
            raise ServiceError("the moderator needs a name")
        if not 1 <= correction_id <= MAX_ROW_ID:
            raise ServiceError(_unknown_correction(correction_id))
        try:
            correction = await self._store.close_correction(
                correction_id, status="withdrawn", by=moderator, note="withdrawn",
                guild_id=guild_id,
            )  # fmt: skip
        except RecordNotFound as exc:
            raise ServiceError(_unknown_correction(correction_id)) from exc
        except CorrectionClosed as exc:
            raise ServiceError(
                f"correction #{correction_id} is already {exc.correction.status}"
            ) from exc
        return correction

    async def restore_correction(self, correction_id: int, moderator: str) -> Correction:
        """Serve a retired correction again, once its passage is back in the sources."""
        moderator = " ".join(_decoded(moderator, "moderator name").split())
        if not moderator:
            raise ServiceError("the moderator needs a name")
        found = (
            await self._store.correction(correction_id)
            if 1 <= correction_id <= MAX_ROW_ID
            else None
        )
        if found is None:
            raise ServiceError(_unknown_correction(correction_id))
        if found.status != "retired":
            raise ServiceError(_not_retired(found))
        library = await self.ensure_library()
        if found.corpus != _corpus_key(library):
            raise ServiceError(
                f"correction #{correction_id} was made over another corpus ({found.corpus})"
            )
        serving = self.live.library_of(found.source_id)  # a changed source: its new version
        if serving is None or _locate(serving, found) is None:
            raise ServiceError(
                f"correction #{correction_id} cannot be restored: its passage "
                f"{found.answer_ref} is still not in the sources"
            )
        try:
            restored = await self._store.reopen_correction(correction_id)
        except CorrectionClosed as exc:  # restored or withdrawn meanwhile
            raise ServiceError(_not_retired(exc.correction)) from exc
        log.info("correction #%d restored by %s", correction_id, moderator)
        return restored

    async def _retire_missing(self, library: Library) -> list[str]:
        """Retire every active correction made over this corpus whose passage `library` no
        longer holds (corrections of other corpora are left alone)."""
        warnings = []
        live = self.live
        corpus, unread = _corpus_key(library), _unread_sources(library) | live.unread
        for correction in await self._store.corrections("active"):
            if correction.corpus != corpus or correction.source_id in unread:
                continue  # a source skipped for now (unreadable) has not lost its passages
            serving = live.library_of(correction.source_id)  # changed: its new version
            if serving is None or _locate(serving, correction) is None:
                warnings.append(await self._retire(correction))
        return warnings

    async def _retire(self, correction: Correction) -> str:
        note = f"its passage {correction.answer_ref} is no longer in the sources"
        await self._store.close_correction(
            correction.correction_id, status="retired", by="citebot", note=note
        )
        warning = f"correction #{correction.correction_id} retired: {note}"
        log.warning("%s", warning)
        return warning

    # -- "This answered me" -----------------------------------------------------------------
    async def answered_me(
        self, answer_id: str, passage: int, asker: Asker
    ) -> tuple[Feedback, bool]:
        """Record that the `passage`-th passage (1-based) an answer showed answered the asker;
        returns the feedback and whether it is new (a second click is kept once)."""
        stored = await self._store.answer(answer_id.strip())
        if stored is None:
            raise ServiceError(_unknown_answer(answer_id))
        answer = _stored_answer(stored)
        shown = answer.quotes if answer.answered else answer.closest
        if not 1 <= passage <= len(shown):
            raise ServiceError(f"answer {stored.answer_id} showed {len(shown)} passages")
        quote = shown[passage - 1]
        name = " ".join(_decoded(asker.display_name, "user name").split()) or "someone"
        try:
            feedback, new = await self._store.add_feedback(
                answer_id=stored.answer_id,
                question=stored.question,
                source_id=quote.source_id,
                paragraph=quote.paragraph,
                quote=quote.text,
                user_id=asker.user_id,
                user_name=name,
                guild_id=asker.guild_id,
                channel_id=asker.channel_id,
            )
        except RecordNotFound as exc:
            raise ServiceError(_unknown_answer(answer_id)) from exc
        if new:
            metrics.CLICKS.inc()
        await self._vote(stored.question, quote, asker, name, ANSWERED)
        return feedback, new

    async def _vote(
        self, question: str, quote: Quote, asker: Asker, name: str, vote: int
    ) -> CommunityAnswer:
        """A member's vote on a passage for a question (see bot/community.py)."""
        library = await self.ensure_library()
        voter = (asker.user_id, name, asker.guild_id)
        return await self._community.vote(
            library, _corpus_key(library), question, quote, voter, vote
        )

    async def community_answers(
        self, status: str | None = "pending", guild_id: str | None = None
    ) -> list[CommunityAnswer]:
        """Community answers for moderators, oldest first; `guild_id` None lists every
        server's."""
        return await self._store.community_answers(_community_filter(status), guild_id)

    async def community_shown(self, guild_id: str | None = None) -> list[CommunityAnswer]:
        """The pending community answers enough members confirmed that they are served first:
        what the review queue shows moderators."""
        pending = await self.community_answers("pending", guild_id)
        return [c for c in pending if c.score >= self.settings.confirm_min_members]

    async def close_community(
        self, community_id: int, moderator: str, *, confirm: bool, guild_id: str | None = None
    ) -> CommunityAnswer:
        """Confirm a pending community answer (it becomes a correction of its question, in its
        server) or dismiss it; with `guild_id`, only that server's."""
        moderator = " ".join(_decoded(moderator, "moderator name").split())
        if not moderator:
            raise ServiceError("the moderator needs a name")
        if not 1 <= community_id <= MAX_ROW_ID:
            raise ServiceError(_unknown_community(community_id))
        correction = None
        if confirm:
            listed = await self._store.community_answers(guild_id=guild_id)
            found = next((c for c in listed if c.community_id == community_id), None)
            if found is not None:
                correction = NewCorrection(
                    found.source_id, found.paragraph, None, found.quote, found.corpus
                )
        try:
            return await self._store.close_community(
                community_id, moderator=moderator, guild_id=guild_id, correction=correction
            )
        except RecordNotFound as exc:
            raise ServiceError(_unknown_community(community_id)) from exc
        except CommunityClosed as exc:
            raise ServiceError(str(exc)) from exc

    async def export_community(
        self, fmt: str, status: str | None = None, guild_id: str | None = None
    ) -> str:
        """Community answers as CSV (spreadsheet-safe) or JSON Lines, like reports."""
        if fmt not in EXPORT_FORMATS:
            raise ServiceError(f"unknown export format {fmt!r}; use csv or jsonl")
        rows = await self.community_answers(status or ALL, guild_id)
        if fmt == "jsonl":
            return "".join(row.model_dump_json() + "\n" for row in rows)
        return _csv(rows, [*CommunityAnswer.model_fields, "score", "answer_ref"])

    async def feedback(self, guild_id: str | None = None) -> list[Feedback]:
        """ "This answered me" clicks oldest first; `guild_id` None lists every guild."""
        return await self._store.feedback(guild_id)


def _context_key(cleaned: str, context: Sequence[tuple[str, float]]) -> str:
    """The cache key of a question searched with a conversation's terms."""
    if not context:
        return question_key(cleaned)
    terms = " ".join(f"{term}^{weight:.3g}" for term, weight in context)
    return f"{question_key(cleaned)} | {terms}"


def _served(answer: Answer, answer_id: str, question: str, cached: bool) -> ServedAnswer:
    data = answer.model_dump()
    data.update(question=question, answer_id=answer_id, cached=cached)
    return ServedAnswer.model_validate(data)


def _corpus_key(library: Library) -> str:
    """Which corpus a correction belongs to: "bundled" (wherever it is installed) or the
    folder. An edited corpus keeps its key, so its corrections are checked, not dropped."""
    return _corpus_key_of(library.corpus.folder)


def _corpus_key_of(folder: Path | str | None) -> str:
    resolved = Path(folder or default_corpus_dir()).resolve()
    return "bundled" if resolved == default_corpus_dir().resolve() else str(resolved)


def still_valid(answer: Answer, live: LiveLibrary) -> bool:
    """Whether a cached answer may be served over the library as it is now: it quotes no source
    changed or removed since the base was built, and, if it abstained, no source was added
    since (one might answer it now)."""
    changed = live.changed
    quoted = {q.source_id for q in (*answer.quotes, *answer.closest)}
    if quoted & changed:
        return False
    return answer.answered or live.segment is None


def _unread_sources(library: Library) -> set[str]:
    """Ids of the corpus folder's source files the library did not load (unreadable, say):
    their passages are not known to be gone."""
    try:
        _folder, files = source_files(library.folder)
    except CorpusError:
        return set()
    return {path.stem for path in files} - {source.source_id for source in library.data.sources}


def _not_retired(correction: Correction) -> str:
    if correction.status == "active":
        return f"correction #{correction.correction_id} is active: nothing to restore"
    return (
        f"correction #{correction.correction_id} was withdrawn by a moderator, not retired; "
        "resolve a report again to correct the question"
    )


def _locate(library: Library, correction: Correction) -> Quote | None:
    ref = PassageRef(correction.source_id, correction.paragraph, correction.sentence)
    found = locate(library, ref, correction.quote)
    return found[1] if found is not None else None


def _stored_answer(stored: StoredAnswer) -> Answer:
    return Answer.model_validate_json(stored.answer_json)


def _unknown_answer(answer_id: str) -> str:
    return (
        f"no answer with id {echoed(answer_id)}; copy the id shown under the answer "
        "(citebot ask --json prints it as answer_id)"
    )


def _number(n: int) -> str:
    """An id as typed, cut short when absurdly long."""
    text = str(n)
    return text if len(text) <= 20 else f"{text[:20]}\u2026"


def _unknown_community(community_id: int) -> str:
    return f"no community answer #{community_id}; citebot reports community lists them"


def _community_filter(status: str | None) -> str | None:
    """The status a listing asks for (None: every one), or a ServiceError."""
    if status is None or status == ALL:
        return None
    if status not in COMMUNITY_STATUSES:
        names = ", ".join(with_all(COMMUNITY_STATUSES))
        raise ServiceError(f"status must be one of {names}")
    return status


def _unknown_report(report_id: int) -> str:
    return f"no report #{_number(report_id)}; list them with: citebot reports --status all"


def _unknown_correction(correction_id: int) -> str:
    return (
        f"no correction #{_number(correction_id)} here; the corrections list shows them "
        "(citebot corrections --status all, /reports corrections status:all)"
    )


def _decoded(text: str, what: str) -> str:
    """Refuse text holding bytes that were not UTF-8 (Python carries them as lone surrogates,
    which no database, terminal or Discord message can hold) or a NUL character (which
    PostgreSQL cannot store, and nobody means to type)."""
    if any("\ud800" <= c <= "\udfff" for c in text):
        raise ServiceError(f"the {what} is not valid UTF-8 text; check the terminal's encoding")
    if "\0" in text:
        raise ServiceError(f"the {what} holds a NUL character (\\0); remove it")
    return text


def normalise_text(text: str) -> str:
    """Report text as stored: trimmed, every line break (CR LF, a bare CR, the Unicode line and
    paragraph separators) kept but written as a newline, so no reader can split it otherwise."""
    return "\n".join(text.strip().splitlines()).strip()


def _limited(text: str, limit: int, what: str) -> str:
    text = normalise_text(_decoded(text, what))
    if len(text) > limit:
        raise ServiceError(f"the {what} is {len(text)} characters long; keep it to {limit}")
    return text


def _status_filter(status: str | None) -> str | None:
    if status is None or status == "all":
        return None
    if status not in STATUSES:
        raise ServiceError(
            f"unknown status {echoed(status)}; use one of {', '.join(STATUSES)} or all"
        )
    return status


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    """One CSV cell as spreadsheets must see it: line breaks written as newlines, and every line
    that would start a formula prefixed with an apostrophe (OWASP's advice on CSV injection; a
    spreadsheet also starts a formula after a line break inside a cell)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    lines = value.splitlines() or [""]
    return "\n".join("'" + line if line.startswith(_FORMULA_START) else line for line in lines)


def _csv(rows: Sequence[BaseModel], fields: list[str] | None = None) -> str:
    """CSV for spreadsheets (see `spreadsheet_cell`), since questions and reasons come from any
    user; a cell holding a line break is quoted. `fields`: the columns (a report's fields)."""
    out = io.StringIO()
    columns = fields or list(Report.model_fields)
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        values = row.model_dump(mode="json")
        writer.writerow({name: spreadsheet_cell(values.get(name)) for name in columns})
    return out.getvalue()
