"""The store itself: the answer cache, reports, corrections and feedback, written once in SQL
both backends speak (see bot/store/__init__.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import logging
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from bot import metrics
from bot.store.backend import BUSY_TIMEOUT_S, Backend, Row, Tx, Write, open_backend
from bot.store.errors import (
    CommunityClosed,
    CorrectionClosed,
    RecordNotFound,
    ReportClosed,
    StoreBusyError,
    StoreError,
)
from bot.store.migrations import migrate
from bot.store.models import (
    CacheKey,
    CacheStats,
    CommunityAnswer,
    Correction,
    Feedback,
    NewCorrection,
    Report,
    StoredAnswer,
    answer_ref,
    question_key,
)
from bot.store.schema import TABLES

log = logging.getLogger(__name__)

MAX_REASON_CHARS = 1000  # one report's reason, also after repeats are merged into it
MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer key
_ID_CHARS = 10
HIT_FLUSH_S = 60.0  # cache hits are counted in memory and written at most this often
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")

P = ParamSpec("P")
T = TypeVar("T")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _answer_id(key: CacheKey, salt: int) -> str:
    basis = "\0".join((*key, str(salt))).encode()
    return hashlib.sha256(basis).hexdigest()[:_ID_CHARS]


def _reporter_key(reporter_id: str | None, reporter_name: str) -> str:
    return f"id:{reporter_id}" if reporter_id else f"name:{reporter_name}"


def _merge_reasons(old: str, new: str, limit: int = MAX_REASON_CHARS) -> str:
    """Both reasons, newest last; when they no longer fit in `limit`, the oldest are dropped
    (so repeats cost constant time and space, not ever more)."""
    reasons = [r for r in old.split("\n\n") if r]
    if not new or new in reasons:
        return old
    reasons.append(new)
    while len(reasons) > 1 and len("\n\n".join(reasons)) > limit:
        reasons.pop(0)
    return "\n\n".join(reasons)[:limit]


def _guarded(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run a store operation to completion and turn the driver's exceptions into a StoreError
    that names the database and the fix.

    The operation is shielded from cancellation (a Discord interaction timing out, say): a
    statement already sent runs anyway, so stopping half-way would leave a transaction open on
    a shared connection.
    """

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        store: Store = args[0]  # type: ignore[assignment]

        async def operation() -> T:
            try:
                return await method(*args, **kwargs)
            except store.backend.errors as exc:
                error = store.backend.translate(exc)
                kind = "busy" if isinstance(error, StoreBusyError) else "failed"
                metrics.STORE_ERRORS.labels(operation=method.__name__, kind=kind).inc()
                raise error from exc

        task = asyncio.ensure_future(operation())
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            task.add_done_callback(_consume_outcome)
            raise

    return wrapper


def _consume_outcome(task: asyncio.Future[Any]) -> None:
    """Nobody awaits a shielded operation whose caller was cancelled: log, don't warn."""
    if not task.cancelled() and task.exception() is not None:
        log.warning("store operation failed after its caller gave up: %s", task.exception())


