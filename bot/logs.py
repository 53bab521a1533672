"""Where log lines go and in what form: text for people, or (CITEBOT_LOG_FORMAT=json) one JSON
object per line for a log pipeline (python-json-logger).

Every JSON line has `time` (ISO 8601, UTC), `level`, `logger`, `event` (the message), and
`shard`, `guild`, `latency` (seconds), null when the line is not about one; a traceback comes
as `exc_info`. The redactor (bot/redact.py) applies to all of it: the message, the traceback
and every field passed in `extra`.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any

from pydantic import ValidationError
from pythonjsonlogger.json import JsonFormatter

from bot import redact
from bot.settings import Settings

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
ABOUT = {"shard": None, "guild": None, "latency": None}  # the fields every JSON line carries
FIRST = ("time", "level", "logger", "event", "shard", "guild", "latency")


class RedactedJsonFormatter(JsonFormatter):
    """One JSON object per record, with secrets redacted from every string in it."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger", "message": "event"},
            defaults=ABOUT,
            json_ensure_ascii=False,
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["time"] = dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
            timespec="milliseconds"
        )
        super().add_fields(log_data, record, message_dict)

    def formatException(self, ei: Any) -> str:
        return redact.redact(str(super().formatException(ei)))

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        first = {key: log_data.pop(key) for key in FIRST if key in log_data}
        return {key: _redacted(value) for key, value in (first | log_data).items()}


def _redacted(value: object) -> object:
    if isinstance(value, str):
        return redact.redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def log_format() -> str:
    """CITEBOT_LOG_FORMAT from the environment or .env; a bad value (or any bad setting) leaves
    text, and the command then reports the setting in one line."""
    try:
        return Settings().log_format
    except ValidationError:
        return "text"


def configure(*, verbose: bool, form: str | None = None) -> None:
    """Log to stderr at INFO (verbose) or WARNING, as text or JSON, redacted."""
    handler = logging.StreamHandler(sys.stderr)
    if (form or log_format()) == "json":
        handler.setFormatter(RedactedJsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    redact.install()
