"""The store behind the answer cache and wrong-answer reports; the only place speaking SQL.

One interface, two backends chosen by `CITEBOT_DATABASE_URL`: an SQLite file (the default, no
setup; bot/store/sqlite.py) or a PostgreSQL database shared by several processes or machines
(bot/store/postgres.py). The statements below are written once, with `?` placeholders and a few
`{tokens}` each backend spells its own way; a backend supplies transactions, the schema version
and its error translation. The schema grows by numbered, forward-only migrations. A database
citebot cannot use is reported, never repaired, replaced or deleted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import logging
import re
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, ParamSpec, Protocol, TypeVar

from pydantic import BaseModel, computed_field

from bot.store.vocabulary import (
    CATEGORIES,
    CORRECTION_STATUSES,
    STATUSES,
    Category,
    CorrectionStatus,
    Status,
    sql_in,
)
from knowledge.errors import CitebotError
from knowledge.text.analysis import fold

log = logging.getLogger(__name__)

DB_FILENAME = "citebot.sqlite3"
BUSY_TIMEOUT_S = 15.0
MAX_REASON_CHARS = 1000  # one report's reason, also after repeats are merged into it
MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer key
_ID_CHARS = 10
HIT_FLUSH_S = 60.0  # cache hits are counted in memory and written at most this often
QUICK_TIMEOUT_S = 0.05  # a write that may be skipped (hit counts) waits no longer than this
WAIT_NOTICE_S = 2.0  # a write still waiting for the lock after this long says so
RESTORE_HELP = (
    "Restore your latest backup with `citebot db restore FILE` (made by `citebot db backup "
    "FILE`; it moves the damaged file aside), or move or rename it yourself to start an empty "
    "database"
)
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")

# Forward only: never edit a released step, append a new one. Step N takes schema version N-1 to
# N. Each backend replaces `{serial_key}` (an auto-numbered integer primary key) and `{utc_now}`
# (the current UTC time as ISO text) with its own spelling; the rest is SQL both engines speak.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: every computed answer, and which of them the cache may serve.
    (
        """CREATE TABLE answers (
            answer_id TEXT PRIMARY KEY,
            question_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            answerer_version TEXT NOT NULL,
            question TEXT NOT NULL,
            answer_json TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (question_key, fingerprint, answerer_version)
        )""",
        """CREATE TABLE cache (
            answer_id TEXT PRIMARY KEY REFERENCES answers (answer_id) ON DELETE CASCADE,
            cached_at TEXT NOT NULL
        )""",
    ),
    # 2: wrong-answer reports; one open report per reporter, answer and guild.
    (
        """CREATE TABLE reports (
            report_id {serial_key},
            answer_id TEXT NOT NULL REFERENCES answers (answer_id),
            question TEXT NOT NULL,
            answer_text TEXT NOT NULL,
            reporter_key TEXT NOT NULL,
            reporter_id TEXT,
            reporter_name TEXT NOT NULL,
            guild_id TEXT,
            channel_id TEXT,
            category TEXT NOT NULL
                CHECK (category IN """
        + sql_in(CATEGORIES)
        + """),
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN """
        + sql_in(STATUSES)
        + """),
            moderator TEXT,
            resolution_note TEXT,
            resolved_at TEXT
        )""",
        "CREATE INDEX reports_by_answer ON reports (answer_id, status)",
        "CREATE INDEX reports_by_status ON reports (status, guild_id)",
        """CREATE UNIQUE INDEX reports_one_open_per_reporter
            ON reports (answer_id, reporter_key, coalesce(guild_id, '')) WHERE status = 'open'""",
    ),
    # 3: cache statistics: hits per entry and hit/miss counters since the file was made.
    (
        "ALTER TABLE cache ADD COLUMN hits INTEGER NOT NULL DEFAULT 0",
        "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """INSERT INTO meta (key, value)
            VALUES ('counting_since', {utc_now})""",
    ),
    # 4: moderators' corrections (the passage that answers a question, per guild) and
    # "This answered me" clicks on the closest passages of a low-confidence answer.
    (
        """CREATE TABLE corrections (
            correction_id {serial_key},
            guild_id TEXT,
            corpus TEXT NOT NULL,
            report_id INTEGER REFERENCES reports (report_id),
            question TEXT NOT NULL,
            question_key TEXT NOT NULL,
            source_id TEXT NOT NULL,
            paragraph INTEGER NOT NULL,
            sentence INTEGER,
            quote TEXT NOT NULL,
            moderator TEXT NOT NULL,
            created_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN """
        + sql_in(CORRECTION_STATUSES)
        + """),
            closed_by TEXT,
            closed_at TEXT,
            closed_note TEXT
        )""",
        "CREATE INDEX corrections_by_guild ON corrections (status, guild_id, corpus)",
        """CREATE TABLE feedback (
            feedback_id {serial_key},
            answer_id TEXT NOT NULL REFERENCES answers (answer_id),
            question TEXT NOT NULL,
            source_id TEXT NOT NULL,
            paragraph INTEGER NOT NULL,
            quote TEXT NOT NULL,
            user_key TEXT NOT NULL,
            user_id TEXT,
            user_name TEXT NOT NULL,
            guild_id TEXT,
            channel_id TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE UNIQUE INDEX feedback_once_per_user ON feedback
            (answer_id, source_id, paragraph, user_key, coalesce(guild_id, ''))""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
# Every table, parents before children: what `citebot db export` copies (append new tables).
TABLES: tuple[str, ...] = (
    "answers",
    "cache",
    "reports",
    "corrections",
    "feedback",
    "counters",
    "meta",
)
# The tables `citebot db check` counts rows of.
COUNTED: tuple[str, ...] = ("answers", "cache", "reports", "corrections", "feedback")


class StoreError(CitebotError):
    """The database cannot be used as it is; the message names the file and what to do."""


class StoreBusyError(StoreError):
    """Another process held the database for longer than the busy timeout."""


class RecordNotFound(CitebotError, LookupError):
    """No answer or report with that id (in that guild)."""


class ReportClosed(CitebotError):
    """The report was already resolved or rejected."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"report {report.report_id} is already {report.status}")
        self.report = report


class CorrectionClosed(CitebotError):
    """The correction was already withdrawn or retired."""

    def __init__(self, correction: Correction) -> None:
        super().__init__(f"correction {correction.correction_id} is already {correction.status}")
        self.correction = correction


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
        return _ref(self.source_id, self.paragraph, self.sentence)


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


def _ref(source_id: str, paragraph: int, sentence: int | None) -> str:
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
    schema_version: int | None = None
    expected_version: int = SCHEMA_VERSION
    problems: list[str] = []
    counts: dict[str, int] = {}


_END_PUNCTUATION = "?!.\u2026;:,\u061f\u3002\uff1f\uff01 \"'"


def question_key(question: str) -> str:
    """Fold case, accents, quotes, whitespace and end punctuation: what cannot change an answer."""
    return " ".join(fold(question).split()).strip(_END_PUNCTUATION)


def database_path(data_dir: Path) -> Path:
    return Path(data_dir) / DB_FILENAME


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


Params = Sequence[Any]
P = ParamSpec("P")
T = TypeVar("T")


def spell(sql: str, tokens: dict[str, str]) -> str:
    """The shared SQL with a backend's spelling of the `{tokens}` (see MIGRATIONS)."""
    for token, spelling in tokens.items():
        sql = sql.replace(token, spelling)
    return sql


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def database_target(database_url: str | None, data_dir: Path) -> str | Path:
    """What `CITEBOT_DATABASE_URL` names: a PostgreSQL URL, or an SQLite file (by default the
    one in the data folder; `sqlite:///path` and a plain path both work)."""
    if not database_url or not database_url.strip():
        return database_path(data_dir)
    value = database_url.strip()
    if is_postgres_url(value):
        return value
    if "://" in value and not value.startswith("sqlite:///"):
        raise StoreError(
            f"CITEBOT_DATABASE_URL must be postgresql://... or an SQLite file path, got a "
            f"{value.split('://', 1)[0]}:// URL"
        )
    return Path(value.removeprefix("sqlite://"))


@dataclass(frozen=True)
class Write:
    """How a write transaction locks and syncs. `exclusive` ones run one at a time across every
    process (what keeps check-then-write steps safe), or with a `scope`, one at a time among
    those of the same scope; `durable` ones reach the disk before returning; `quick` ones wait
    for a lock QUICK_TIMEOUT_S at most (for writes that may be skipped)."""

    durable: bool = False
    exclusive: bool = True
    scope: str | None = None
    quick: bool = False


PLAIN_WRITE = Write()


class Row(Protocol):
    """A result row: by position or, through dict(row), by column name."""

    def __getitem__(self, key: Any) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def keys(self) -> Any: ...


class Tx(Protocol):
    """One open transaction. SQL uses `?` placeholders; the backend adapts them."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; returns the number of rows it changed."""
        ...

    async def one(self, sql: str, params: Params = ()) -> Row | None: ...

    async def all(self, sql: str, params: Params = ()) -> list[Row]: ...


class Backend(Protocol):
    """What a database engine supplies: transactions, the schema version, error translation."""

    location: str  # shown to users: a file path, or a URL without its password
    busy_timeout: float

    @property
    def errors(self) -> tuple[type[BaseException], ...]:
        """The driver's exceptions, for translate()."""
        ...

    def translate(self, exc: BaseException) -> StoreError: ...

    def transaction(self, write: Write = ...) -> AbstractAsyncContextManager[Tx]:
        """A write transaction, taking its locks as `write` says (default: PLAIN_WRITE)."""
        ...

    def read(self) -> AbstractAsyncContextManager[Tx]:
        """A read-only transaction on one consistent snapshot."""
        ...

    async def schema_version(self, tx: Tx) -> int: ...

    async def set_schema_version(self, tx: Tx, version: int) -> None: ...

    async def foreign_tables(self, tx: Tx) -> int:
        """How many tables that are not citebot's the database holds (refused when unversioned)."""
        ...

    async def after_import(self, tx: Tx) -> None:
        """Bring auto-numbering past imported ids."""
        ...

    async def close(self) -> None: ...


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
                raise store.backend.translate(exc) from exc

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


async def waiting_noted(step: Awaitable[T], location: str, busy_timeout: float) -> T:
    """Await a step that takes the write lock, saying so in the log when another process makes
    it wait longer than WAIT_NOTICE_S."""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=WAIT_NOTICE_S)
    if not done:
        log.warning(
            "waiting for the database %s: another process is writing to it (up to %g s)",
            location,
            busy_timeout,
        )
    return await task


