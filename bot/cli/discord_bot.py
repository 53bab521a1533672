"""`citebot run`, `citebot sync`, `citebot health`: the Discord bot. discord.py is imported only
inside these commands, so `citebot ask` never pays for it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from bot.cli.common import EXIT_FAILURE, UsageError, add_common, run_service, settings_from
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="start the Discord bot (needs DISCORD_TOKEN)")
    add_common(run)
    run.set_defaults(handler=run_run)

    sync = sub.add_parser(
        "sync",
        help="register the slash commands with Discord",
        description="Without options: the servers in CITEBOT_GUILD_IDS (instant), "
        "or every server (global) when it is empty.",
    )
    sync.add_argument(
        "--guild", type=int, action="append", metavar="ID", help="a server id (repeatable)"
    )
    sync.add_argument(
        "--global", dest="globally", action="store_true", help="sync for every server"
    )
    sync.add_argument(
        "--clear", action="store_true", help="remove the commands from the given servers"
    )
    add_common(sync)
    sync.set_defaults(handler=run_sync)

    health = sub.add_parser(
        "health", help="exit 0 if the running bot's shards are connected (CITEBOT_HEALTH_FILE)"
    )
    health.add_argument(
        "--max-age",
        type=float,
        metavar="SECONDS",
        help="oldest acceptable file (default: 3 latency log intervals)",
    )
    add_common(health)
    health.set_defaults(handler=run_health)


def run_run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    from bot.discord.app import TokenError, require_token, run_bot

    for name in ("bot", "discord"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
    try:
        require_token(settings)  # before loading anything
        _check_health_file(settings)
        # Until the bot installs its own handlers, SIGTERM stops startup like Ctrl-C does.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        run_service(args, lambda service: run_bot(service, settings))
    except TokenError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        pass  # stopped while starting: a requested stop, not a failure
    return 0


def _check_health_file(settings: Settings) -> None:
    from bot.health import health_file_problem

    path = settings.health_file
    problem = path and health_file_problem(path)
    if problem:
        raise UsageError(f"CITEBOT_HEALTH_FILE {path} {problem}")


def run_sync(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    import aiohttp  # discord.py's HTTP client

    from bot.discord.app import TokenError, sync_with_discord

    guilds = args.guild or ([] if args.globally else list(settings.guild_ids))
    globally = args.globally or not guilds
    if args.clear and (not guilds or args.globally):
        raise UsageError("--clear needs --guild ID (or CITEBOT_GUILD_IDS), not --global")
    try:
        lines = asyncio.run(
            sync_with_discord(settings, guilds, globally=globally and not args.clear,
                              clear=args.clear)
        )  # fmt: skip
    except TokenError as exc:
        raise UsageError(str(exc)) from None
    except aiohttp.ClientConnectorError as exc:  # no route, refused, DNS: say where and what
        reason = exc.os_error.strerror or type(exc.os_error).__name__
        raise UsageError(
            f"cannot reach the Discord API at {settings.discord_api_base_url} ({reason}): "
            "check the network connection, or DISCORD_API_BASE_URL if you set it"
        ) from None
    for line in lines:
        print(f"synced {line}")
    return 0


def run_health(args: argparse.Namespace) -> int:
    """For a container health check: no discord.py, no database, just the bot's note."""
    import math
    import sys

    from bot.health import check_health, health_interval

    settings = settings_from(args)
    if settings.health_file is None:
        raise UsageError("CITEBOT_HEALTH_FILE is not set: the bot writes no health file")
    if args.max_age is not None and not (math.isfinite(args.max_age) and args.max_age > 0):
        raise UsageError(f"--max-age must be a positive number of seconds, not {args.max_age}")
    max_age = args.max_age or 3 * health_interval(settings.latency_log_seconds)
    healthy, line = check_health(settings.health_file, max_age)
    print(line, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else EXIT_FAILURE
