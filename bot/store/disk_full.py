"""A full disk under an SQLite database: reads go on, writes say the disk is full.

SQLite needs room even to read a WAL database: it sizes the shared-memory index (`-shm`, 32 KiB)
on first use, and fails with "disk I/O error" (SQLITE_IOERR_SHMSIZE) when the disk is full.
When no other process has the database open (no other process could size the index either),
and its WAL holds no commits the main file lacks, the main file alone is the whole database:
it is then read as it is, read-only (`immutable`), and every write is refused with this
module's message.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

SQLITE_FULL = 13
SQLITE_IOERR = 10
NO_ROOM_BYTES = 1 << 20  # an I/O error with less free than this is the full disk


def no_room(exc: BaseException, folder: Path) -> bool:
    """Whether an SQLite error comes from a full disk."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == SQLITE_FULL or "disk is full" in str(exc).lower():
        return True
    if primary != SQLITE_IOERR:
        return False
    try:
        return shutil.disk_usage(folder).free < NO_ROOM_BYTES
    except OSError:
        return False


def disk_full_message(path: Path) -> str:
    return (
        f"the disk holding the database {path} is full, so nothing was changed; free some "
        "space there and try again (reading still works)"
    )


def snapshot_uri(path: Path) -> str | None:
    """A read-only URI for the database as its main file holds it, or None when its WAL holds
    commits not yet copied into it (reading the main file alone would miss them)."""
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return None
    return f"{path.resolve().as_uri()}?mode=ro&immutable=1"


def check_snapshot(uri: str) -> None:
    """Raise sqlite3.Error when the snapshot cannot be read."""
    with sqlite3.connect(uri, uri=True) as db:
        db.execute("PRAGMA user_version").fetchone()
    db.close()
