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
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path

import aiosqlite

from bot.store.backend import (
    PLAIN_WRITE,
    QUICK_TIMEOUT_S,
    Params,
    Write,
    waiting_noted,
)
from bot.store.disk_full import check_snapshot, disk_full_message, no_room, snapshot_uri
from bot.store.errors import RESTORE_HELP, StoreBusyError, StoreError, busy_message
from bot.store.in_use import InUse
from bot.store.models import CheckResult
from bot.store.schema import COUNTED, MIGRATIONS, SCHEMA_VERSION, spell

log = logging.getLogger(__name__)

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
    return spell(sql, TOKENS)


def _translate(exc: BaseException, path: Path, busy_timeout: float) -> StoreError:
    message = str(exc)
    lowered = message.lower()
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in _BUSY or "database is locked" in lowered:
        return StoreBusyError(busy_message(str(path), busy_timeout, f"fuser {path}"))
    if no_room(exc, path.parent):
        return StoreError(disk_full_message(path))
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


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


async def _open_connection(path: Path, busy_timeout: float) -> aiosqlite.Connection:
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
    return db


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
    stores_nul = True

    def __init__(
        self,
        db: aiosqlite.Connection,
        path: Path,
        busy_timeout: float,
        in_use: InUse,
        *,
        read_only: str | None = None,
    ) -> None:
        self._db = db
        self._in_use = in_use
        self._read_only = read_only  # why every write is refused (a full disk), if it is
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
        in_use = await InUse.take(path, busy_timeout)  # before the file: a restore may move it
        try:
            return await cls._open(path, busy_timeout, in_use)
        except BaseException:
            in_use.close()
            raise

    @classmethod
    async def _open(cls, path: Path, busy_timeout: float, in_use: InUse) -> SqliteBackend:
        db = await _open_connection(path, busy_timeout)
        backend = cls(db, path, busy_timeout, in_use)
        try:
            await backend._setup()
        except sqlite3.Error as exc:
            await db.close()
            if no_room(exc, path.parent):
                return await cls._open_snapshot(path, busy_timeout, in_use)
            raise _translate(exc, path, busy_timeout) from exc
        except BaseException:
            await db.close()
            raise
        return backend

    @classmethod
    async def _open_snapshot(cls, path: Path, busy_timeout: float, in_use: InUse) -> SqliteBackend:
        """On a full disk: the database as its main file holds it, read-only, when that is
        all of it and no other process has it open (see bot/store/disk_full.py)."""
        full = disk_full_message(path)
        uri = snapshot_uri(path)
        if uri is None or not in_use.alone():
            raise StoreError(full)
        try:
            await asyncio.to_thread(check_snapshot, uri)
            db = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise _translate(exc, path, busy_timeout) from exc
        db.row_factory = sqlite3.Row
        log.info("the disk holding %s is full: reading it read-only, as it is", path)
        return cls(db, path, busy_timeout, in_use, read_only=full)

    def translate(self, exc: BaseException) -> StoreError:
        return _translate(exc, self.path, self.busy_timeout)

    async def close(self) -> None:
        try:
            await self._db.close()
        finally:
            self._in_use.close()

    @asynccontextmanager
    async def sole_use(self) -> AsyncIterator[None]:
        with self._in_use.sole(self.location):
            yield

    async def _setup(self) -> None:
        await self._db.execute(f"PRAGMA busy_timeout = {_ms(self.busy_timeout)}")
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
    async def transaction(self, write: Write = PLAIN_WRITE) -> AsyncIterator[_Tx]:
        """BEGIN IMMEDIATE: takes the write lock up front, waiting up to the busy timeout (or
        QUICK_TIMEOUT_S if `quick`), so every write is exclusive here, whatever its scope.

        `durable` syncs the commit to disk before returning, so a report the user was told about
        survives a power cut; cache writes skip the sync (WAL keeps them safe from crashes, and
        a lost cache entry is only recomputed).
        """
        if self._read_only is not None:
            raise StoreError(self._read_only)
        async with self._lock:
            if write.durable:
                await self._db.execute("PRAGMA synchronous = FULL")
            if write.quick:
                await self._db.execute(f"PRAGMA busy_timeout = {_ms(QUICK_TIMEOUT_S)}")
            try:
                await waiting_noted(
                    self._db.execute("BEGIN IMMEDIATE"), self.location, self.busy_timeout
                )
                try:
                    yield _Tx(self._db)
                except BaseException:
                    if self._db.in_transaction:
                        await self._db.execute("ROLLBACK")
                    raise
                await self._db.execute("COMMIT")
            finally:
                if write.durable:
                    await self._db.execute("PRAGMA synchronous = NORMAL")
                if write.quick:
                    await self._db.execute(f"PRAGMA busy_timeout = {_ms(self.busy_timeout)}")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[_Tx]:
        async with self._lock:
            await self._db.execute("BEGIN")
            try:
                yield _Tx(self._db)
            finally:
                if self._db.in_transaction:  # SQLite ends it itself after some I/O errors
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
            if 0 < version <= SCHEMA_VERSION:
                problems += schema_problems(db, version)
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


Columns = tuple[tuple[str, str, int, int], ...]  # name, declared type, not null, primary key


def _tables(db: sqlite3.Connection) -> dict[str, Columns]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        name: tuple(
            sorted(
                (column, kind.upper(), notnull, pk)
                for column, kind, notnull, pk in db.execute(
                    'SELECT name, type, "notnull", pk FROM pragma_table_info(?)', (name,)
                )
            )
        )
        for name in names
    }


@functools.lru_cache(maxsize=8)
def _schema_tables(version: int) -> dict[str, Columns]:
    """The tables and columns MIGRATIONS[:version] make."""
    with closing(sqlite3.connect(":memory:")) as db:
        for step in MIGRATIONS[:version]:
            for statement in step:
                db.execute(dialect(statement))
        return _tables(db)


def schema_problems(db: sqlite3.Connection, version: int) -> list[str]:
    """How the tables and columns of `db` differ from those of schema `version`."""
    expected, found = _schema_tables(version), _tables(db)
    problems = [
        f"table {t} is missing (schema {version} has it)" for t in expected.keys() - found.keys()
    ]
    problems += [
        f"table {t} is not in citebot's schema {version}" for t in found.keys() - expected.keys()
    ]
    for table in sorted(expected.keys() & found.keys()):
        if expected[table] != found[table]:
            want, have = ({c[0] for c in cols} for cols in (expected[table], found[table]))
            differ = [f"missing {', '.join(sorted(want - have))}"] if want - have else []
            differ += [f"unexpected {', '.join(sorted(have - want))}"] if have - want else []
            problems.append(
                f"table {table} does not have schema {version}'s columns "
                f"({'; '.join(differ) or 'their types or constraints differ'})"
            )
    return sorted(problems)


def _counts(db: sqlite3.Connection) -> dict[str, int]:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in COUNTED
        if table in tables
    }
