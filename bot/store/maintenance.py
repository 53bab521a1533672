"""`citebot db check`, `backup` and `restore`, whichever backend the database is on."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from bot.store.backend import is_postgres_url
from bot.store.models import BackupResult, CheckResult


def aside_name(name: str, why: str) -> str:
    """The name a file is kept under when citebot moves it aside: NAME.WHY-<UTC time>."""
    return f"{name}.{why}-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"


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


def backup_database(path: Path, target: Path) -> BackupResult:
    """Copy an SQLite database safely while it is in use (see bot.store.sqlite_files)."""
    from bot.store.sqlite_files import backup_database as backup

    return backup(Path(path), Path(target))


def restore_database(backup: Path, path: Path) -> str | None:
    """Replace an SQLite database by a backup (see bot.store.sqlite_files)."""
    from bot.store.sqlite_files import restore_database as restore

    return restore(Path(backup), Path(path))
