"""Backing up and restoring an SQLite database file (`citebot db backup` and `db restore`).

A backup is made with SQLite's online backup API, so it is consistent while other processes
read and write; it is checked, then renamed over the destination the user named (a symlink's
target; a pipe or device is written into, never replaced). A restore checks the backup against
the schema it states and keeps what it replaces (see restore_database).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from bot.store.backend import BUSY_TIMEOUT_S
from bot.store.disk_full import no_room
from bot.store.errors import StoreError
from bot.store.in_use import sole_use
from bot.store.maintenance import aside_name
from bot.store.models import BackupResult
from bot.store.sqlite import (
    _connect_read_only,
    _counts,
    _prepare_folder,
    _translate,
    check_database,
    empty_database_message,
)
from knowledge.files import create_beside, destination

_CANNOT_WRITE = {3, 8, 14}  # SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN


def backup_database(path: Path, target: Path) -> BackupResult:
    """Copy the database at `path` to `target`; errors name the one at fault."""
    _require_usable(path)
    try:
        how, real = destination(target)
    except OSError as exc:
        raise StoreError(f"cannot write the backup {target}: {exc}") from exc
    if how == "file" and real.exists() and real.resolve() == path.resolve():
        raise StoreError(f"{target} is the database itself; back up to another file")
    beside = real if how == "file" else Path(tempfile.gettempdir()) / "citebot-backup"
    try:
        fd, tmp = create_beside(beside)
        os.close(fd)
    except OSError as exc:
        raise StoreError(_cannot_write(target, exc)) from exc
    try:
        counts = _copy_database(path, tmp, target)
        if how == "file":
            os.replace(tmp, real)
        else:
            with open(tmp, "rb") as copy, open(target, "wb") as out:
                shutil.copyfileobj(copy, out)
        size = tmp.stat().st_size if how == "stream" else real.stat().st_size
    except OSError as exc:
        raise StoreError(_cannot_write(target, exc)) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return BackupResult(source=str(path), target=str(target), bytes=size, counts=counts)


def _cannot_write(target: Path, exc: OSError | sqlite3.Error, what: str = "backup") -> str:
    why = getattr(exc, "strerror", None) or str(exc)
    if isinstance(exc, OSError) and not Path(target).parent.is_dir():
        why = f"folder {Path(target).parent} does not exist"
    return f"cannot write the {what} {target} ({why})"


def restore_database(backup: Path, path: Path) -> str | None:
    """Replace the database at `path` by a backup made with `backup_database`, refused while
    another process has it open (see bot/store/in_use.py).

    The backup is checked first: integrity, and its tables and columns against the schema
    version it states. It is copied beside the database, then the database it replaces (with
    its -wal and -shm files) is moved aside, never deleted, and the copy takes its name.
    Returns where the replaced database went (None when there was none).
    """
    _require_usable(backup)
    result = check_database(backup)
    if not result.ok or not result.schema_version:
        why = "; ".join(result.problems[:3]) or "no schema version: not a citebot database"
        raise StoreError(f"{backup} is not a usable citebot backup ({why}); nothing was changed")
    _prepare_folder(path.parent)
    with sole_use(path):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.restore")
        try:
            _copy_database(backup, tmp, path, "database")
            moved = _move_aside(path)
            os.replace(tmp, path)
        except OSError as exc:
            raise StoreError(f"cannot restore {path} ({exc.strerror or exc})") from exc
        finally:
            tmp.unlink(missing_ok=True)
    return moved


def _move_aside(path: Path) -> str | None:
    """Rename the database, with its -wal and -shm files (a WAL must never be replayed on
    another database), to NAME.replaced-<UTC time>, or .damaged-<UTC time> if it is."""
    if not path.exists():
        return None
    aside = path.with_name(
        aside_name(path.name, "replaced" if check_database(path).ok else "damaged")
    )
    for suffix in ("", "-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{aside}{suffix}"))
    return str(aside)


def _copy_database(
    source_path: Path, copy_path: Path, named: Path, what: str = "backup"
) -> dict[str, int]:
    """Copy with the backup API into `copy_path`, check the copy and count its rows. An error
    writing the copy names the `what` it is made for, `named`; others name the source."""
    try:
        with (
            closing(_connect_read_only(source_path)) as source,
            closing(sqlite3.connect(copy_path, timeout=BUSY_TIMEOUT_S)) as copy,
        ):
            source.backup(copy)
            _check_copy(copy, named)
            return _counts(copy)
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        if no_room(exc, copy_path.parent) or (
            isinstance(code, int) and code & 0xFF in _CANNOT_WRITE
        ):
            raise StoreError(_cannot_write(named, exc)) from exc
        raise _translate(exc, source_path, BUSY_TIMEOUT_S) from exc


def _require_usable(path: Path) -> None:
    if not path.is_file():
        raise StoreError(f"no database at {path}")
    if path.stat().st_size == 0:
        raise StoreError(empty_database_message(path))


def _check_copy(db: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in db.execute("PRAGMA quick_check") if row[0] != "ok"]
    if problems:
        raise StoreError(f"the copy {path} does not check out: {'; '.join(problems[:3])}")
