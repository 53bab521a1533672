"""The SQLite store behind the answer cache and wrong-answer reports; the only module speaking SQL.

One file per data folder, shared by the CLI and the bot, possibly from several processes at once:
WAL so readers never wait for the writer, a busy timeout so writers queue instead of failing, and
every write inside BEGIN IMMEDIATE so a read is never upgraded to a write mid-transaction (the
one case where SQLite reports "database is locked" without waiting). The schema grows by numbered,
forward-only migrations recorded in PRAGMA user_version. A file citebot cannot use is reported,
never repaired, replaced or deleted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any, Literal, NamedTuple, ParamSpec, TypeVar

import aiosqlite
from pydantic import BaseModel, computed_field

from knowledge.analysis import fold

log = logging.getLogger(__name__)

DB_FILENAME = "citebot.sqlite3"
BUSY_TIMEOUT_S = 15.0
MAX_REASON_CHARS = 1000  # one report's reason, also after repeats are merged into it
MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer key
Category = Literal["wrong", "outdated", "missing-source", "other"]
Status = Literal["open", "resolved", "rejected"]
CorrectionStatus = Literal["active", "withdrawn", "retired"]
CATEGORIES: tuple[str, ...] = ("wrong", "outdated", "missing-source", "other")
STATUSES: tuple[str, ...] = ("open", "resolved", "rejected")
CORRECTION_STATUSES: tuple[str, ...] = ("active", "withdrawn", "retired")
_ID_CHARS = 10

# Forward only: never edit a released step, append a new one. Step N takes user_version N-1 to N.
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
            report_id INTEGER PRIMARY KEY AUTOINCREMENT,
            answer_id TEXT NOT NULL REFERENCES answers (answer_id),
            question TEXT NOT NULL,
            answer_text TEXT NOT NULL,
            reporter_key TEXT NOT NULL,
            reporter_id TEXT,
            reporter_name TEXT NOT NULL,
            guild_id TEXT,
            channel_id TEXT,
            category TEXT NOT NULL
                CHECK (category IN ('wrong', 'outdated', 'missing-source', 'other')),
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'resolved', 'rejected')),
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
            VALUES ('counting_since', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'))""",
    ),
    # 4: moderators' corrections (the passage that answers a question, per guild) and
    # "This answered me" clicks on the closest passages of a low-confidence answer.
    (
        """CREATE TABLE corrections (
            correction_id INTEGER PRIMARY KEY AUTOINCREMENT,
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
                CHECK (status IN ('active', 'withdrawn', 'retired')),
            closed_by TEXT,
            closed_at TEXT,
            closed_note TEXT
        )""",
        "CREATE INDEX corrections_by_guild ON corrections (status, guild_id, corpus)",
        """CREATE TABLE feedback (
            feedback_id INTEGER PRIMARY KEY AUTOINCREMENT,
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


RESTORE_HELP = (
    "Restore your latest backup with `citebot db restore FILE` (made by `citebot db backup "
    "FILE`; it moves the damaged file aside), or move or rename it yourself to start an empty "
    "database"
)
HIT_FLUSH_S = 60.0  # cache hits are counted in memory and written at most this often
_QUICK_TIMEOUT_MS = 50  # a write that may be skipped (hit counts) waits no longer than this
WAIT_NOTICE_S = 2.0  # a write still waiting for the lock after this long says so


class StoreError(Exception):
    """The database cannot be used as it is; the message names the file and what to do."""


class StoreBusyError(StoreError):
    """Another process held the database for longer than the busy timeout."""


class RecordNotFound(LookupError):
    """No answer or report with that id (in that guild)."""


class ReportClosed(Exception):
    """The report was already resolved or rejected."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"report {report.report_id} is already {report.status}")
        self.report = report


class CorrectionClosed(Exception):
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

    @computed_field
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

    @computed_field
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


# SQLite's primary result codes (https://sqlite.org/rescode.html) for the faults users can fix.
_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_CANNOT_WRITE = {3, 8, 14}  # SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


def _translate(exc: sqlite3.Error, path: Path, busy_timeout: float) -> StoreError:
    message = str(exc)
    lowered = message.lower()
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in _BUSY or "database is locked" in lowered:
        return StoreBusyError(
            f"the database {path} is busy: it stayed locked by another citebot process for "
            f"over {busy_timeout:g} s, and nothing was changed; try again in a moment (if it "
            f"stays busy, look for the process holding it: fuser {path})"
        )
    if primary in _CANNOT_WRITE or "readonly" in lowered or "unable to open" in lowered:
        return StoreError(
            f"cannot write the database {path} ({message}); make its folder writable, or set "
            "CITEBOT_DATA (or --data) to a folder you can write"
        )
    if primary in _DAMAGED or "not a database" in lowered or "malformed" in lowered:
        return StoreError(
            f"{path} is damaged or not a citebot database ({message}); citebot leaves it "
            f"untouched. {RESTORE_HELP} (citebot db check shows details)"
        )
    return StoreError(f"cannot use the database {path}: {message}")


Params = tuple[Any, ...] | dict[str, Any]
P = ParamSpec("P")
T = TypeVar("T")


def _guarded(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run a store operation to completion and turn SQLite's exceptions into a StoreError that
    names the file and the fix.

    The operation is shielded from cancellation (a Discord interaction timing out, say): a
    statement already queued on the connection's thread runs anyway, so stopping half-way
    would leave a transaction open on the shared connection.
    """

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        store: Store = args[0]  # type: ignore[assignment]

        async def operation() -> T:
            try:
                return await method(*args, **kwargs)
            except sqlite3.Error as exc:
                raise _translate(exc, store.path, store.busy_timeout) from exc

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


def _prepare_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the data folder {folder} ({exc.strerror or exc}); set CITEBOT_DATA "
            "(or --data) to a folder you can write"
        ) from exc
    if not folder.is_dir():
        raise StoreError(f"the data folder {folder} is not a folder; set CITEBOT_DATA (or --data)")


def _probe(path: Path) -> None:
    sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True).close()


def _create(path: Path) -> None:
    """Make a new, empty database file in one step: it appears with its SQLite header, so a
    zero-byte file is never one citebot is making (it was truncated, and is refused)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    try:
        with closing(sqlite3.connect(tmp)) as db:
            db.execute("PRAGMA journal_mode = WAL")  # writes the header
        try:
            os.link(tmp, path)  # fails if another process made it first: theirs is kept
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def empty_database_message(path: Path) -> str:
    return (
        f"{path} is empty (0 bytes): the database was truncated or lost, and citebot will not "
        f"start over on top of it. {RESTORE_HELP}"
    )


class Store:
    """An open database; one per process is enough (calls are serialised on one connection)."""

    def __init__(self, db: aiosqlite.Connection, path: Path, busy_timeout: float) -> None:
        self._db = db
        self.path = path
        self.busy_timeout = busy_timeout
        # One connection serves many coroutines: a transaction must not interleave with another.
        self._lock = asyncio.Lock()
        # Cache hits and misses counted since they were last written (see lookup).
        self._hits: Counter[str] = Counter()
        self._misses = 0
        self._flushed_at = time.monotonic()

    @classmethod
    async def open(cls, path: Path, *, busy_timeout: float = BUSY_TIMEOUT_S) -> Store:
        """Open (creating if needed) and migrate the database at `path`."""
        path = Path(path)
        _prepare_folder(path.parent)
        if path.exists() and not path.is_file():
            raise StoreError(f"{path} is not a file; move it aside or set CITEBOT_DATA elsewhere")
        try:
            if not path.exists():
                await asyncio.to_thread(_create, path)
            if path.stat().st_size == 0:
                raise StoreError(empty_database_message(path))
            # Probe first: aiosqlite leaves its worker thread behind when connecting fails.
            await asyncio.to_thread(_probe, path)
            db = await aiosqlite.connect(path, timeout=busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise _translate(exc, path, busy_timeout) from exc
        except OSError as exc:
            raise StoreError(f"cannot create the database {path} ({exc.strerror or exc})") from exc
        db.row_factory = sqlite3.Row
        store = cls(db, path, busy_timeout)
        try:
            await store._setup()
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        try:
            await self._flush_counts_quickly()
        finally:
            await self._db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- setup and migrations ---------------------------------------------------------------
    @_guarded
    async def _setup(self) -> None:
        await self._db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        await self._db.execute("PRAGMA foreign_keys = ON")
        # One snapshot for both reads: another process may migrate the file in between.
        async with self._read():
            version = await self._user_version()  # reads the header: fails for a non-database
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer citebot (schema {version}; this one "
                    f"knows up to {SCHEMA_VERSION}); upgrade citebot or set CITEBOT_DATA to "
                    "another folder"
                )
            if version == 0:
                await self._refuse_foreign_database()  # before anything writes to the file
        await self._enable_wal()
        await self._db.execute("PRAGMA synchronous = NORMAL")  # see _transaction(durable=...)
        while version < SCHEMA_VERSION:
            async with self._transaction(durable=True) as db:
                # Re-read under the write lock: another process may have migrated meanwhile.
                version = await self._user_version()
                if version == 0:
                    await self._refuse_foreign_database()
                if version < SCHEMA_VERSION:
                    for statement in MIGRATIONS[version]:
                        await db.execute(statement)
                    version += 1
                    await db.execute(f"PRAGMA user_version = {version:d}")

    async def _enable_wal(self) -> None:
        """Switch to WAL, retrying while another process opens the file at the same moment.

        SQLite answers "database is locked" to a journal-mode change at once, without waiting
        on the busy timeout, when another connection is setting up the same file.
        """
        deadline = asyncio.get_running_loop().time() + self.busy_timeout
        while True:
            try:
                await self._db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.02)

    async def _user_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _refuse_foreign_database(self) -> None:
        async with self._db.execute(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ) as cursor:
            (objects,) = await cursor.fetchone() or (0,)
        if objects:
            raise StoreError(
                f"{self.path} is an SQLite database but not citebot's (it already holds "
                f"{objects} tables or indexes); citebot leaves it untouched: set CITEBOT_DATA "
                "(or --data) to another folder"
            )

    @asynccontextmanager
    async def _transaction(self, *, durable: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: takes the write lock up front, waiting up to the busy timeout.

        `durable` syncs the commit to disk before returning, so a report the user was told about
        survives a power cut; cache writes skip the sync (WAL keeps them safe from crashes, and
        a lost cache entry is only recomputed).
        """
        async with self._lock:
            if durable:
                await self._db.execute("PRAGMA synchronous = FULL")
            try:
                await self._begin_immediate()
                try:
                    await self._write_counts()
                    yield self._db
                except BaseException:
                    if self._db.in_transaction:
                        await self._db.execute("ROLLBACK")
                    raise
                await self._db.execute("COMMIT")
            finally:
                if durable:
                    await self._db.execute("PRAGMA synchronous = NORMAL")

    async def _begin_immediate(self) -> None:
        """BEGIN IMMEDIATE, saying so in the log when another process makes us wait."""
        begin = asyncio.ensure_future(self._db.execute("BEGIN IMMEDIATE"))
        done, _ = await asyncio.wait({begin}, timeout=WAIT_NOTICE_S)
        if not done:
            log.warning(
                "waiting for the database %s: another process is writing to it (up to %g s)",
                self.path,
                self.busy_timeout,
            )
        await begin

    async def _write_counts(self) -> None:
        """Inside a write transaction: add the hits and misses counted since the last one."""
        hits, misses = self._hits, self._misses
        self._hits, self._misses, self._flushed_at = Counter(), 0, time.monotonic()
        if hits:
            await self._db.executemany(
                "UPDATE cache SET hits = hits + ? WHERE answer_id = ?",
                [(n, answer_id) for answer_id, n in hits.items()],
            )
        for name, n in (("hits", hits.total()), ("misses", misses)):
            if n:
                await self._db.execute(
                    """INSERT INTO counters (name, value) VALUES (?, ?)
                       ON CONFLICT (name) DO UPDATE SET value = value + excluded.value""",
                    (name, n),
                )

    async def _flush_counts_quickly(self) -> None:
        """Write the pending counts unless another process holds the write lock: a statistic
        is not worth waiting for (it is dropped then, with a note in the log)."""
        if not self._hits and not self._misses:
            return
        async with self._lock:
            try:
                await self._db.execute(f"PRAGMA busy_timeout = {_QUICK_TIMEOUT_MS}")
                await self._db.execute("BEGIN IMMEDIATE")
                await self._write_counts()
                await self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                log.info("cache hit counts not recorded (%s)", exc)
                self._hits, self._misses = Counter(), 0
                if self._db.in_transaction:
                    await self._db.execute("ROLLBACK")
            finally:
                await self._db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read transaction: one consistent snapshot, never interleaved with our own writes."""
        async with self._lock:
            await self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                await self._db.execute("COMMIT")

    async def _one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    # -- answer cache -----------------------------------------------------------------------
    @_guarded
    async def lookup(self, key: CacheKey) -> StoredAnswer | None:
        """The cached answer for `key`, unless it has an open report.

        A read only, so a hit never waits for another process's write; the hit or miss is
        counted in memory and written with the next write, at most a minute later, or on
        close (skipped when the database is busy then).
        """
        async with self._read():
            row = await self._one(
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
            await self._flush_counts_quickly()
        return StoredAnswer(*row) if row is not None else None

    @_guarded
    async def save(self, key: CacheKey, question: str, answer_json: str) -> str:
        """Store a freshly computed answer and cache it; returns its stable answer_id.

        The id is derived from the key, so the same question over the same corpus and answerer
        keeps its id across recomputation, processes and restarts.
        """
        now = _now()
        async with self._transaction() as db:
            row = await self._one(
                """SELECT answer_id FROM answers
                   WHERE question_key = ? AND fingerprint = ? AND answerer_version = ?""",
                tuple(key),
            )
            if row is not None:
                answer_id = row[0]
                await db.execute(
                    "UPDATE answers SET answer_json = ? WHERE answer_id = ?",
                    (answer_json, answer_id),
                )
            else:
                salt = 0
                while await self._one(
                    "SELECT 1 FROM answers WHERE answer_id = ?", (_answer_id(key, salt),)
                ):
                    salt += 1  # a different key already has this short id
                answer_id = _answer_id(key, salt)
                await db.execute(
                    """INSERT INTO answers (answer_id, question_key, fingerprint,
                           answerer_version, question, answer_json, created_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?)""",
                    (answer_id, *key, question, answer_json, now),
                )
            await db.execute(
                "INSERT OR IGNORE INTO cache (answer_id, cached_at) VALUES (?, ?)",
                (answer_id, now),
            )
        return answer_id

    @_guarded
    async def answer(self, answer_id: str) -> StoredAnswer | None:
        async with self._read():
            row = await self._one(
                "SELECT answer_id, question, answer_json FROM answers WHERE answer_id = ?",
                (answer_id,),
            )
        return StoredAnswer(*row) if row is not None else None

    @_guarded
    async def cache_stats(self) -> CacheStats:
        async with self._read():
            entries, answers, open_reports = await self._one(
                """SELECT (SELECT count(*) FROM cache), (SELECT count(*) FROM answers),
                          (SELECT count(*) FROM reports WHERE status = 'open')"""
            ) or (0, 0, 0)
            counters = dict(await self._all("SELECT name, value FROM counters"))
            since = await self._one("SELECT value FROM meta WHERE key = 'counting_since'")
        return CacheStats(
            path=str(self.path),
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
        async with self._transaction() as db:
            cursor = await db.execute("DELETE FROM cache")
            cleared = cursor.rowcount
            await db.execute(
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
        async with self._transaction(durable=True) as db:
            if await self._one("SELECT 1 FROM answers WHERE answer_id = ?", (answer_id,)) is None:
                raise RecordNotFound(answer_id)
            existing = await self._one(
                """SELECT report_id, reason FROM reports
                   WHERE answer_id = ? AND reporter_key = ? AND coalesce(guild_id, '') = ?
                     AND status = 'open'""",
                (answer_id, reporter_key, guild_id or ""),
            )
            if existing is not None:
                report_id = existing[0]
                await db.execute(
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
                cursor = await db.execute(
                    """INSERT INTO reports (answer_id, question, answer_text, reporter_key,
                           reporter_id, reporter_name, guild_id, channel_id, category, reason,
                           created_at, updated_at, status)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')""",
                    (
                        answer_id,
                        question,
                        answer_text,
                        reporter_key,
                        reporter_id,
                        reporter_name,
                        guild_id,
                        channel_id,
                        category,
                        reason,
                        now,
                        now,
                    ),
                )
                report_id = cursor.lastrowid
            report = await self._report(report_id)
        assert report is not None
        return report

    _REPORTS = """SELECT r.report_id, r.answer_id, r.question, r.answer_text, r.reporter_id,
        r.reporter_name, r.guild_id, r.channel_id, r.category, r.reason, r.created_at,
        r.updated_at, r.status, r.moderator, r.resolution_note, r.resolved_at,
        c.correction_id, c.source_id, c.paragraph, c.sentence, c.status AS correction_status
        FROM reports r LEFT JOIN corrections c ON c.report_id = r.report_id"""

    @staticmethod
    def _to_report(row: sqlite3.Row) -> Report:
        data = dict(row)
        source_id, paragraph, sentence = (
            data.pop(k) for k in ("source_id", "paragraph", "sentence")
        )
        if source_id is not None:
            data["answer_ref"] = _ref(source_id, paragraph, sentence)
        return Report.model_validate(data)

    async def _report(self, report_id: int) -> Report | None:
        row = await self._one(f"{self._REPORTS} WHERE r.report_id = ?", (report_id,))
        return self._to_report(row) if row is not None else None

    @_guarded
    async def report(self, report_id: int) -> Report | None:
        async with self._read():
            return await self._report(report_id)

    @_guarded
    async def reports(self, status: str | None = None, guild_id: str | None = None) -> list[Report]:
        """Reports oldest first; `None` means any status or any guild."""
        async with self._read():
            rows = await self._all(
                f"""{self._REPORTS}
                    WHERE (:status IS NULL OR r.status = :status)
                      AND (:guild IS NULL OR r.guild_id = :guild)
                    ORDER BY r.created_at, r.report_id""",
                {"status": status, "guild": guild_id},
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
        async with self._transaction(durable=True) as db:
            report = await self._report(report_id)
            if report is None or (guild_id is not None and report.guild_id != guild_id):
                raise RecordNotFound(str(report_id))
            if report.status != "open":
                raise ReportClosed(report)
            now = _now()
            await db.execute(
                """UPDATE reports SET status = ?, moderator = ?, resolution_note = ?,
                       resolved_at = ?
                   WHERE report_id = ?""",
                (status, moderator, note, now, report_id),
            )
            if correction is not None:
                key = question_key(report.question)
                cursor = await db.execute(
                    """INSERT INTO corrections (guild_id, report_id, question, question_key,
                           source_id, paragraph, sentence, quote, corpus, moderator, created_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (report.guild_id, report_id, report.question, key, *correction, moderator, now),
                )
                await db.execute(
                    """UPDATE corrections SET status = 'withdrawn', closed_by = ?, closed_at = ?,
                           closed_note = ?
                       WHERE status = 'active' AND question_key = ? AND correction_id != ?
                         AND coalesce(guild_id, '') = coalesce(?, '') AND corpus = ?""",
                    (moderator, now, f"replaced by correction #{cursor.lastrowid}", key,
                     cursor.lastrowid, report.guild_id, correction.corpus),
                )  # fmt: skip
            report = await self._report(report_id)
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
        async with self._read():
            rows = await self._all(
                f"""{self._CORRECTIONS}
                    WHERE (:status IS NULL OR status = :status)
                      AND (:guild IS NULL OR guild_id = :guild)
                    ORDER BY created_at, correction_id""",
                {"status": status, "guild": guild_id},
            )
        return [Correction.model_validate(dict(row)) for row in rows]

    @_guarded
    async def active_corrections(self, guild_id: str | None, corpus: str) -> list[Correction]:
        """The corrections that apply to questions asked in `guild_id` (None: the command
        line's own) over `corpus`, newest first."""
        async with self._read():
            rows = await self._all(
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
        async with self._transaction(durable=True) as db:
            row = await self._one(f"{self._CORRECTIONS} WHERE correction_id = ?", (correction_id,))
            if row is None or (guild_id is not None and row["guild_id"] != guild_id):
                raise RecordNotFound(str(correction_id))
            if row["status"] != "active":
                raise CorrectionClosed(Correction.model_validate(dict(row)))
            await db.execute(
                """UPDATE corrections SET status = ?, closed_by = ?, closed_at = ?, closed_note = ?
                   WHERE correction_id = ?""",
                (status, by, _now(), note, correction_id),
            )
            row = await self._one(f"{self._CORRECTIONS} WHERE correction_id = ?", (correction_id,))
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
        async with self._transaction(durable=True) as db:
            if await self._one("SELECT 1 FROM answers WHERE answer_id = ?", (answer_id,)) is None:
                raise RecordNotFound(answer_id)
            cursor = await db.execute(
                """INSERT OR IGNORE INTO feedback (answer_id, question, source_id, paragraph,
                       quote, user_key, user_id, user_name, guild_id, channel_id, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (answer_id, question, source_id, paragraph, quote, user_key, user_id,
                 user_name, guild_id, channel_id, _now()),
            )  # fmt: skip
            row = await self._one(
                f"""{self._FEEDBACK} WHERE answer_id = ? AND source_id = ? AND paragraph = ?
                      AND user_key = ? AND coalesce(guild_id, '') = coalesce(?, '')""",
                (answer_id, source_id, paragraph, user_key, guild_id),
            )
        assert row is not None
        return Feedback.model_validate(dict(row)), cursor.rowcount > 0

    _FEEDBACK = """SELECT feedback_id, answer_id, question, source_id, paragraph, quote, user_id,
        user_name, guild_id, channel_id, created_at FROM feedback"""

    @_guarded
    async def feedback(self, guild_id: str | None = None) -> list[Feedback]:
        """Clicks oldest first; `None` means any guild."""
        async with self._read():
            rows = await self._all(
                f"""{self._FEEDBACK} WHERE (:guild IS NULL OR guild_id = :guild)
                    ORDER BY created_at, feedback_id""",
                {"guild": guild_id},
            )
        return [Feedback.model_validate(dict(row)) for row in rows]


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """Read without writing anything; in a folder we cannot write (no room for WAL's shared
    memory file), read the file as immutable instead."""
    uri = path.resolve().as_uri()
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True)
    try:
        db.execute("PRAGMA user_version").fetchone()
    except sqlite3.OperationalError:
        db.close()
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True)
    return db


def check_database(path: Path) -> CheckResult:
    """Read-only health check of a database file: header, schema version, integrity, references."""
    path = Path(path)
    if not path.exists():
        return CheckResult(path=str(path), exists=False, ok=True)
    if not path.is_file():
        return CheckResult(path=str(path), exists=True, ok=False, problems=["not a file"])
    if path.stat().st_size == 0:
        problem = "the file is empty (0 bytes): it was truncated or lost; restore a backup"
        return CheckResult(path=str(path), exists=True, ok=False, problems=[problem])
    problems: list[str] = []
    counts: dict[str, int] = {}
    version: int | None = None
    try:
        with closing(_connect_read_only(path)) as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                problems.append(f"schema {version} is newer than this citebot ({SCHEMA_VERSION})")
            tables = {
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if version == 0 and tables:
                problems.append("an SQLite database, but not citebot's")
            problems += [row[0] for row in db.execute("PRAGMA integrity_check") if row[0] != "ok"]
            problems += [
                f"{table} row {rowid} refers to a missing {parent}"
                for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check")
            ]
            counts = _counts(db)
    except sqlite3.Error as exc:
        problems.append(str(exc))
    return CheckResult(
        path=str(path),
        exists=True,
        ok=not problems,
        schema_version=version,
        problems=problems,
        counts=counts,
    )


class BackupResult(BaseModel):
    source: str
    target: str
    bytes: int
    counts: dict[str, int]


def backup_database(path: Path, target: Path) -> BackupResult:
    """Copy the database with SQLite's online backup API: consistent while other processes
    read and write it. The copy is checked, then moved into place (a reader of `target` sees
    the old backup or the whole new one)."""
    path, target = Path(path), Path(target)
    _require_usable(path)
    if target.exists() and target.resolve() == path.resolve():
        raise StoreError(f"{target} is the database itself; back up to another file")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with closing(_connect_read_only(path)) as source, closing(sqlite3.connect(tmp)) as copy:
            source.backup(copy)
            _check_copy(copy, tmp)
            counts = _counts(copy)
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise _translate(exc, path, BUSY_TIMEOUT_S) from exc
    except OSError as exc:
        raise StoreError(f"cannot write the backup {target} ({exc.strerror or exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(
        source=str(path), target=str(target), bytes=target.stat().st_size, counts=counts
    )


def restore_database(backup: Path, path: Path) -> str | None:
    """Replace the database at `path` by a backup made with `backup_database`.

    A healthy database is overwritten in place with the backup API (other connections see the
    restored content). A damaged or empty one is first renamed aside, never deleted; returns
    where it went (None when nothing was moved).
    """
    backup, path = Path(backup), Path(path)
    _require_usable(backup)
    result = check_database(backup)
    if not result.ok or result.schema_version is None or not result.counts:
        raise StoreError(f"{backup} is not a usable citebot backup: {'; '.join(result.problems)}")
    moved = None
    if path.exists() and not check_database(path).ok:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        moved_path = path.with_name(f"{path.name}.damaged-{stamp}")
        for suffix in ("", "-wal", "-shm"):  # a stale WAL must never be replayed on the backup
            side = Path(f"{path}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{moved_path}{suffix}"))
        moved = str(moved_path)
    try:
        if not path.exists():
            _prepare_folder(path.parent)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.restore")
            try:
                _copy_database(backup, tmp)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        else:
            _copy_database(backup, path)
    except sqlite3.Error as exc:
        raise _translate(exc, path, BUSY_TIMEOUT_S) from exc
    return moved


def _copy_database(source_path: Path, target_path: Path) -> None:
    with (
        closing(_connect_read_only(source_path)) as source,
        closing(sqlite3.connect(target_path, timeout=BUSY_TIMEOUT_S)) as target,
    ):
        source.backup(target)
        _check_copy(target, target_path)


def _require_usable(path: Path) -> None:
    if not path.is_file():
        raise StoreError(f"no database at {path}")
    if path.stat().st_size == 0:
        raise StoreError(empty_database_message(path))


def _check_copy(db: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in db.execute("PRAGMA quick_check") if row[0] != "ok"]
    if problems:
        raise StoreError(f"the copy {path} does not check out: {'; '.join(problems[:3])}")


def _counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("answers", "cache", "reports", "corrections", "feedback")
        if table in tables
    }
