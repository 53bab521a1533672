"""Saved builds in use are marked, and old ones removed once a newer build is complete.

Every process that loads an index folder holds a shared `flock` on the folder's `.in-use` file
for as long as it serves from it. After a new build is saved, folders of other corpus
fingerprints are removed unless someone holds that lock; the timeline saved for a removed
fingerprint goes with it. A folder is first renamed aside under the exclusive lock, so a process
that opens it at the same moment sees either the whole folder or none (and then rebuilds).
Without `fcntl` (Windows) nothing is marked and nothing removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from pathlib import Path

from filelock import FileLock, Timeout

from knowledge.files import process_alive
from knowledge.search.build_once import lock_path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

IN_USE = ".in-use"
SCRATCH = ("building", "deleting", "old")  # hidden folders named .<fingerprint>.<pid>.<what>
STALE_S = 3600.0  # a hidden (in-progress) entry older than this was left by a crash


class Holder:
    """An open shared lock on a folder's `.in-use` file; released by `close()` or at exit."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()


def hold(folder: Path) -> Holder:
    """Mark `folder` as in use. Raises FileNotFoundError when it is gone or being removed."""
    path = folder / IN_USE
    if fcntl is None:
        return Holder(None)
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a cleaner is renaming it aside
        if os.fstat(fd).st_ino != os.stat(path).st_ino:
            raise FileNotFoundError(f"{folder} was removed while opening it")
    except BaseException:
        os.close(fd)
        raise
    return Holder(fd)


def remove_old_builds(data_dir: Path, keep: str) -> list[str]:
    """Remove index folders and timelines of fingerprints other than `keep` that no process
    holds; returns the fingerprints removed. Never raises for a race or a file system error."""
    index_root, timeline_root = Path(data_dir) / "index", Path(data_dir) / "timeline"
    if fcntl is None or not index_root.is_dir():
        return []
    removed, in_use = [], {keep}
    for entry in _entries(index_root):
        if entry.name == keep:
            continue
        if entry.name.startswith("."):
            if _abandoned(entry, data_dir, keep):  # left by a crashed build or cleaner
                shutil.rmtree(entry, ignore_errors=True)
            continue
        if _remove_unless_held(entry):
            removed.append(entry.name)
        else:
            in_use.add(entry.name)
    for entry in _entries(timeline_root):
        fingerprint = entry.name.removesuffix(".json")
        if entry.name.endswith(".json") and fingerprint not in in_use:
            with contextlib.suppress(OSError):
                entry.unlink()
    if removed:
        log.info("removed %d old index folder(s): %s", len(removed), ", ".join(removed))
    return removed


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _abandoned(entry: Path, data_dir: Path, keep: str) -> bool:
    """A hidden entry nobody will finish: its process is gone and no build of its fingerprint
    is under way (the caller holds `keep`'s lock), or it is older than STALE_S."""
    parts = entry.name[1:].rsplit(".", 2)  # fingerprint, pid, what
    if len(parts) != 3 or parts[2] not in SCRATCH or not parts[1].isdigit():
        return _stale(entry)
    if process_alive(int(parts[1])):
        return _stale(entry)
    fingerprint = parts[0]
    return fingerprint == keep or not _build_under_way(data_dir, fingerprint) or _stale(entry)


def _build_under_way(data_dir: Path, fingerprint: str) -> bool:
    try:
        with FileLock(lock_path(data_dir, "index", fingerprint), timeout=0):
            return False
    except Timeout:
        return True
    except OSError:
        return False  # no lock can be taken there, so no build holds one


def _stale(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > STALE_S
    except OSError:
        return False


def _remove_unless_held(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    try:
        fd = os.open(folder / IN_USE, os.O_RDONLY)
    except FileNotFoundError:
        fd = None  # written by an older citebot, which did not mark its folders
    except OSError:
        return False
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # another process serves from it
        trash = folder.with_name(f".{folder.name}.{os.getpid()}.deleting")
        try:
            folder.rename(trash)
        except OSError:
            return False  # removed or replaced by another process meanwhile
    finally:
        if fd is not None:
            os.close(fd)
    shutil.rmtree(trash, ignore_errors=True)
    return True
