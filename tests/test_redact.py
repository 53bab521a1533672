"""The token and any Authorization value never reach a message or a log line (issue 11, item 4)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import subprocess
import sys

import pytest

from bot import redact
from tests.cli_support import clean_env
from tests.fake_discord import FakeDiscord

TOKEN = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"


@pytest.fixture(autouse=True)
def _token(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "env-secret-token-value")


def test_the_token_and_authorization_values_are_redacted():
    redact.register_secret("registered-secret-1234")
    text = (
        f"token {TOKEN}; headers {{'Authorization': 'Bot abcdefghij.klmnop'}} "
        "Authorization: Bearer qwertyuiop1 env-secret-token-value "
        "b'Bot registered-secret-12...' registered-secret-1234"
    )
    out = redact.redact(text)
    for secret in (TOKEN, "abcdefghij", "qwertyuiop1", "env-secret", "registered-secret"):
        assert secret not in out
    assert out.count(redact.REDACTED) >= 5 and out.startswith("token [redacted]")


def test_ordinary_text_is_left_alone():
    text = "Where did Kim Kardashian and Ivanka Trump first meet? Bot answers, authorization."
    assert redact.redact(text) == text


def test_log_records_are_redacted_with_their_tracebacks():
    stream = logging.StreamHandler(buffer := io.StringIO())
    stream.addFilter(redact.RedactingFilter())
    logger = logging.getLogger("citebot.test.redact")
    logger.addHandler(stream)
    try:
        try:
            raise RuntimeError(f"echoed header Authorization: Bot {TOKEN}")
        except RuntimeError:
            logger.exception("failed with %s \x1b[2J", "env-secret-token-value")
    finally:
        logger.removeHandler(stream)
    text = buffer.getvalue()
    assert "Traceback" in text and "RuntimeError" in text
    assert TOKEN not in text and "env-secret" not in text and "[redacted]" in text
    assert "\x1b" not in text and "\\x1b[2J" in text  # shown, not obeyed


@pytest.fixture
async def echoing_api():
    """An HTTP API on 127.0.0.1 that answers every request with a 400 quoting its Authorization
    header, as a misconfigured proxy or an over-long header's error page does."""
    from aiohttp import web

    async def echo(request: web.Request) -> web.Response:
        seen = request.headers.get("Authorization", "")
        return web.json_response({"message": f"bad request, got {seen}", "code": 0}, status=400)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/api/v10"
    await runner.cleanup()


@pytest.mark.parametrize("verbose", [[], ["-v"]])
async def test_an_authorization_header_echoed_in_an_error_never_reaches_stderr(
    tmp_path, echoing_api, verbose
):
    env = clean_env(
        {
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE_URL": echoing_api,
            "CITEBOT_DATA": str(tmp_path / "d"),
        }
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *verbose, "sync", "--guild", "1",
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode()
    assert proc.returncode != 0 and "bad request, got" in text
    assert TOKEN not in text and TOKEN[:12] not in text and "Bot [redacted]" in text
    assert "Traceback" not in text or verbose


@pytest.mark.parametrize("verbose", [[], ["-v"]])
async def test_a_10000_character_token_never_reaches_stderr(tmp_path, verbose):
    """aiohttp answers an over-long header with a 400 that quotes its first 100 bytes (when the
    token is sent at all)."""
    token = "Tk" + "x" * 10_000
    async with FakeDiscord() as fake:
        env = clean_env({**fake.env(), "DISCORD_TOKEN": token, "CITEBOT_DATA": str(tmp_path / "d")})
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", *verbose, "sync",
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        _out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode()
    assert proc.returncode != 0 and text.strip()
    assert "Tkxxxxxxxx" not in text and "xxxxxxxxxxxxxxxx" not in text
    assert "Traceback" not in text or verbose


def test_json_log_lines_are_redacted_in_the_traceback_and_in_extra_fields():
    from bot.logs import RedactedJsonFormatter

    stream = logging.StreamHandler(buffer := io.StringIO())
    stream.setFormatter(RedactedJsonFormatter())
    stream.addFilter(redact.RedactingFilter())
    logger = logging.getLogger("citebot.test.json")
    logger.addHandler(stream)
    try:
        try:
            raise RuntimeError(f"echoed header Authorization: Bot {TOKEN}")
        except RuntimeError:
            logger.exception("failed for guild %s", 42, extra={
                "guild": "42", "detail": f"sent {TOKEN}", "headers": {"Authorization": "Bot "
                + "q" * 20}, "shard": 3})  # fmt: skip
        logger.warning("plain line", extra={"latency": 0.25})
    finally:
        logger.removeHandler(stream)
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 2
    failed, plain = (json.loads(line) for line in lines)
    assert TOKEN not in buffer.getvalue() and "q" * 20 not in buffer.getvalue()
    assert "RuntimeError: echoed header Authorization: [redacted]" in failed["exc_info"]
    assert (
        failed["detail"] == "sent [redacted]" and "[redacted]" in failed["headers"]["Authorization"]
    )
    assert (failed["level"], failed["event"], failed["guild"], failed["shard"]) == (
        "ERROR", "failed for guild 42", "42", 3)  # fmt: skip
    assert plain["latency"] == 0.25 and plain["guild"] is None and plain["shard"] is None
    assert plain["time"].endswith("+00:00") and list(plain)[:4] == [
        "time",
        "level",
        "logger",
        "event",
    ]


async def test_json_logs_of_a_failing_command_are_one_object_per_line_and_redacted(
    tmp_path, echoing_api
):
    env = clean_env({"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE_URL": echoing_api,
                     "CITEBOT_DATA": str(tmp_path / "d"),
                     "CITEBOT_LOG_FORMAT": "json"})  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "-v", "sync", "--guild", "1",
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = err.decode()
    *lines, last = text.splitlines()
    assert last.startswith("citebot: ") and "Bot [redacted]" in text  # the command's own line
    records = [json.loads(line) for line in lines]  # every log line is one JSON object
    assert records and any("exc_info" in r and "Traceback" in r["exc_info"] for r in records)
    assert TOKEN not in text and TOKEN[:12] not in text
