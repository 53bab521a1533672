"""Checks that the files of a saved index are the ones that were written, without reading them all.

At save time each file gets its size, its modification time, a CRC-32 of its whole content and a
CRC-32 of a sample (the first and last 64 KiB and a few pages in between). On load:

- the sizes and the sample are always checked: a few dozen page reads, however large the file,
  so a truncated, emptied or overwritten file is noticed at once;
- the whole-file CRC is computed only when a file's size or modification time differs from the
  recorded one (the file was written since, or copied elsewhere); when it still matches, the
  caller may record the new times so the next load is fast again.

A corruption that keeps size and modification time and misses the sample goes unnoticed: that
is the price of a load that stays in the milliseconds at a million paragraphs.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from pydantic import BaseModel

from knowledge.errors import CitebotError

_EDGE = 1 << 16  # bytes checked at each end of a file
_PAGE = 1 << 12
_PAGES = 32  # pages sampled between the two ends
_READ = 1 << 22  # block size of the full checksum


class FileStamp(BaseModel):
    size: int
    mtime_ns: int
    crc32: int
    sample_crc32: int


class Damaged(CitebotError, ValueError):
    """A saved file no longer matches what was recorded when it was written."""


def stamp(path: Path) -> FileStamp:
    info = path.stat()
    return FileStamp(
        size=info.st_size,
        mtime_ns=info.st_mtime_ns,
        crc32=_full_crc(path),
        sample_crc32=_sample_crc(path, info.st_size),
    )


def verify(folder: Path, recorded: dict[str, FileStamp]) -> dict[str, FileStamp]:
    """Raise Damaged naming the first file that does not match; return the stamps to record
    when only modification times changed (an empty dict when nothing needs recording)."""
    restamped: dict[str, FileStamp] = {}
    for name, expected in recorded.items():
        path = folder / name
        try:
            info = path.stat()
        except OSError as exc:
            raise Damaged(f"{name} is missing ({exc.strerror or exc})") from exc
        if info.st_size != expected.size:
            raise Damaged(f"{name} is {info.st_size} bytes, {expected.size} were written")
        if _sample_crc(path, info.st_size) != expected.sample_crc32:
            raise Damaged(f"{name} was changed since it was written")
        if info.st_mtime_ns != expected.mtime_ns:
            if _full_crc(path) != expected.crc32:
                raise Damaged(f"{name} was changed since it was written (checksum)")
            restamped[name] = expected.model_copy(update={"mtime_ns": info.st_mtime_ns})
    if restamped:
        return {**recorded, **restamped}
    return {}


def _full_crc(path: Path) -> int:
    crc = 0
    with path.open("rb") as handle:
        while block := handle.read(_READ):
            crc = zlib.crc32(block, crc)
    return crc


def _sample_crc(path: Path, size: int) -> int:
    """CRC of the two ends and `_PAGES` evenly spaced pages: enough to see a file replaced."""
    crc = 0
    with path.open("rb") as handle:
        fd = handle.fileno()
        if size <= 2 * _EDGE + _PAGES * _PAGE:
            return zlib.crc32(os.pread(fd, size, 0))
        crc = zlib.crc32(os.pread(fd, _EDGE, 0), crc)
        step = (size - 2 * _EDGE) // (_PAGES + 1)
        for i in range(1, _PAGES + 1):
            crc = zlib.crc32(os.pread(fd, _PAGE, _EDGE + i * step), crc)
        return zlib.crc32(os.pread(fd, _EDGE, size - _EDGE), crc)
