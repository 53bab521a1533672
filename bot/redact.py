"""Keep the bot token and any `Authorization` value out of every message and log line.

One helper, `redact()`, is applied to the CLI's error lines and, through `RedactingFilter`, to
every log record (message, arguments and traceback), whatever raised it: an HTTP error that
echoes the request's headers (aiohttp quotes the first 100 bytes of an over-long header), a
repr of a settings object, a library's debug line.
"""

from __future__ import annotations

import logging
import os
import re
import threading

from bot.render_text import visible

REDACTED = "[redacted]"
_MIN_SECRET = 8  # shorter values are too likely to occur by chance in ordinary text

# "Authorization: Bot abc", {'Authorization': 'Bot abc'}, authorization=abc ...
_AUTH_VALUE = re.compile(
    r"""(?P<key>authorization['"]?\s*[:=]\s*['"]?)(?:(?:bot|bearer|basic)\s+)?[^\s'",}]+""",
    re.IGNORECASE,
)
# "Bot abc..." / "Bearer abc..." with a token-like value, even when cut short.
_SCHEME_VALUE = re.compile(r"\b(?P<key>(?:Bot|Bearer)\s+)[A-Za-z0-9._~+/=-]{8,}")
# Discord bot tokens: base64 user id . timestamp . HMAC.
_DISCORD_TOKEN = re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}")

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Also redact this exact value (and any part of it of 8+ characters from its start)."""
    if value and len(value.strip()) >= _MIN_SECRET:
        with _lock:
            _secrets.add(value.strip())


def _known_secrets() -> list[str]:
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    with _lock:
        found = set(_secrets)
    if len(token) >= _MIN_SECRET:
        found.add(token)
    return sorted(found, key=len, reverse=True)


def _strip_secret(text: str, secret: str) -> str:
    """Replace the secret and every prefix of it (8+ characters) that occurs in `text`."""
    head = secret[:_MIN_SECRET]
    out: list[str] = []
    at = 0
    while (found := text.find(head, at)) >= 0:
        end = found + _MIN_SECRET
        while end < len(text) and end - found < len(secret) and text[end] == secret[end - found]:
            end += 1
        out += [text[at:found], REDACTED]
        at = end
    return "".join(out) + text[at:]


def redact(text: str) -> str:
    """`text` with the token and any authorization value replaced by [redacted]."""
    for secret in _known_secrets():
        text = _strip_secret(text, secret)
    text = _AUTH_VALUE.sub(lambda m: m["key"] + REDACTED, text)
    text = _SCHEME_VALUE.sub(lambda m: m["key"] + REDACTED, text)
    return _DISCORD_TOKEN.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """A handler filter: formats the record's message and traceback once, redacted (handlers
    reuse the cached `exc_text`), control characters in the message shown, not obeyed."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is
            message = f"{record.msg} {record.args}"
        record.msg, record.args = visible(redact(message)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of `logger` (the root logger by default)."""
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
