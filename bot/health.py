"""A running bot's health, as a small file a container health check reads (`citebot health`).

The bot rewrites the file (CITEBOT_HEALTH_FILE) when a shard becomes ready or drops, and with
every latency log line; the check passes while the file is fresh and every shard is connected.
No port to open, and `citebot health` starts without discord.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from pydantic import BaseModel, ValidationError


class ShardHealth(BaseModel):
    connected: bool
    latency_ms: float | None = None


class Health(BaseModel):
    pid: int
    updated: dt.datetime
    shards: dict[int, ShardHealth]


def write_health(path: Path, shards: dict[int, ShardHealth]) -> None:
    """Replace the file whole, so a reader never sees half of it."""
    health = Health(pid=os.getpid(), updated=dt.datetime.now(dt.UTC), shards=shards)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(health.model_dump_json(), encoding="utf-8")
    os.replace(tmp, path)


def check_health(path: Path, max_age_s: float) -> tuple[bool, str]:
    """(healthy, one line saying why)."""
    try:
        health = Health.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return False, f"{path} does not exist yet: the bot has not connected"
    except (OSError, ValueError, ValidationError) as exc:
        return False, f"cannot read {path}: {exc}"
    age = (dt.datetime.now(dt.UTC) - health.updated).total_seconds()
    if age > max_age_s:
        return False, f"{path} was last written {age:.0f} s ago: the bot is stuck or stopped"
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
