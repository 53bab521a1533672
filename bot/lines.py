"""Reading input a line at a time, bounded: a line is never read into memory past a limit, and
one that is too long or not UTF-8 is an error for that line alone (the rest go on)."""

from __future__ import annotations

from typing import BinaryIO, TextIO

from knowledge.errors import UserError

MAX_LINE_BYTES = 64 * 1024  # far above any question (500 characters) or reason (1,000)
_DISCARD_CHUNK = 64 * 1024


class LineError(UserError, ValueError):
    """This line cannot be used; `preview` is its start, made printable."""

    def __init__(self, message: str, preview: str) -> None:
        super().__init__(message)
        self.preview = preview


def read_line(stream: TextIO | BinaryIO, limit: int = MAX_LINE_BYTES) -> str | None:
    """The next line without its line break, None at the end of input; LineError for a line over
    `limit` bytes (the rest of it is skipped, in chunks) or one that is not valid UTF-8."""
    binary = getattr(stream, "buffer", stream)
    raw = binary.readline(limit + 1)
    if not raw:
        return None
    if isinstance(raw, str):  # a text stream (tests, StringIO): already decoded
        if len(raw) > limit and not raw.endswith("\n"):
            _discard_rest(binary)
            raise LineError(_too_long(limit), raw[:80])
        return raw.rstrip("\r\n")
    if len(raw) > limit and not raw.endswith(b"\n"):
        _discard_rest(binary)
        raise LineError(_too_long(limit), raw[:80].decode("utf-8", "replace"))
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise LineError(
            f"the line is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at position {exc.start}); "
            "save or type it as UTF-8",
            raw[:80].decode("utf-8", "replace").rstrip("\r\n"),
        ) from None


def _too_long(limit: int) -> str:
    return f"the line is longer than {limit:,} bytes; skipped"


def _discard_rest(stream: TextIO | BinaryIO) -> None:
    while True:
        chunk = stream.readline(_DISCARD_CHUNK)
        if not chunk or chunk.endswith(b"\n" if isinstance(chunk, bytes) else "\n"):  # type: ignore[arg-type]
            return
