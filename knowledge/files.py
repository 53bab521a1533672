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
            handle = os.fdopen(fd, "w", encoding=encoding, newline="")
        else:
            handle = os.fdopen(fd, "wb")
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
