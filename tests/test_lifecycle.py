"""`citebot run` as a real process against the fake Discord: stopping on SIGTERM/SIGINT (also as
PID 1), an unreachable Discord, and badly shaped tokens."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.discord.app import TokenError, require_token
from bot.discord.lifecycle import RESTARTING
from bot.settings import Settings
from tests.cli_support import clean_env, run_cli
from tests.fake_discord import FakeDiscord

QUESTIONS = [
    "Where did Kim Kardashian and Ivanka Trump first meet?",
    "Who is Ivanka Trump married to?",
    "When did Kim Kardashian visit the White House?",
    "What did Kim Kardashian ask the president for?",
    "Who is Jared Kushner?",
    "What is the Met Gala?",
]


async def _start(fake: FakeDiscord, data: Path, *prefix: str, **extra: str):
    env = clean_env(
        {**fake.env(), "CITEBOT_DATA": str(data), "CITEBOT_COOLDOWN_SECONDS": "0", **extra}
    )
    return await asyncio.create_subprocess_exec(
        *prefix, sys.executable, "-m", "bot.cli", "run", cwd=data.parent, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


async def _answered_or_refused(ix) -> str:
    message = await ix.wait_original(timeout=15)
    if message["embeds"]:
        return "answered"
    assert message["content"] == RESTARTING, message
    return "refused"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_finishes_the_interactions_in_flight_then_exits_0(
    fake_discord, tmp_path, signum
):
    fake = fake_discord
    data = tmp_path / "data"
    proc = await _start(fake, data)
    try:
        session = await fake.wait_for_session(timeout=30)
        # Sent at once, and enough distinct questions that some are still being answered when
        # the signal comes (an answer from the saved library takes tens of milliseconds).
        asks = await asyncio.gather(
            *(fake.slash("ask", {"question": f"{q} ({n})"}) for n in range(5) for q in QUESTIONS)
        )
        await asks[0].wait_callback(timeout=15)
        proc.send_signal(signum)
        started = time.monotonic()
        await asyncio.sleep(0.3)  # the signal is handled on the bot's event loop
        try:
            late = await fake.slash("ask", {"question": "Who met whom at the gala?"})
        except AssertionError:  # nothing was left in flight: the gateway is already closed
            late = None
        _out, err = await asyncio.wait_for(proc.communicate(), 15)
        elapsed = time.monotonic() - started
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    assert elapsed < 10
    outcomes = [await _answered_or_refused(ix) for ix in asks]
    assert outcomes[0] == "answered"  # in flight when the signal came: finished
    assert late is None or late.callback is None or await _answered_or_refused(late) == "refused"
    assert not session.connection.open  # the gateway was closed
    assert not (data / "citebot.sqlite3-wal").exists()  # the database was closed cleanly
    assert "Traceback" not in err.decode() and "stopped" in err.decode()


def _child_of(pid: int) -> int | None:
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        if children:
            return int(children[0])
    return None


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare (util-linux)")
async def test_as_pid_1_sigterm_is_handled_not_ignored(fake_discord, tmp_path):
    """How the Dockerfile runs it: the bot is PID 1 of its own PID namespace."""
    fake = fake_discord
    probe = subprocess.run(["unshare", "--pid", "--fork", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot make a PID namespace here (needs root)")
    proc = await _start(fake, tmp_path / "data", "unshare", "--pid", "--fork", "--kill-child")
    try:
        await fake.wait_for_session(timeout=30)
        bot_pid = _child_of(proc.pid)
        assert bot_pid is not None
        assert Path(f"/proc/{bot_pid}/status").read_text().count("NSpid") == 1
        nspid = next(
            line for line in Path(f"/proc/{bot_pid}/status").read_text().splitlines()
            if line.startswith("NSpid")
        )  # fmt: skip
        assert nspid.split()[-1] == "1"  # PID 1 inside its namespace
        os.kill(bot_pid, signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 15)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()


async def _stderr_until(proc, needle: str, count: int, timeout: float = 60) -> list[str]:
    """Lines of the process's stderr up to the `count`-th one containing `needle`."""
    lines: list[str] = []

    async def read() -> None:
        while sum(needle in line for line in lines) < count:
            line = await proc.stderr.readline()
            if not line:
                return
            lines.append(line.decode())

    await asyncio.wait_for(read(), timeout)
    return lines


async def _stop(proc) -> str:
    try:
        proc.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(proc.communicate(), 15)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return err.decode()


async def test_an_unreachable_gateway_is_retried_with_back_off_in_one_line_each(
    fake_discord, tmp_path
):
    fake = fake_discord
    proc = await _start(fake, tmp_path / "data", DISCORD_GATEWAY_URL="ws://127.0.0.1:9/gateway")
    lines: list[str] = []
    try:
        lines = await _stderr_until(proc, "cannot reach Discord's gateway", 2)
        assert proc.returncode is None  # still trying, not exited
    finally:
        text = "".join(lines) + await _stop(proc)
    assert proc.returncode == 0, text
    retries = [line for line in text.splitlines() if "cannot reach Discord's gateway" in line]
    assert len(retries) >= 2 and "retrying in 1 s" in retries[0] and "retrying in 2 s" in text
    assert "Traceback" not in text and "NoneType" not in text


async def test_an_unreachable_api_is_retried_in_one_line_each(tmp_path):
    async with FakeDiscord() as fake:
        env = {"DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10"}
        proc = await _start(fake, tmp_path / "data", **env)
        lines: list[str] = []
        try:
            lines = await _stderr_until(proc, "cannot reach Discord's API", 2)
        finally:
            text = "".join(lines) + await _stop(proc)
    assert proc.returncode == 0, text
    assert "cannot reach Discord's API at http://127.0.0.1:9/api/v10" in text
    assert "retrying in 2 s" in text and "Traceback" not in text


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("Bot abc.def.ghi", "starts with 'Bot '"),
        ("abc def", "spaces or line breaks"),
        ("abc\ndef", "spaces or line breaks"),
        ('"abc.def"', "quotes"),
        ("tökén", "characters a Discord token never has"),
        ("x" * 10_000, "10,000 characters long"),
        ("abc", "is 3 characters long"),
        ("a" * 70, "three parts joined by dots"),
    ],
)
def test_a_badly_shaped_token_is_named_without_showing_it(token, says):
    with pytest.raises(TokenError) as caught:
        require_token(Settings(DISCORD_TOKEN=token))
    message = str(caught.value)
    assert says in message and "Reset Token" in message
    assert token.strip() not in message


def test_a_bad_token_shape_exits_2_with_one_line(tmp_path):
    done = run_cli(tmp_path / "data", "run", env={"DISCORD_TOKEN": "x" * 10_000})
    assert done.returncode == 2
    assert done.stderr.startswith("citebot: error: DISCORD_TOKEN is 10,000 characters long")
    assert done.stderr.count("\n") == 1 and "xxxxxxxx" not in done.stderr