class Store:
    """An open database; one per process is enough (the backend pools or serialises calls)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        # Cache hits and misses counted since they were last written (see lookup).
        self._hits: Counter[str] = Counter()
        self._misses = 0
        self._flushed_at = time.monotonic()

    @property
    def location(self) -> str:
        return self.backend.location

    @property
    def path(self) -> str:
        """The location, under its historical name."""
        return self.backend.location

    @property
    def busy_timeout(self) -> float:
        return self.backend.busy_timeout

    @classmethod
    async def open(cls, target: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_S) -> Store:
        """Open (creating if needed) and migrate the database `target` names."""
        backend = await open_backend(target, busy_timeout=busy_timeout)
        store = cls(backend)
        try:
            await store._migrate()
        except BaseException:
            await backend.close()
            raise
        return store

    async def close(self) -> None:
        try:
            await self._flush_counts()
        finally:
            await self.backend.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @_guarded
    async def _migrate(self) -> None:
        await migrate(self.backend)

    # -- answer cache -----------------------------------------------------------------------
    @_guarded
    async def lookup(self, key: CacheKey) -> StoredAnswer | None:
        """The cached answer for `key`, unless it has an open report.

        A read only, so a hit never waits for another process's write; the hit or miss is
        counted in memory and written with the next write, at most HIT_FLUSH_S later, or on
        close.
        """
        async with self.backend.read() as tx:
            row = await tx.one(
                """SELECT a.answer_id, a.question, a.answer_json
                   FROM answers a JOIN cache c ON c.answer_id = a.answer_id
                   WHERE a.question_key = ? AND a.fingerprint = ? AND a.answerer_version = ?
                     AND NOT EXISTS (SELECT 1 FROM reports r
                                     WHERE r.answer_id = a.answer_id AND r.status = 'open')""",
                tuple(key),
            )
        if row is not None:
            self._hits[row[0]] += 1
        else:
            self._misses += 1
        if time.monotonic() - self._flushed_at > HIT_FLUSH_S:
            await self._flush_counts()
        return StoredAnswer(*row) if row is not None else None

    @asynccontextmanager
    async def _write(self, **options: Any) -> AsyncIterator[Tx]:
        """A backend write transaction that also records the hits and misses counted since."""
        async with self.backend.transaction(Write(**options)) as tx:
            yield tx
            await self._write_counts(tx)

    async def _write_counts(self, tx: Tx) -> None:
        hits, misses = self._hits, self._misses
        self._hits, self._misses, self._flushed_at = Counter(), 0, time.monotonic()
        for answer_id, n in hits.items():
            await tx.execute("UPDATE cache SET hits = hits + ? WHERE answer_id = ?", (n, answer_id))
        for name, n in (("hits", hits.total()), ("misses", misses)):
            if n:
                await tx.execute(
                    """INSERT INTO counters (name, value) VALUES (?, ?)
                       ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value""",
                    (name, n),
                )

    async def _flush_counts(self) -> None:
        """Write the pending counts; a statistic is not worth failing a question for (it is
        dropped then, with a note in the log)."""
        if not self._hits and not self._misses:
            return
        try:
            async with self._write(exclusive=False, quick=True):
                pass  # not worth waiting for when another process holds the lock
        except Exception as exc:
            if not isinstance(exc, (StoreError, *self.backend.errors)):
                raise
            log.info("cache hit counts not recorded (%s)", exc)
            self._hits, self._misses = Counter(), 0

    @_guarded
    async def save(self, key: CacheKey, question: str, answer_json: str) -> str:
        """Store a freshly computed answer and cache it; returns its stable answer_id.

        The id is derived from the key, so the same question over the same corpus and answerer
        keeps its id across recomputation, processes and restarts.
        """
        now = _now()
        async with self._write(scope=f"answer {key!r}") as tx:
            row = await tx.one(
                """SELECT answer_id FROM answers
                   WHERE question_key = ? AND fingerprint = ? AND answerer_version = ?""",
                tuple(key),
            )
            if row is not None:
                answer_id = row[0]
                await tx.execute(
                    "UPDATE answers SET answer_json = ? WHERE answer_id = ?",
                    (answer_json, answer_id),
                )
            else:
                salt = 0
                while await tx.one(
                    "SELECT 1 FROM answers WHERE answer_id = ?", (_answer_id(key, salt),)
                ):
                    salt += 1  # a different key already has this short id (saving a key
                    # with the same one at this very moment fails on the primary key instead)
                answer_id = _answer_id(key, salt)
                await tx.execute(
                    """INSERT INTO answers (answer_id, question_key, fingerprint,
                           answerer_version, question, answer_json, created_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    (answer_id, *key, question, answer_json, now),
                )
            await tx.execute(
                "INSERT INTO cache (answer_id, cached_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (answer_id, now),
            )
        return answer_id

    @_guarded
    async def answer(self, answer_id: str) -> StoredAnswer | None:
        async with self.backend.read() as tx:
            row = await tx.one(
                "SELECT answer_id, question, answer_json FROM answers WHERE answer_id = ?",
                (answer_id,),
            )
        return StoredAnswer(*row) if row is not None else None

    @_guarded
    async def cache_stats(self) -> CacheStats:
        async with self.backend.read() as tx:
            entries, answers, open_reports = await tx.one(
                """SELECT (SELECT count(*) FROM cache), (SELECT count(*) FROM answers),
                          (SELECT count(*) FROM reports WHERE status = 'open')"""
            ) or (0, 0, 0)
            counters = {row[0]: row[1] for row in await tx.all("SELECT name, value FROM counters")}
            since = await tx.one("SELECT value FROM meta WHERE key = 'counting_since'")
        return CacheStats(
            path=self.location,
            entries=entries,
            answers=answers,
            hits=counters.get("hits", 0) + self._hits.total(),
            misses=counters.get("misses", 0) + self._misses,
            counting_since=since[0] if since else None,
            open_reports=open_reports,
        )

    @_guarded
    async def clear_cache(self) -> int:
        """Empty the cache; answers that reports or feedback refer to are kept for moderators,
        and those a Discord message shows, for follow-ups."""
        async with self._write() as tx:
            cleared = await tx.execute("DELETE FROM cache")
            await tx.execute(
                """DELETE FROM answers
                   WHERE answer_id NOT IN (SELECT answer_id FROM reports)
                     AND answer_id NOT IN (SELECT answer_id FROM feedback)
                     AND answer_id NOT IN (SELECT answer_id FROM answer_messages)"""
            )
        return cleared

    # -- reports ----------------------------------------------------------------------------
    @_guarded
    async def add_report(
        self,
        *,
        answer_id: str,
        question: str,
        answer_text: str,
        reporter_id: str | None,
        reporter_name: str,
        guild_id: str | None,
        channel_id: str | None,
        category: str,
        reason: str,
    ) -> Report:
        """Record a report, committed before returning; a repeat by the same reporter on the same
        answer (in the same guild) updates their open report and keeps both reasons."""
        now = _now()
        reporter_key = _reporter_key(reporter_id, reporter_name)
        async with self._write(durable=True, scope=f"reports {answer_id}") as tx:
            if await tx.one("SELECT 1 FROM answers WHERE answer_id = ?", (answer_id,)) is None:
                raise RecordNotFound(answer_id)
            existing = await tx.one(
                """SELECT report_id, reason FROM reports
                   WHERE answer_id = ? AND reporter_key = ? AND coalesce(guild_id, '') = ?
                     AND status = 'open'""",
                (answer_id, reporter_key, guild_id or ""),
            )
            if existing is not None:
                report_id = existing[0]
                await tx.execute(
                    """UPDATE reports SET reason = ?, category = ?, reporter_name = ?,
                           channel_id = coalesce(?, channel_id), updated_at = ?
                       WHERE report_id = ?""",
                    (
                        _merge_reasons(existing[1], reason),
                        category,
                        reporter_name,
                        channel_id,
                        now,
                        report_id,
                    ),
                )
            else:
                report_id = await _insert_report(
                    tx,
                    (answer_id, question, answer_text, reporter_key, reporter_id, reporter_name),
                    (guild_id, channel_id, category, reason, now, now),
                )
            report = await self._report(tx, report_id)
        assert report is not None
        return report

    _REPORTS = """SELECT r.report_id, r.answer_id, r.question, r.answer_text, r.reporter_id,
        r.reporter_name, r.guild_id, r.channel_id, r.category, r.reason, r.created_at,
        r.updated_at, r.status, r.moderator, r.resolution_note, r.resolved_at,
        c.correction_id, c.source_id, c.paragraph, c.sentence, c.status AS correction_status
        FROM reports r LEFT JOIN corrections c ON c.report_id = r.report_id"""

    @staticmethod
    def _to_report(row: Row) -> Report:
        data = dict(row)
        source_id, paragraph, sentence = (
            data.pop(k) for k in ("source_id", "paragraph", "sentence")
        )
        if source_id is not None:
            data["answer_ref"] = answer_ref(source_id, paragraph, sentence)
        return Report.model_validate(data)

    async def _report(self, tx: Tx, report_id: int) -> Report | None:
        row = await tx.one(f"{self._REPORTS} WHERE r.report_id = ?", (report_id,))
        return self._to_report(row) if row is not None else None

    @_guarded
    async def report(self, report_id: int) -> Report | None:
        async with self.backend.read() as tx:
            return await self._report(tx, report_id)

    @_guarded
    async def reports(self, status: str | None = None, guild_id: str | None = None) -> list[Report]:
        """Reports oldest first; `None` means any status or any guild."""
        async with self.backend.read() as tx:
            rows = await tx.all(
                f"""{self._REPORTS}
                    WHERE (CAST(? AS TEXT) IS NULL OR r.status = ?)
                      AND (CAST(? AS TEXT) IS NULL OR r.guild_id = ?)
                    ORDER BY r.created_at, r.report_id""",
                (status, status, guild_id, guild_id),
            )
        return [self._to_report(row) for row in rows]

    @_guarded
    async def resolve(
        self,
        report_id: int,
        *,
        moderator: str,
        status: str,
        note: str,
        guild_id: str | None = None,
        correction: NewCorrection | None = None,
    ) -> Report:
        """Close an open report; with `guild_id`, only one filed in that guild. A `correction`
        is stored with it, in the report's guild, and replaces that guild's active correction
        of the same question."""
        async with self._write(durable=True) as tx:
            report = await self._report(tx, report_id)
            if report is None or (guild_id is not None and report.guild_id != guild_id):
                raise RecordNotFound(str(report_id))
            if report.status != "open":
                raise ReportClosed(report)
            now = _now()
            await tx.execute(
                """UPDATE reports SET status = ?, moderator = ?, resolution_note = ?,
                       resolved_at = ?
                   WHERE report_id = ?""",
                (status, moderator, note, now, report_id),
            )
            if correction is not None:
                await _insert_correction(
                    tx, report.guild_id, report_id, report.question, correction, moderator, now
                )
            report = await self._report(tx, report_id)
        assert report is not None
        return report

    # -- corrections ------------------------------------------------------------------------
    _CORRECTIONS = """SELECT correction_id, guild_id, corpus, report_id, question, source_id,
        paragraph, sentence, quote, moderator, created_at, status, closed_by, closed_at, closed_note
        FROM corrections"""

    @_guarded
    async def corrections(
        self, status: str | None = None, guild_id: str | None = None
    ) -> list[Correction]:
        """Corrections oldest first; `None` means any status or any guild."""
        async with self.backend.read() as tx:
            rows = await tx.all(
                f"""{self._CORRECTIONS}
                    WHERE (CAST(? AS TEXT) IS NULL OR status = ?)
                      AND (CAST(? AS TEXT) IS NULL OR guild_id = ?)
                    ORDER BY created_at, correction_id""",
                (status, status, guild_id, guild_id),
            )
        return [Correction.model_validate(dict(row)) for row in rows]

    @_guarded
    async def active_corrections(self, guild_id: str | None, corpus: str) -> list[Correction]:
        """The corrections that apply to questions asked in `guild_id` (None: the command
        line's own) over `corpus`, newest first."""
        async with self.backend.read() as tx:
            rows = await tx.all(
                f"""{self._CORRECTIONS}
                    WHERE status = 'active' AND coalesce(guild_id, '') = coalesce(?, '')
                      AND corpus = ?
                    ORDER BY created_at DESC, correction_id DESC""",
                (guild_id, corpus),
            )
        return [Correction.model_validate(dict(row)) for row in rows]

    @_guarded
    async def close_correction(
        self,
        correction_id: int,
        *,
        status: str,
        by: str,
        note: str,
        guild_id: str | None = None,
    ) -> Correction:
        """Withdraw or retire an active correction; with `guild_id`, only one of that guild.
        Raises CorrectionClosed when it is no longer active."""
        async with self._write(durable=True) as tx:
            row = await tx.one(f"{self._CORRECTIONS} WHERE correction_id = ?", (correction_id,))
            if row is None or (guild_id is not None and row["guild_id"] != guild_id):
                raise RecordNotFound(str(correction_id))
            if row["status"] != "active":
                raise CorrectionClosed(Correction.model_validate(dict(row)))
            await tx.execute(
                """UPDATE corrections SET status = ?, closed_by = ?, closed_at = ?, closed_note = ?
                   WHERE correction_id = ?""",
                (status, by, _now(), note, correction_id),
            )
            row = await tx.one(f"{self._CORRECTIONS} WHERE correction_id = ?", (correction_id,))
        assert row is not None
        return Correction.model_validate(dict(row))

    @_guarded
    async def correction(self, correction_id: int) -> Correction | None:
        async with self.backend.read() as tx:
            row = await tx.one(f"{self._CORRECTIONS} WHERE correction_id = ?", (correction_id,))
        return Correction.model_validate(dict(row)) if row is not None else None

    @_guarded
    async def reopen_correction(self, correction_id: int) -> Correction:
        """Serve a retired correction again (its passage is back in the sources). Raises
        RecordNotFound, or CorrectionClosed when it is not retired (active, or withdrawn)."""
        async with self._write(durable=True) as tx:
            row = await tx.one(f"{self._CORRECTIONS} WHERE correction_id = ?", (correction_id,))
            if row is None:
                raise RecordNotFound(str(correction_id))
            if row["status"] != "retired":
                raise CorrectionClosed(Correction.model_validate(dict(row)))
            await tx.execute(
                """UPDATE corrections SET status = 'active', closed_by = NULL, closed_at = NULL,
                       closed_note = NULL
                   WHERE correction_id = ?""",
                (correction_id,),
            )
            row = await tx.one(f"{self._CORRECTIONS} WHERE correction_id = ?", (correction_id,))
        assert row is not None
        return Correction.model_validate(dict(row))

    # -- conversations ----------------------------------------------------------------------
    @_guarded
    async def link_message(
        self, message_id: str, answer_id: str, guild_id: str | None, channel_id: str | None
    ) -> None:
        """Remember that a Discord message shows this answer; a thread's id is linked again to
        each answer given in it, so a follow-up there follows the latest."""
        async with self._write() as tx:
            await tx.execute(
                """INSERT INTO answer_messages (message_id, answer_id, guild_id, channel_id,
                       created_at) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (message_id) DO UPDATE SET answer_id = excluded.answer_id""",
                (message_id, answer_id, guild_id, channel_id, _now()),
            )

    @_guarded
    async def answer_of_message(self, message_id: str) -> str | None:
        """The answer id a Discord message (or thread) shows, if it shows one."""
        async with self.backend.read() as tx:
            row = await tx.one(
                "SELECT answer_id FROM answer_messages WHERE message_id = ?", (message_id,)
            )
        return row[0] if row is not None else None

    # -- feedback ---------------------------------------------------------------------------
    @_guarded
    async def add_feedback(
        self,
        *,
        answer_id: str,
        question: str,
        source_id: str,
        paragraph: int,
        quote: str,
        user_id: str | None,
        user_name: str,
        guild_id: str | None,
        channel_id: str | None,
    ) -> tuple[Feedback, bool]:
        """Record a click, committed before returning; a second click by the same user on the
        same passage of the same answer is kept once. Returns it and whether it was new."""
        user_key = _reporter_key(user_id, user_name)
        async with self._write(durable=True) as tx:
            if await tx.one("SELECT 1 FROM answers WHERE answer_id = ?", (answer_id,)) is None:
                raise RecordNotFound(answer_id)
            added = await tx.execute(
                """INSERT INTO feedback (answer_id, question, source_id, paragraph,
                       quote, user_key, user_id, user_name, guild_id, channel_id, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                (answer_id, question, source_id, paragraph, quote, user_key, user_id,
                 user_name, guild_id, channel_id, _now()),
            )  # fmt: skip
            row = await tx.one(
                f"""{self._FEEDBACK} WHERE answer_id = ? AND source_id = ? AND paragraph = ?
                      AND user_key = ? AND coalesce(guild_id, '') = coalesce(?, '')""",
                (answer_id, source_id, paragraph, user_key, guild_id),
            )
        assert row is not None
        return Feedback.model_validate(dict(row)), added > 0

    _FEEDBACK = """SELECT feedback_id, answer_id, question, source_id, paragraph, quote, user_id,
        user_name, guild_id, channel_id, created_at FROM feedback"""

    @_guarded
    async def feedback(self, guild_id: str | None = None) -> list[Feedback]:
        """Clicks oldest first; `None` means any guild."""
        async with self.backend.read() as tx:
            rows = await tx.all(
                f"""{self._FEEDBACK} WHERE (CAST(? AS TEXT) IS NULL OR guild_id = ?)
                    ORDER BY created_at, feedback_id""",
                (guild_id, guild_id),
            )
        return [Feedback.model_validate(dict(row)) for row in rows]

    # -- community answers ---------------------------------------------------------------------
    _COMMUNITY = """SELECT c.community_id, c.guild_id, c.corpus, c.question, c.source_id,
        c.paragraph, c.quote, c.created_at, c.status, c.moderator, c.closed_at, c.correction_id,
        (SELECT count(*) FROM community_votes v
          WHERE v.community_id = c.community_id AND v.vote = 1) AS members,
        (SELECT count(*) FROM community_votes v
          WHERE v.community_id = c.community_id AND v.vote = -1) AS against
        FROM community_answers c"""

    @_guarded
    async def community_vote(
        self,
        passage: NewCorrection,
        *,
        guild_id: str | None,
        question: str,
        user: tuple[str | None, str],
        vote: int,
        into: int | None = None,
    ) -> CommunityAnswer:
        """Record a member's one vote (+1 answered, -1 reported) on a passage for a question:
        into community answer `into` (a rewording's), else the question's own, made on first
        use. A member's later vote replaces their earlier one."""
        user_key = _reporter_key(*user)
        async with self._write(durable=True) as tx:
            if into is None:
                await tx.execute(
                    """INSERT INTO community_answers (guild_id, corpus, question, question_key,
                           source_id, paragraph, quote, created_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                    (guild_id, passage.corpus, question, question_key(question),
                     passage.source_id, passage.paragraph, passage.quote, _now()),
                )  # fmt: skip
                row = await tx.one(
                    """SELECT community_id FROM community_answers
                       WHERE coalesce(guild_id, '') = coalesce(?, '') AND corpus = ?
                         AND question_key = ? AND source_id = ? AND paragraph = ?""",
                    (guild_id, passage.corpus, question_key(question), passage.source_id,
                     passage.paragraph),
                )  # fmt: skip
                assert row is not None
                into = int(row[0])
            await tx.execute(
                """INSERT INTO community_votes (community_id, user_key, vote, created_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (community_id, user_key) DO UPDATE SET vote = excluded.vote""",
                (into, user_key, vote, _now()),
            )
            found = await tx.one(f"{self._COMMUNITY} WHERE c.community_id = ?", (into,))
        assert found is not None
        return CommunityAnswer.model_validate(dict(found))

    @_guarded
    async def community_answers(
        self,
        status: str | None = None,
        guild_id: str | None = None,
        *,
        exact_guild: bool = False,
        corpus: str | None = None,
    ) -> list[CommunityAnswer]:
        """Community answers oldest first. `guild_id` None lists every guild's, unless
        `exact_guild` (then None is the command line's own); `corpus` None, every corpus'."""
        async with self.backend.read() as tx:
            rows = await tx.all(
                f"""{self._COMMUNITY}
                    WHERE (CAST(? AS TEXT) IS NULL OR c.status = ?)
                      AND (CASE WHEN ? = 1 THEN coalesce(c.guild_id, '') = coalesce(?, '')
                                ELSE CAST(? AS TEXT) IS NULL OR c.guild_id = ? END)
                      AND (CAST(? AS TEXT) IS NULL OR c.corpus = ?)
                    ORDER BY c.created_at, c.community_id""",
                (status, status, int(exact_guild), guild_id, guild_id, guild_id, corpus, corpus),
            )
        return [CommunityAnswer.model_validate(dict(row)) for row in rows]

    @_guarded
    async def close_community(
        self,
        community_id: int,
        *,
        moderator: str,
        guild_id: str | None,
        correction: NewCorrection | None,
    ) -> CommunityAnswer:
        """Confirm a pending community answer (with `correction`: it becomes the moderator's
        correction of its question) or dismiss it; with `guild_id`, only that guild's."""
        async with self._write(durable=True) as tx:
            row = await tx.one(f"{self._COMMUNITY} WHERE c.community_id = ?", (community_id,))
            found = CommunityAnswer.model_validate(dict(row)) if row is not None else None
            if found is None or (guild_id is not None and found.guild_id != guild_id):
                raise RecordNotFound(str(community_id))
            if found.status != "pending":
                raise CommunityClosed(found)
            now = _now()
            correction_id = None
            if correction is not None:
                correction_id = await _insert_correction(
                    tx, found.guild_id, None, found.question, correction, moderator, now
                )
            status = "confirmed" if correction is not None else "dismissed"
            await tx.execute(
                """UPDATE community_answers SET status = ?, moderator = ?, closed_at = ?,
                       correction_id = ? WHERE community_id = ?""",
                (status, moderator, now, correction_id, community_id),
            )
            row = await tx.one(f"{self._COMMUNITY} WHERE c.community_id = ?", (community_id,))
        assert row is not None
        return CommunityAnswer.model_validate(dict(row))

    # -- moving between backends -------------------------------------------------------------
    @_guarded
    async def export_rows(self, write: Callable[[str, dict[str, Any]], None]) -> dict[str, int]:
        """Hand every row of every table to `write(table, row)`, parents first, from one
        consistent snapshot, each table in the order of its key (its first column, compared as
        SQLite's binary collation does, whatever the server's collation); returns the row count
        per table."""
        return await self._export(write)

    async def _export(self, write: Callable[[str, dict[str, Any]], None]) -> dict[str, int]:
        counts: dict[str, int] = {}
        async with self.backend.read() as tx:
            for table in TABLES:
                rows = sorted(await tx.all(f"SELECT * FROM {table}"), key=lambda row: row[0])
                for row in rows:
                    write(table, dict(row))
                counts[table] = len(rows)
        return counts

    @_guarded
    async def import_rows(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        """Load exported rows into this database, all or nothing; only into a database with
        no answers and no reports yet (an import never merges with real data)."""
        return await self._import(rows, replace=False)

    @_guarded
    async def replace_rows(
        self,
        rows: Iterable[tuple[str, dict[str, Any]]],
        keep: Callable[[list[tuple[str, dict[str, Any]]]], None],
    ) -> dict[str, int]:
        """Restore a backup: with no other process holding the database (StoreError if one
        does; those opening it meanwhile wait), hand every current row to `keep` (which saves
        them, or raises to stop here), then replace them by `rows`, all or nothing."""
        async with self.backend.sole_use():
            current: list[tuple[str, dict[str, Any]]] = []
            await self._export(lambda table, row: current.append((table, row)))
            keep(current)
            return await self._import(rows, replace=True)

    async def _import(
        self, rows: Iterable[tuple[str, dict[str, Any]]], *, replace: bool
    ) -> dict[str, int]:
        counts = dict.fromkeys(TABLES, 0)
        self._hits, self._misses = Counter(), 0  # counted against what is being replaced
        async with self.backend.transaction(Write(durable=True)) as tx:
            held = await tx.one(
                "SELECT (SELECT count(*) FROM answers) + (SELECT count(*) FROM reports)"
            )
            if held and held[0] and not replace:
                raise StoreError(
                    f"{self.location} already holds answers or reports; import only into a new, "
                    "empty database"
                )
            for table in reversed(TABLES):
                await tx.execute(f"DELETE FROM {table}")  # what a new database starts with
            nuls = 0
            for table, row in rows:
                if not self.backend.stores_nul:
                    row, removed = _without_nul(row)
                    nuls += removed
                await tx.execute(*_insert_statement(counts, table, row))
                counts[table] += 1
            await self.backend.after_import(tx)
        if nuls:
            log.warning(
                "removed %d NUL characters from the imported text: %s cannot store them",
                nuls,
                self.location,
            )
        return counts


async def _insert_correction(
    tx: Tx,
    guild_id: str | None,
    report_id: int | None,
    question: str,
    correction: NewCorrection,
    moderator: str,
    now: str,
) -> int:
    """A new active correction of `question` in a guild; it replaces (withdraws) that guild's
    active correction of the same question. Returns its id."""
    key = question_key(question)
    inserted = await tx.one(
        """INSERT INTO corrections (guild_id, report_id, question, question_key,
               source_id, paragraph, sentence, quote, corpus, moderator, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           RETURNING correction_id""",
        (guild_id, report_id, question, key, *correction, moderator, now),
    )
    assert inserted is not None
    correction_id = int(inserted[0])
    await tx.execute(
        """UPDATE corrections SET status = 'withdrawn', closed_by = ?, closed_at = ?,
               closed_note = ?
           WHERE status = 'active' AND question_key = ? AND correction_id != ?
             AND coalesce(guild_id, '') = coalesce(?, '') AND corpus = ?""",
        (moderator, now, f"replaced by correction #{correction_id}", key,
         correction_id, guild_id, correction.corpus),
    )  # fmt: skip
    return correction_id


def _without_nul(row: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The row with every NUL character removed from its text (the rule for importing into
    a database that cannot store them), and how many were removed."""
    removed = sum(v.count("\0") for v in row.values() if isinstance(v, str))
    if not removed:
        return row, 0
    return {k: v.replace("\0", "") if isinstance(v, str) else v for k, v in row.items()}, removed


def _insert_statement(
    counts: dict[str, int], table: str, row: dict[str, Any]
) -> tuple[str, list[Any]]:
    """The INSERT of one exported row, its table and columns checked against injection."""
    if table not in counts:
        raise StoreError(f"the export names an unknown table {table!r}")
    columns = list(row)
    if not all(_IDENTIFIER.fullmatch(column) for column in columns):
        raise StoreError(f"the export names a bad column in table {table}")
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    return sql, [row[column] for column in columns]


async def _insert_report(tx: Tx, who: tuple[Any, ...], where: tuple[Any, ...]) -> int:
    """A new open report (the answer and its reporter, then where, what and when); its id."""
    inserted = await tx.one(
        """INSERT INTO reports (answer_id, question, answer_text, reporter_key,
               reporter_id, reporter_name, guild_id, channel_id, category, reason,
               created_at, updated_at, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')
           RETURNING report_id""",
        (*who, *where),
    )
    assert inserted is not None
    return inserted[0]
