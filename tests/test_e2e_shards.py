"""Shards against the fake Discord: which guilds a shard gets, and two real `citebot run`
processes (shards 0 and 1 of 2) sharing one PostgreSQL database and one index folder."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.discord.app import ShardedCiteBot, apply_api_urls, build_bot
from bot.service import Service
from bot.store import Store
from tests.fake_discord import FakeDiscord
from tests.fake_discord.world import MANAGE_MESSAGES, FakeGuild
from tests.test_e2e_discord import QUESTION, button_answer_id, settings_for

ROOT = Path(__file__).resolve().parent.parent


def shard_of(guild: FakeGuild, count: int = 2) -> int:
    return (guild.id >> 22) % count


def guilds_on_both_shards(fake: FakeDiscord) -> dict[int, FakeGuild]:
    """The default guild plus new ones until each of the two shards has one, each with a
    #general channel, a member and a moderator."""
    by_shard = {shard_of(fake.guild): fake.guild}
    while len(by_shard) < 2:
        time.sleep(0.002)  # a snowflake's shard changes with its millisecond
        guild = fake.world.add_guild("Other Guild")
        if shard_of(guild) in by_shard:
            fake.world.guilds.remove(guild)
        else:
            guild.add_text_channel("general")
            guild.add_member("asker")
            guild.add_member("mod", roles=[guild.add_role("Moderators", MANAGE_MESSAGES)])
            by_shard[shard_of(guild)] = guild
    return by_shard


def member(guild: FakeGuild, name: str):
    return next(m for m in guild.members if m.user.username == name)


def moderator_of(fake: FakeDiscord, guild: FakeGuild):
    return fake.moderator if guild is fake.guild else member(guild, "mod")


def asker_of(fake: FakeDiscord, guild: FakeGuild):
    return fake.member if guild is fake.guild else member(guild, "asker")


def general(guild: FakeGuild):
    return next(c for c in guild.channels if c.name == "general")


def test_shard_settings_are_checked() -> None:
    from pydantic import ValidationError

    from bot.settings import Settings

    assert Settings(CITEBOT_SHARD_COUNT="4", CITEBOT_SHARD_IDS="3, 1").shard_ids == [1, 3]
    with pytest.raises(ValidationError, match="set CITEBOT_SHARD_COUNT too"):
        Settings(CITEBOT_SHARD_IDS="0")
    with pytest.raises(ValidationError, match="shard 2 does not exist: ids go from 0 to 1"):
        Settings(CITEBOT_SHARD_COUNT="2", CITEBOT_SHARD_IDS="2")
    with pytest.raises(ValidationError):
        Settings(CITEBOT_SHARD_COUNT="0")


async def test_a_shard_gets_only_its_guilds_and_logs_ready_and_latency(
    fake_discord: FakeDiscord, tmp_path: Path, caplog, monkeypatch
) -> None:
    fake = fake_discord
    guilds = guilds_on_both_shards(fake)
    health = {"CITEBOT_HEALTH_FILE": str(tmp_path / "health.json"),
              "CITEBOT_LATENCY_LOG_SECONDS": "0.05"}  # fmt: skip
    settings = settings_for(
        fake, tmp_path / "data", CITEBOT_SHARD_COUNT="2", CITEBOT_SHARD_IDS="1", **health
    )
    for name, value in health.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.INFO, logger="bot")
    async with await Service.open(settings) as service:
        bot = build_bot(settings, service, guild_ready_timeout=0.05)
        assert isinstance(bot, ShardedCiteBot)
        apply_api_urls(settings)
        async with fake.running(bot, patch=False):
            assert [g.id for g in bot.guilds] == [guilds[1].id]
            assert fake.identifies[-1]["shard"] == [1, 2]
            ix = await fake.slash("ask", {"question": QUESTION}, user=asker_of(fake, guilds[1]),
                                  channel=general(guilds[1]))  # fmt: skip
            assert button_answer_id(await ix.wait_original(timeout=15))
            await fake.wait_until(lambda: "shard 1 latency" in caplog.text, 5, "a latency log line")
            assert main(["health", "--max-age", "30"]) == 0  # what compose.yaml runs
    assert "shard 1 of 2 ready: 1 servers" in caplog.text


# -- two processes, one PostgreSQL ------------------------------------------------------------
def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "CITEBOT_"))}
    env.update(extra, PYTHONPATH=str(ROOT))
    return env


