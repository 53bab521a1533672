"""`citebot health`: what a container health check sees of a running bot."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.health import ShardHealth, check_health, write_health
from tests.cli_support import run_cli


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


def _note(path: Path, **fields) -> None:
    note = {"pid": os.getpid(), "updated": dt.datetime.now(dt.UTC).isoformat(),
            "shards": {"0": {"connected": True}}} | fields  # fmt: skip
    path.write_text(json.dumps(note), encoding="utf-8")


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_note_from_the_future_or_from_a_dead_process_is_not_healthy(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    _note(path, updated=future)
    healthy, line = check_health(path, 60)
    assert not healthy and "in the future" in line
    _note(path, pid=_dead_pid())
    healthy, line = check_health(path, 60)
    assert not healthy and "is not running" in line


def test_a_timestamp_without_a_timezone_is_a_clear_no(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    _note(path, updated=dt.datetime.now().isoformat())
    healthy, line = check_health(path, 60)
    assert not healthy and "timezone" in line and "\n" not in line


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_a_device_as_the_health_file_does_not_hang(tmp_path: Path, kind) -> None:
    if kind == "fifo":
        path = tmp_path / "health.json"
        os.mkfifo(path)
    else:
        path = Path("/dev/zero")
    done = run_cli(tmp_path / "data", "health", env={"CITEBOT_HEALTH_FILE": str(path)})
    assert done.returncode == 1 and "not a regular file" in done.stderr


@pytest.mark.parametrize("age", ["nan", "inf", "0", "-5"])
def test_max_age_must_be_a_positive_number(tmp_path: Path, monkeypatch, capsys, age) -> None:
    monkeypatch.setenv("CITEBOT_HEALTH_FILE", str(tmp_path / "health.json"))
    write_health(tmp_path / "health.json", {0: ShardHealth(connected=True)})
    assert main(["health", "--max-age", age]) == 2
    assert "--max-age" in capsys.readouterr().err


def test_without_latency_logs_the_file_still_goes_stale(tmp_path: Path, monkeypatch) -> None:
    """CITEBOT_LATENCY_LOG_SECONDS=0 turns the log off, not the staleness check: the bot keeps
    rewriting the file every HEALTH_SECONDS, and `citebot health` expects that."""
    path = tmp_path / "health.json"
    monkeypatch.setenv("CITEBOT_HEALTH_FILE", str(path))
    monkeypatch.setenv("CITEBOT_LATENCY_LOG_SECONDS", "0")
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat()
    _note(path, updated=old)
    assert main(["health"]) == 1
