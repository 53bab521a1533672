"""The SQLite backend of the store: one file per data folder, no setup.

The file is shared by the CLI and the bot, possibly from several processes at once: WAL so
readers never wait for the writer, a busy timeout so writers queue instead of failing, and every
write inside BEGIN IMMEDIATE so a read is never upgraded to a write mid-transaction (the one case
where SQLite reports "database is locked" without waiting). The schema version is PRAGMA
user_version.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path

import aiosqlite

from bot.store import (
    COUNTED,
    MIGRATIONS,
    SCHEMA_VERSION,
    CheckResult,
    Params,
    StoreBusyError,
    StoreError,
)

TOKENS = {
    "{serial_key}": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "{utc_now}": "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')",
}

# SQLite's primary result codes (https://sqlite.org/rescode.html) for the faults users can fix.
_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_CANNOT_WRITE = {3, 8, 14}  # SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


@functools.lru_cache(maxsize=512)
def dialect(sql: str) -> str:
    for token, spelling in TOKENS.items():
        sql = sql.replace(token, spelling)
    return sql


def sqlite_migrations() -> list[list[str]]:
    """The migrations as SQLite runs them (tests build old files from these)."""
    return [[dialect(statement) for statement in step] for step in MIGRATIONS]


def _translate(exc: BaseException, path: Path, busy_timeout: float) -> StoreError:
    message = str(exc)
    lowered = message.lower()
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in _BUSY or "database is locked" in lowered:
        return StoreBusyError(
            f"{path} stayed locked by another citebot process for over {busy_timeout:g} s; "
            "try again in a moment"
        )
    if primary in _CANNOT_WRITE or "readonly" in lowered or "unable to open" in lowered:
        return StoreError(
            f"cannot write the database {path} ({message}); make its folder writable, or set "
            "CITEBOT_DATA (or --data) to a folder you can write"
        )
    if primary in _DAMAGED or "not a database" in lowered or "malformed" in lowered:
        return StoreError(
            f"{path} is damaged or not a citebot database ({message}); citebot leaves it "
            "untouched: move or rename it to start a new one, or restore a backup "
            "(citebot db check shows details)"
        )
    return StoreError(f"cannot use the database {path}: {message}")


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
    sqlite3.connect(path).close()


class _Tx:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self._db.execute(dialect(sql), tuple(params))
        return cursor.rowcount

    async def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._db.execute(dialect(sql), tuple(params)) as cursor:
            return await cursor.fetchone()

    async def all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._db.execute(dialect(sql), tuple(params)) as cursor:
            return list(await cursor.fetchall())


class SqliteBackend:
    """One aiosqlite connection; calls are serialised on it (one per process is enough)."""

    errors = (sqlite3.Error,)

    def __init__(self, db: aiosqlite.Connection, path: Path, busy_timeout: float) -> None:
        self._db = db
        self.path = path
        self.location = str(path)
        self.busy_timeout = busy_timeout
        # One connection serves many coroutines: a transaction must not interleave with another.
        self._lock = asyncio.Lock()

    @classmethod
    async def connect(cls, path: Path, *, busy_timeout: float) -> SqliteBackend:
        _prepare_folder(path.parent)
        if path.exists() and not path.is_file():
            raise StoreError(f"{path} is not a file; move it aside or set CITEBOT_DATA elsewhere")
        try:
            # Probe first: aiosqlite leaves its worker thread behind when connecting fails.
            await asyncio.to_thread(_probe, path)
            db = await aiosqlite.connect(path, timeout=busy_timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise _translate(exc, path, busy_timeout) from exc
        db.row_factory = sqlite3.Row
        backend = cls(db, path, busy_timeout)
        try:
            await backend._setup()
        except sqlite3.Error as exc:
            await db.close()
            raise _translate(exc, path, busy_timeout) from exc
        except BaseException:
            await db.close()
            raise
        return backend

    def translate(self, exc: BaseException) -> StoreError:
        return _translate(exc, self.path, self.busy_timeout)

    async def close(self) -> None:
        await self._db.close()

    async def _setup(self) -> None:
        await self._db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        await self._db.execute("PRAGMA foreign_keys = ON")
        async with self.read() as tx:
            version = await self.schema_version(tx)  # reads the header: fails for a non-database
            if version > SCHEMA_VERSION or await self.foreign_tables(tx):
                return  # the store refuses it untouched: WAL would already change the file
        await self._enable_wal()
        await self._db.execute("PRAGMA synchronous = NORMAL")  # see transaction(durable=...)

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

    async def schema_version(self, tx: _Tx) -> int:
        row = await tx.one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def set_schema_version(self, tx: _Tx, version: int) -> None:
        await tx.execute(f"PRAGMA user_version = {int(version):d}")

    async def foreign_tables(self, tx: _Tx) -> int:
        if await self.schema_version(tx):
            return 0
        row = await tx.one("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        return int(row[0]) if row else 0

    async def after_import(self, tx: _Tx) -> None:
        """AUTOINCREMENT already continues after the largest id present."""

    @asynccontextmanager
    async def transaction(
        self, *, durable: bool = False, exclusive: bool = True, scope: str | None = None
    ) -> AsyncIterator[_Tx]:
        """BEGIN IMMEDIATE: takes the write lock up front, waiting up to the busy timeout, so
        every write is exclusive here, whatever its scope.

        `durable` syncs the commit to disk before returning, so a report the user was told about
        survives a power cut; cache writes skip the sync (WAL keeps them safe from crashes, and
        a lost cache entry is only recomputed).
        """
        async with self._lock:
            if durable:
                await self._db.execute("PRAGMA synchronous = FULL")
            try:
                await self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield _Tx(self._db)
                except BaseException:
                    if self._db.in_transaction:
                        await self._db.execute("ROLLBACK")
                    raise
                await self._db.execute("COMMIT")
            finally:
                if durable:
                    await self._db.execute("PRAGMA synchronous = NORMAL")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[_Tx]:
        async with self._lock:
            await self._db.execute("BEGIN")
            try:
                yield _Tx(self._db)
            finally:
                await self._db.execute("COMMIT")


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
            for table in COUNTED:
                if table in tables:
                    counts[table] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
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
