"""The file name a new source is saved under in the corpus folder: its id and its kind."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from knowledge.errors import UserError

ADDABLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
MAX_ID_CHARS = 80
_NOT_ID = re.compile(r"[^a-z0-9]+")


class SourceNameError(UserError):
    """A name that cannot be a source's file name, or an unknown source id."""


def slug(text: str) -> str:
    """Lowercase ASCII words joined by hyphens: a file name safe on every system."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_ID.sub("-", ascii_text.lower()).strip("-")[:MAX_ID_CHARS].strip("-")


def file_name_for_upload(name: str) -> str:
    """A safe file name for an uploaded or copied file, keeping its (readable) extension."""
    stem, dot, suffix = name.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in ADDABLE_SUFFIXES:
        kinds = ", ".join(ADDABLE_SUFFIXES)
        raise SourceNameError(f"{name!r} is not a kind of file citebot reads ({kinds})")
    base = slug(stem)
    if not base:
        raise SourceNameError(f"{name!r} has no usable name; rename it with letters or digits")
    return base + suffix


def file_name_for_url(url: str, suffix: str) -> str:
    """A file name from a page's address: its host and path ("example-org-news-tower.html")."""
    parts = urlsplit(url)
    host = (parts.hostname or "page").removeprefix("www.")
    path = parts.path.rsplit(".", 1)[0] if "." in parts.path.rsplit("/", 1)[-1] else parts.path
    return (slug(f"{host} {path} {parts.query}") or "page") + suffix


def check_source_id(source_id: str) -> str:
    """An id as `citebot sources` lists it (a file name without its extension)."""
    if not source_id or "/" in source_id or "\\" in source_id or source_id.startswith("."):
        raise SourceNameError(f"{source_id!r} is not a source id (see `sources list`)")
    return source_id
