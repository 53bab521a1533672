"""A running bot's health, as a small file a container health check reads (`citebot health`).

The bot rewrites the file (CITEBOT_HEALTH_FILE) when a shard becomes ready or drops, and every
`health_interval` seconds (the latency log's interval, or HEALTH_SECONDS with the log off); the
check passes while the file is fresh, written by a live process, and every shard is connected.
No port to open, and `citebot health` starts without discord.py.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

from pydantic import AwareDatetime, BaseModel, ValidationError

from knowledge.files import process_alive

HEALTH_SECONDS = 60.0  # how often the file is rewritten when the latency log is off
MAX_CLOCK_SKEW_S = 5.0  # a note this far in the future was not written by this machine's clock
MAX_NOTE_BYTES = 1 << 20  # far more than any shard count needs; a bound for /dev/zero


class ShardHealth(BaseModel):
    connected: bool
    latency_ms: float | None = None


class Health(BaseModel):
    pid: int
    updated: AwareDatetime
    shards: dict[int, ShardHealth]


def health_interval(latency_log_seconds: float) -> float:
    """How often the bot rewrites the file: with every latency log line, or HEALTH_SECONDS."""
    return latency_log_seconds or HEALTH_SECONDS


def write_health(path: Path, shards: dict[int, ShardHealth]) -> None:
    """Replace the file whole, so a reader never sees half of it."""
    health = Health(pid=os.getpid(), updated=dt.datetime.now(dt.UTC), shards=shards)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(health.model_dump_json(), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def health_file_problem(path: Path) -> str | None:
    """Why the bot could not write its health file, checked at start (None: it can)."""
    if not path.parent.is_dir():
        return f"its folder {path.parent} does not exist"
    if path.is_dir():
        return "is a folder"
    try:
        write_health(path, {})  # no shard connected yet
    except OSError as exc:
        return f"cannot be written ({exc.strerror or exc})"
    return None


def read_note(path: Path) -> bytes:
    """The file's bytes, read without blocking: a FIFO or a device is refused, not waited on."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("not a regular file")
        return file.read(MAX_NOTE_BYTES + 1)


def check_health(path: Path, max_age_s: float) -> tuple[bool, str]:
    """(healthy, one line saying why)."""
    try:
        raw = read_note(path)
        if len(raw) > MAX_NOTE_BYTES:
            raise ValueError(f"larger than {MAX_NOTE_BYTES:,} bytes")
        health = Health.model_validate_json(raw)
    except FileNotFoundError:
        return False, f"{path} does not exist yet: the bot has not connected"
    except OSError as exc:
        return False, f"cannot read {path}: {exc.strerror or exc}"
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        return False, f"cannot read {path}: {where + ': ' if where else ''}{problem['msg']}"
    except ValueError as exc:
        return False, f"cannot read {path}: {exc}"
    return _judge(path, health, max_age_s)


def _judge(path: Path, health: Health, max_age_s: float) -> tuple[bool, str]:
    age = (dt.datetime.now(dt.UTC) - health.updated).total_seconds()
    if age < -MAX_CLOCK_SKEW_S:
        return False, f"{path} says it was written {-age:.0f} s in the future: not trusted"
    if age > max_age_s:
        return False, f"{path} was last written {age:.0f} s ago: the bot is stuck or stopped"
    if not process_alive(health.pid):
        return False, f"process {health.pid} that wrote {path} is not running"
    down = sorted(shard for shard, state in health.shards.items() if not state.connected)
    if not health.shards or down:
        return False, f"shards not connected: {down or 'none started'}"
    latencies = ", ".join(
        f"shard {shard} {state.latency_ms:.0f} ms"
        if state.latency_ms is not None
        else f"shard {shard} connected"
        for shard, state in sorted(health.shards.items())
    )
    return True, f"healthy: {latencies}"
