"""Prometheus metrics: `citebot run` against the fake Discord with CITEBOT_METRICS_PORT, scraped
over 127.0.0.1 before and after asks and a report."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.service import Asker, Service
from bot.settings import Settings
from tests.cli_support import clean_env
from tests.fake_discord import FakeDiscord
from tests.test_e2e_discord import QUESTION, button_answer_id

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_LABELS = {"outcome", "face", "category", "operation", "kind", "shard", "how", "le"}


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the page: (name, sorted labels) -> value."""
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@contextlib.asynccontextmanager
async def citebot_run(fake: FakeDiscord, data: Path, **extra: str) -> AsyncIterator[tuple]:
    """`citebot run` with metrics on a free port; yields (process, metrics url, log file)."""
    env = clean_env({**fake.env(), "CITEBOT_DATA": str(data), "CITEBOT_METRICS_PORT": "0",
                     "CITEBOT_COOLDOWN_SECONDS": "0", **extra})  # fmt: skip
    log = data.parent / "run.log"
    with open(log, "wb") as err:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", cwd=data.parent, env=env,
            stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip
    try:
        found: list[str] = []

        def listening() -> bool:
            found[:] = re.findall(r"metrics on (http://127\.0\.0\.1:\d+/metrics)", log.read_text())
            return bool(found) or process.returncode is not None

        await fake.wait_until(listening, 120, "the metrics address in the log")
        assert found, log.read_text()
        await fake.wait_until(lambda: fake.sessions and any(
            s.connection for s in fake.sessions.values()), 60, "the bot connected")  # fmt: skip
        yield process, found[0], log
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)


async def test_asks_and_reports_move_the_counters_scraped_over_loopback(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with citebot_run(fake, tmp_path / "data", CITEBOT_LOG_FORMAT="json") as (
        process,
        url,
        log,
    ):
        before = await asyncio.to_thread(scrape, url)
        assert value(before, "citebot_asks_total", outcome="answered", face="discord") == 0
        first = await fake.slash("ask", {"question": QUESTION})
        answered = await first.wait_original(timeout=60)
        second = await fake.slash("ask", {"question": QUESTION})
        await second.wait_original(timeout=30)
        click = await fake.click(answered, label="Report wrong answer")
        await click.wait_callback(timeout=15)
        submit = await fake.submit_modal({"category": "wrong", "reason": "Too early."}, modal=click)
        await submit.wait_original(timeout=15)
        assert button_answer_id(answered)
        after = await asyncio.to_thread(scrape, url)
    assert process.returncode == 0, log.read_text()
    assert value(after, "citebot_asks_total", outcome="answered", face="discord") == 1
    assert value(after, "citebot_asks_total", outcome="cached", face="discord") == 1
    assert value(after, "citebot_answer_cache_lookups_total") == 2
    assert value(after, "citebot_answer_cache_hits_total") == 1
    assert value(after, "citebot_answer_seconds_count", face="discord") == 2
    assert value(after, "citebot_reports_total", category="wrong") == 1
    assert value(after, "citebot_library_load_seconds", how="built") > 0
    assert value(after, "citebot_gateway_latency_seconds", shard="0") >= 0
    assert ("citebot_gateway_latency_seconds", (("shard", "0"),)) in after
    labels = {n for (metric, pairs) in after if metric.startswith("citebot") for n, _ in pairs}
    assert labels <= ALLOWED_LABELS  # never a user, guild, channel or question
    records = [json.loads(line) for line in log.read_text().splitlines()]  # JSON, one per line
    questions = [r for r in records if r["event"].startswith("question ")]
    assert [r["event"].split()[1] for r in questions] == ["answered", "cached"]
    assert all(r["guild"] == str(fake.guild.id) and r["shard"] == 0 for r in questions)
    assert all(r["latency"] > 0 and r["level"] == "INFO" for r in questions)
    assert QUESTION not in log.read_text() and fake.token not in log.read_text()


async def test_a_port_in_use_is_a_one_line_error_before_connecting(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    taken = metrics.serve("127.0.0.1", 0)
    try:
        env = clean_env({**fake_discord.env(), "CITEBOT_DATA": str(tmp_path / "data"),
                         "CITEBOT_METRICS_PORT": str(taken.port)})  # fmt: skip
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp_path,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    finally:
        taken.close()
    assert done.returncode == 2, done.stderr
    assert f"citebot: error: CITEBOT_METRICS_PORT {taken.port}: cannot listen" in done.stderr
    assert "Traceback" not in done.stderr and not fake_discord.identifies


def test_metrics_listen_on_loopback_unless_told_otherwise(monkeypatch) -> None:
    monkeypatch.delenv("CITEBOT_METRICS_HOST", raising=False)
    assert Settings().metrics_host == "127.0.0.1"
    server = metrics.serve(Settings().metrics_host, 0)
    try:
        assert server.host == "127.0.0.1" and server.url.startswith("http://127.0.0.1:")
    finally:
        server.close()


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_a_bad_metrics_port_is_refused(monkeypatch, port) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("CITEBOT_METRICS_PORT", port)
    with pytest.raises(ValidationError):
        Settings()


async def test_the_cli_and_chat_count_under_their_own_face(tmp_path: Path) -> None:
    """The same service counts each face apart, and a new click once."""
    settings = Settings(CITEBOT_DATA=str(tmp_path / "data"))
    before = scrape_registry()
    async with await Service.open(settings) as service:
        await service.ask(QUESTION, Asker(display_name="me", face="chat"))
        served = await service.ask(QUESTION)
        await service.answered_me(served.answer_id, 1, Asker(display_name="me"))
        await service.answered_me(served.answer_id, 1, Asker(display_name="me"))
    after = scrape_registry()
    moved = {key: after[key] - before.get(key, 0.0) for key in after}
    assert moved[("citebot_asks_total", (("face", "chat"), ("outcome", "answered")))] == 1
    assert moved[("citebot_asks_total", (("face", "cli"), ("outcome", "cached")))] == 1
    assert moved[("citebot_answered_me_clicks_total", ())] == 1


def scrape_registry() -> dict:
    from prometheus_client import generate_latest

    text = generate_latest(metrics.REGISTRY).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
