"""Who has an SQLite database open: every process with the store open holds a shared `flock`
on a file beside the database, and a restore takes it exclusively. So a restore is refused
while the bot (or any command) has the database open, instead of replacing it under a live
writer, and a process opening the database during a restore waits for it to finish.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.store.errors import StoreBusyError, StoreError

POLL_S = 0.05


def in_use_path(database: Path) -> Path:
    return database.with_name(f".{database.name}.in-use")


def in_use_message(location: str) -> str:
    return (
        f"the database {location} is open in another citebot process (a running bot, or a "
        "command still working); a restore would replace it under them and lose what they "
        "write: stop the bot (and let other commands finish), then restore again"
    )


def _open(database: Path) -> int | None:
    """The lock file, created if needed; None when its folder cannot hold it (then the
    database cannot be replaced either, so there is nothing to fence)."""
    path = in_use_path(database)
    for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
        try:
            return os.open(path, flags | os.O_CLOEXEC, 0o666)
        except OSError:
            continue
    return None


class InUse:
    """A shared hold on a database, released by close() (or when the process ends)."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd

    @classmethod
    async def take(cls, database: Path, timeout: float) -> InUse:
        """Hold `database` shared, waiting up to `timeout` while a restore replaces it."""
        fd = _open(database)
        if fd is None:
            return cls(None)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return cls(fd)
            except BlockingIOError:
                if asyncio.get_running_loop().time() > deadline:
                    os.close(fd)
                    raise StoreBusyError(
                        f"the database {database} is being restored by another citebot process "
                        f"(for over {timeout:g} s); nothing was changed: try again when the "
                        "restore has finished"
                    ) from None
                await asyncio.sleep(POLL_S)

    @contextmanager
    def sole(self, location: str) -> Iterator[None]:
        """Exclusive for the block (this process alone has the database open), or StoreError."""
        if self._fd is None:
            yield
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fcntl.flock(self._fd, fcntl.LOCK_SH)  # a failed upgrade may drop the shared hold
            raise StoreError(in_use_message(location)) from None
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_SH)

    def alone(self) -> bool:
        """Whether no other process has the database open, at this moment."""
        try:
            with self.sole(""):
                return True
        except StoreError:
            return False

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@contextmanager
def sole_use(database: Path) -> Iterator[None]:
    """For a process without the store open (`citebot db restore`): no other process has
    `database` open during the block, and none can open it; StoreError at once otherwise."""
    fd = _open(database)
    if fd is None:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(in_use_message(str(database))) from None
        yield
    finally:
        os.close(fd)
