"""What a database engine supplies to the store (the Backend protocol and its transactions),
and which engine a setting names."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from bot.store.errors import StoreError
from knowledge.errors import echoed

log = logging.getLogger(__name__)

DB_FILENAME = "citebot.sqlite3"
BUSY_TIMEOUT_S = 15.0
QUICK_TIMEOUT_S = 0.05  # a write that may be skipped (hit counts) waits no longer than this
WAIT_NOTICE_S = 2.0  # a write still waiting for the lock after this long says so

Params = Sequence[Any]
T = TypeVar("T")


def database_path(data_dir: Path) -> Path:
    return Path(data_dir) / DB_FILENAME


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def database_target(database_url: str | None, data_dir: Path) -> str | Path:
    """What `CITEBOT_DATABASE_URL` names: a PostgreSQL URL, or an SQLite file (by default the
    one in the data folder; `sqlite:///path` and a plain path both work)."""
    if not database_url or not database_url.strip():
        return database_path(data_dir)
    value = database_url.strip()
    if is_postgres_url(value):
        _check_port(value)
        return value
    if "://" in value and not value.startswith("sqlite:///"):
        raise StoreError(
            f"CITEBOT_DATABASE_URL must be postgresql://... or an SQLite file path, got a "
            f"{value.split('://', 1)[0]}:// URL"
        )
    return Path(value.removeprefix("sqlite://"))


def _check_port(url: str) -> None:
    """Refuse a port that is not one (`:99999`, `:abc`) with a clear message, before any
    driver turns it into an internal error."""
    try:
        port = urlsplit(url).port
    except ValueError:
        port = 0
    if port == 0:
        host = urlsplit(url).netloc.rpartition("@")[2]  # never the password
        raise StoreError(
            f"CITEBOT_DATABASE_URL names the port {echoed(host.rpartition(':')[2], 12)}; a port "
            "is a number from 1 to 65535 (5432 is PostgreSQL's)"
        )


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
    stores_nul: bool  # whether text may hold NUL characters (PostgreSQL's cannot)

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

    def sole_use(self) -> AbstractAsyncContextManager[None]:
        """For the block, no other process has the database open (and none can open it:
        they wait), or a StoreError at once: what a restore needs."""
        ...

    async def after_import(self, tx: Tx) -> None:
        """Bring auto-numbering past imported ids."""
        ...

    async def close(self) -> None: ...


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


async def open_backend(target: str | Path, *, busy_timeout: float = BUSY_TIMEOUT_S) -> Backend:
    """Connect to the database `target` names (see database_target), without migrating."""
    if is_postgres_url(target):
        from bot.store.postgres import PostgresBackend

        # Each backend's methods take its own transaction type, a Tx in all but name.
        return await PostgresBackend.connect(str(target), busy_timeout=busy_timeout)  # type: ignore[return-value]
    from bot.store.sqlite import SqliteBackend

    return await SqliteBackend.connect(Path(target), busy_timeout=busy_timeout)  # type: ignore[return-value]