def busy_message(location: str, busy_timeout: float, holder_hint: str) -> str:
    return (
        f"the database {location} is busy: it stayed locked by another citebot process for "
        f"over {busy_timeout:g} s, and nothing was changed; try again in a moment (if it stays "
        f"busy, look for the process holding it: {holder_hint})"
    )


async def open_backend(target: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_S) -> Backend:
    """Connect to the database `target` names (see database_target), without migrating."""
    if is_postgres_url(target):
        from bot.store.postgres import PostgresBackend

        # Each backend's methods take its own transaction type, a Tx in all but name.
        return await PostgresBackend.connect(str(target), busy_timeout=busy_timeout)  # type: ignore[return-value]
    from bot.store.sqlite import SqliteBackend

    return await SqliteBackend.connect(Path(target), busy_timeout=busy_timeout)  # type: ignore[return-value]


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

    # -- migrations -------------------------------------------------------------------------
    @_guarded
    async def _migrate(self) -> None:
        async with self.backend.read() as tx:  # one snapshot: another process may migrate
            version = await self.backend.schema_version(tx)
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.location} was written by a newer citebot (schema {version}; this "
                    f"one knows up to {SCHEMA_VERSION}); upgrade citebot or use another database"
                )
            if version == 0:
                await self._refuse_foreign_database(tx)  # before anything writes to it
        while version < SCHEMA_VERSION:
            async with self.backend.transaction(Write(durable=True)) as tx:
                # Re-read under the write lock: another process may have migrated meanwhile.
                version = await self.backend.schema_version(tx)
                if version == 0:
                    await self._refuse_foreign_database(tx)
                if version < SCHEMA_VERSION:
                    for statement in MIGRATIONS[version]:
                        await tx.execute(statement)
                    version += 1
                    await self.backend.set_schema_version(tx, version)

    async def _refuse_foreign_database(self, tx: Tx) -> None:
        tables = await self.backend.foreign_tables(tx)
        if tables:
            raise StoreError(
                f"{self.location} is a database but not citebot's (it already holds {tables} "
                "tables or indexes); citebot leaves it untouched: set CITEBOT_DATABASE_URL "
                "(or CITEBOT_DATA, --data) to another one"
            )

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
        """Empty the cache; answers that reports or feedback refer to are kept for moderators."""
        async with self._write() as tx:
            cleared = await tx.execute("DELETE FROM cache")
            await tx.execute(
                """DELETE FROM answers
                   WHERE answer_id NOT IN (SELECT answer_id FROM reports)
                     AND answer_id NOT IN (SELECT answer_id FROM feedback)"""
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
            data["answer_ref"] = _ref(source_id, paragraph, sentence)
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
                key = question_key(report.question)
                inserted = await tx.one(
                    """INSERT INTO corrections (guild_id, report_id, question, question_key,
                           source_id, paragraph, sentence, quote, corpus, moderator, created_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       RETURNING correction_id""",
                    (report.guild_id, report_id, report.question, key, *correction, moderator, now),
                )
                assert inserted is not None
                correction_id = inserted[0]
                await tx.execute(
                    """UPDATE corrections SET status = 'withdrawn', closed_by = ?, closed_at = ?,
                           closed_note = ?
                       WHERE status = 'active' AND question_key = ? AND correction_id != ?
                         AND coalesce(guild_id, '') = coalesce(?, '') AND corpus = ?""",
                    (moderator, now, f"replaced by correction #{correction_id}", key,
                     correction_id, report.guild_id, correction.corpus),
                )  # fmt: skip
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

    # -- moving between backends -------------------------------------------------------------
    @_guarded
    async def export_rows(self, write: Callable[[str, dict[str, Any]], None]) -> dict[str, int]:
        """Hand every row of every table to `write(table, row)`, parents first, from one
        consistent snapshot; returns the row count per table."""
        counts: dict[str, int] = {}
        async with self.backend.read() as tx:
            for table in TABLES:
                rows = await tx.all(f"SELECT * FROM {table}")
                for row in rows:
                    write(table, dict(row))
                counts[table] = len(rows)
        return counts

    @_guarded
    async def import_rows(
        self, rows: Iterable[tuple[str, dict[str, Any]]], *, replace: bool = False
    ) -> dict[str, int]:
        """Load exported rows into this database, all or nothing. Only into a database with no
        answers and no reports yet (an import never merges with real data), unless `replace`
        (restoring a backup), which drops what it holds in the same transaction."""
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
            for table, row in rows:
                if table not in counts:
                    raise StoreError(f"the export names an unknown table {table!r}")
                columns = list(row)
                if not all(_IDENTIFIER.fullmatch(column) for column in columns):
                    raise StoreError(f"the export names a bad column in table {table}")
                await tx.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})",
                    [row[column] for column in columns],
                )
                counts[table] += 1
            await self.backend.after_import(tx)
        return counts


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


async def check_store(target: str | Path) -> CheckResult:
    """Read-only health check of the database `target` names."""
    if is_postgres_url(target):
        from bot.store.postgres import check_postgres

        return await check_postgres(str(target))
    from bot.store.sqlite import check_database

    return await asyncio.to_thread(check_database, Path(target))


def check_database(path: Path) -> CheckResult:
    """Read-only health check of an SQLite database file (see bot.store.sqlite)."""
    from bot.store.sqlite import check_database as check

    return check(Path(path))


class BackupResult(BaseModel):
    source: str
    target: str
    bytes: int
    counts: dict[str, int]


def backup_database(path: Path, target: Path) -> BackupResult:
    """Copy an SQLite database safely while it is in use (see bot.store.sqlite)."""
    from bot.store.sqlite import backup_database as backup

    return backup(Path(path), Path(target))


def restore_database(backup: Path, path: Path) -> str | None:
    """Replace an SQLite database by a backup (see bot.store.sqlite)."""
    from bot.store.sqlite import restore_database as restore

    return restore(Path(backup), Path(path))
