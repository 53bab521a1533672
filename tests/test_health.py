"""`citebot health`: what a container health check sees of a running bot."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from bot.cli import main
from bot.health import ShardHealth, check_health, write_health


def test_fresh_and_connected_is_healthy(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    write_health(path, {0: ShardHealth(connected=True, latency_ms=41.5), 1: ShardHealth(
        connected=True)})  # fmt: skip
    assert check_health(path, 60) == (True, "healthy: shard 0 42 ms, shard 1 connected")


def test_missing_stale_or_disconnected_is_not(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    assert not check_health(path, 60)[0] and "does not exist yet" in check_health(path, 60)[1]
    write_health(path, {0: ShardHealth(connected=True), 1: ShardHealth(connected=False)})
    assert check_health(path, 60) == (False, "shards not connected: [1]")
    write_health(path, {})
    assert check_health(path, 60) == (False, "shards not connected: none started")
    stale = json.loads(path.read_text())
    stale["shards"] = {"0": {"connected": True}}
    stale["updated"] = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    path.write_text(json.dumps(stale))
    healthy, line = check_health(path, 60)
    assert not healthy and "last written 300 s ago" in line
    path.write_text("{")
    assert not check_health(path, 60)[0]


def test_the_command_exits_1_when_unhealthy_and_2_without_a_file_setting(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    assert main(["health"]) == 2
    assert "CITEBOT_HEALTH_FILE is not set" in capsys.readouterr().err
    monkeypatch.setenv("CITEBOT_HEALTH_FILE", str(tmp_path / "health.json"))
    assert main(["health"]) == 1
    write_health(tmp_path / "health.json", {0: ShardHealth(connected=True, latency_ms=3.0)})
    assert main(["health"]) == 0
    assert capsys.readouterr().out == "healthy: shard 0 3 ms\n"
