"""Build a saved artefact once across processes: load it if present, else take a file lock,
look again (another process may have just built it), and only then build.

Several bot processes (or containers sharing a volume) start at once against one data folder;
the first builds the index while the others wait on the lock and then memory-map what it saved.
Writers save into a temporary name and rename it into place, so a reader sees the whole artefact
or none of it, never half.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from filelock import FileLock, Timeout

from knowledge.files import folder_beside

log = logging.getLogger(__name__)

T = TypeVar("T")
WAIT_S = 900.0  # a 1M-paragraph build takes about a minute; a stale lock is released by the OS


def load_or_build(
    lock_path: Path,
    load: Callable[[], T | None],
    build: Callable[[], T],
    *,
    what: str,
    force: bool = False,
) -> T:
    """`load()` (None when missing), else `build()` under the lock; `force` always builds."""
    if not force:
        found = load()
        if found is not None:
            return found
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path, timeout=WAIT_S)
        lock.acquire(timeout=0)
    except Timeout:
        log.info("waiting for another process to finish building %s", what)
        lock.acquire()
    except OSError as exc:  # a read-only data folder: nothing to share, build for ourselves
        log.warning("cannot lock %s (%s); building %s here", lock_path, exc.strerror or exc, what)
        return build()
    try:
        if not force:
            found = load()
            if found is not None:
                return found
        return build()
    finally:
        lock.release()


def lock_path(data_dir: Path, what: str, fingerprint: str) -> Path:
    """Where the build lock of `what` for a corpus fingerprint lives: a folder of its own, so
    listing or cleaning the index and timeline folders never meets a lock file."""
    return Path(data_dir) / "locks" / f"{what}-{fingerprint}.lock"


def replace_folder(write: Callable[[Path], None], folder: Path) -> None:
    """Write a folder's files into a fresh temporary sibling, then swap it into place."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder_beside(folder)
    try:
        write(tmp)
        if folder.exists():
            # Processes that memory-mapped the old files keep them until they exit.
            old = folder.with_name(f".{folder.name}.{os.getpid()}.old")
            folder.rename(old)
            tmp.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
