"""Adding and removing source files in the corpus folder (the CLI, Discord, through the service).

A file is read with the same readers the library uses before it is saved, so a file that would
be skipped is refused at once with the reason; it is written atomically, so the running bot's
watcher never sees half of it. The folder stays the whole truth: a library rebuilt from it gives
the same sources.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from knowledge.corpus import SOURCE_SUFFIXES, parse_file
from knowledge.errors import UserError
from knowledge.files import write_atomically
from knowledge.models import Source
from knowledge.sources.html import saved_page_header
from knowledge.sources.naming import SourceNameError, check_source_id

MAX_SOURCE_BYTES = 20 * 1024 * 1024


class SourceFolderError(UserError):
    """The corpus folder cannot take this change; the message says why."""


def writable_folder(corpus_dir: Path | None) -> Path:
    if corpus_dir is None:
        raise SourceFolderError(
            "the bundled articles cannot be changed; set CITEBOT_CORPUS to a folder of your own"
        )
    folder = Path(corpus_dir)
    if not folder.is_dir():
        raise SourceFolderError(f"the corpus folder {folder} does not exist")
    return folder


def read_checked(name: str, raw: bytes) -> Source:
    """The source a file would give, or the reason it would be skipped."""
    if len(raw) > MAX_SOURCE_BYTES:
        raise SourceFolderError(f"{name} is over {MAX_SOURCE_BYTES // 2**20} MB")
    if not raw:
        raise SourceFolderError(f"{name} is empty")
    stem, suffix = Path(name).stem, Path(name).suffix.lower()
    try:
        return parse_file(stem, suffix, raw, [])
    except (ValueError, UnicodeDecodeError) as exc:
        reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise SourceFolderError(f"{name} cannot be read: {reason}") from exc


def fetched_page(url: str, raw: bytes, suffix: str) -> bytes:
    """A fetched page as saved: an HTML page keeps the address it came from on its first line."""
    if suffix != ".html":
        return raw
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return saved_page_header(url, now) + raw


def save_source(folder: Path, name: str, raw: bytes, *, replace: bool = False) -> Source:
    """Check and write one source file; an id already in use is refused unless `replace`."""
    source = read_checked(name, raw)
    existing = files_of(folder, source.source_id)
    if existing and not replace:
        raise SourceFolderError(
            f"a source {source.source_id!r} exists already ({existing[0].name}); remove it first"
        )
    for path in existing:
        if path.name != name:
            path.unlink()
    write_atomically(folder / name, raw)
    return source


def remove_source(folder: Path, source_id: str) -> list[Path]:
    """Delete the file(s) of a source id; an unknown id is an error naming it."""
    found = files_of(folder, check_source_id(source_id))
    if not found:
        raise SourceNameError(f"no source {source_id!r} in {folder} (see `sources list`)")
    for path in found:
        path.unlink()
    return found


def files_of(folder: Path, source_id: str) -> list[Path]:
    return [
        folder / f"{source_id}{suffix}"
        for suffix in SOURCE_SUFFIXES
        if (folder / f"{source_id}{suffix}").is_file()
    ]
