"""Atomic file writes: a reader sees the old file or the whole new one, never half of it."""

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: str | bytes, *, encoding: str = "utf-8") -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it over
    `path` (os.replace is atomic within one file system). The temporary file is removed on any
    failure, and the error is raised."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if isinstance(data, str):
            with os.fdopen(fd, "w", encoding=encoding, newline="") as text:
                text.write(data)
                text.flush()
                os.fsync(text.fileno())
        else:
            with os.fdopen(fd, "wb") as binary:
                binary.write(data)
                binary.flush()
                os.fsync(binary.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    return pid > 0