@contextlib.asynccontextmanager
async def shard_processes(env: dict[str, str], cwd: Path) -> AsyncIterator[list]:
    """`citebot run` as shard 0 and shard 1; each one's log in cwd/shard<N>.log."""
    processes = []
    command = [sys.executable, "-m", "bot.cli", "run"]
    for shard in (0, 1):
        shard_env = {**env, "CITEBOT_SHARD_IDS": str(shard)}
        with open(cwd / f"shard{shard}.log", "wb") as log:
            processes.append(
                await asyncio.create_subprocess_exec(
                    *command, cwd=cwd, env=shard_env, stdout=subprocess.DEVNULL, stderr=log
                )
            )
    try:
        yield processes
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            await asyncio.wait_for(process.wait(), 30)


async def test_two_shard_processes_share_the_cache_and_reports_through_postgresql(
    fake_discord: FakeDiscord, postgres_url: str, tmp_path: Path
) -> None:
    fake = fake_discord
    guilds = guilds_on_both_shards(fake)
    env = _env(
        {
            **fake.env(),
            "CITEBOT_DATA": str(tmp_path / "data"),  # one index folder, as on a shared volume
            "CITEBOT_DATABASE_URL": postgres_url,
            "CITEBOT_SHARD_COUNT": "2",
            "CITEBOT_COOLDOWN_SECONDS": "0",
        }
    )
    async with shard_processes(env, tmp_path) as processes:
        await fake.wait_until(
            lambda: {s.shard for s in fake.sessions.values() if s.connection} == {(0, 2), (1, 2)},
            60,
            "both shards identified",
        )
        await fake.wait_until(
            lambda: all(
                f"shard {n} of 2 ready: 1 servers" in (tmp_path / f"shard{n}.log").read_text()
                for n in (0, 1)
            ),
            30,
            "each process logging its shard ready",
        )
        first = await fake.slash("ask", {"question": QUESTION}, user=asker_of(fake, guilds[0]),
                                 channel=general(guilds[0]))  # fmt: skip
        answered = await first.wait_original(timeout=30)
        assert "from cache" not in answered["embeds"][0]["footer"]["text"]
        second = await fake.slash("ask", {"question": QUESTION}, user=asker_of(fake, guilds[1]),
                                  channel=general(guilds[1]))  # fmt: skip
        hit = await second.wait_original(timeout=30)
        assert "from cache" in hit["embeds"][0]["footer"]["text"]  # computed by shard 0
        answer_id = button_answer_id(answered)
        assert button_answer_id(hit) == answer_id

        # A report filed through shard 0, in guild 0.
        click = await fake.click(answered, label="Report wrong answer",
                                 user=asker_of(fake, guilds[0]))  # fmt: skip
        await click.wait_callback(timeout=15)
        submit = await fake.submit_modal(
            {"category": "wrong", "reason": "They met earlier."}, modal=click
        )
        thanks = await submit.wait_original(timeout=15)
        assert thanks["content"].startswith("Thanks, a moderator will review it")

        # Listed and resolved by guild 0's moderator through shard 1: the state is shared.
        moderator = moderator_of(fake, guilds[0])
        with fake.via_shard(1):
            listing = await fake.slash("reports list", {}, user=moderator,
                                       channel=general(guilds[0]))  # fmt: skip
            fields = (await listing.wait_original(timeout=15))["embeds"][0]["fields"]
            (report_id,) = [int(f["name"].split()[0].lstrip("#")) for f in fields]
            done = await fake.slash("reports resolve", {"id": report_id, "note": "sourced"},
                                    user=moderator, channel=general(guilds[0]))  # fmt: skip
            resolved = (await done.wait_original(timeout=15))["content"]
        assert f"Report #{report_id} is now resolved" in resolved
        assert listing.shard == done.shard == 1
        assert click.shard == submit.shard == first.shard == 0

        # Guild 1's moderator (on shard 1) never sees guild 0's report.
        other = await fake.slash("reports list", {"status": "all"},
                                 user=moderator_of(fake, guilds[1]),
                                 channel=general(guilds[1]))  # fmt: skip
        empty = await other.wait_original(timeout=15)
        assert empty["embeds"][0]["description"] == "*No reports.*"
        assert all(p.returncode is None for p in processes)

    async with await Store.open(postgres_url) as store:
        stats = await store.cache_stats()
        (report,) = await store.reports(None)
    assert (stats.hits, stats.misses) == (1, 1)
    assert (report.status, report.guild_id) == ("resolved", str(guilds[0].id))
    for shard, process in enumerate(processes):
        log = (tmp_path / f"shard{shard}.log").read_text()
        assert process.returncode == 0, log  # a clean stop (bot.discord.lifecycle)
        assert "Traceback" not in log and fake.token not in log
    assert not list((tmp_path / "data" / "index").glob(".*"))  # one index, built once
