"""Why a source file could not be read."""

from __future__ import annotations

from knowledge.errors import UserError


class SourceFormatError(UserError, ValueError):
    """The file is not a readable article of its kind; the message says why, in a few words
    (a ValueError too: the loader skips a file for any ValueError)."""


_MAGIC = (
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a ZIP archive (a Word or OpenDocument file?)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)


def sniffed_kind(raw: bytes) -> str | None:
    """What the bytes really are when their first bytes say so (a PDF named .html...)."""
    head = raw[:8]
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


def check_kind(raw: bytes, expected: str | None, suffix: str) -> None:
    """A file whose bytes are of another kind than its extension says is refused by name."""
    found = sniffed_kind(raw)
    if found is not None and found != expected:
        raise SourceFormatError(f"it is {found}, not what its extension {suffix} says")
