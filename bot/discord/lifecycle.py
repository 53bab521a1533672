"""How `citebot run` connects, keeps trying while Discord is unreachable, and stops on a signal.

- Connecting: Discord's HTTP API is probed first and the gateway connection is retried with
  exponential back-off (1 s doubling to a minute), one warning line per attempt, for as long as
  the network is down. discord.py itself retries only once a first connection has worked (and
  fails with an AttributeError before that).
- Stopping: SIGTERM and SIGINT (handled with `loop.add_signal_handler`, which also works when
  the bot is PID 1 in a container, where an unhandled SIGTERM is ignored) stop new interactions,
  let those in flight finish for up to `GRACE_S`, then close the gateway. The caller closes the
  database, and the process exits 0. A second signal skips the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING

import aiohttp
import discord

if TYPE_CHECKING:
    from bot.discord.app import CiteBot

log = logging.getLogger(__name__)

GRACE_S = 7.0  # in-flight interactions get this long; docker stop waits 10 s by default
FIRST_RETRY_S, MAX_RETRY_S = 1.0, 60.0
PROBE_TIMEOUT_S = 10.0
RESTARTING = "citebot is restarting; ask again in a minute."
# discord.py names the tasks that run interactions and message handlers like this.
_INTERACTION_TASKS = ("CommandTree-invoker", "discord-ui-", "discord.py: on_message")
UNREACHABLE = (OSError, aiohttp.ClientError, asyncio.TimeoutError, discord.GatewayNotFound)


class Backoff:
    """1, 2, 4, ... seconds up to MAX_RETRY_S."""

    def __init__(self) -> None:
        self.delay = FIRST_RETRY_S

    def next(self) -> float:
        delay, self.delay = self.delay, min(self.delay * 2, MAX_RETRY_S)
        return delay


def describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


async def wait_for_api(base_url: str, stopping: asyncio.Event) -> None:
    """Return once Discord's HTTP API answers at all (any status); retry while unreachable."""
    backoff = Backoff()
    url = base_url.rstrip("/") + "/gateway"
    timeout = aiohttp.ClientTimeout(total=PROBE_TIMEOUT_S)
    while not stopping.is_set():
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url):
                return
        except UNREACHABLE as exc:
            delay = backoff.next()
            log.warning(
                "cannot reach Discord's API at %s (%s); retrying in %.0f s",
                base_url,
                describe(exc),
                delay,
            )
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)


async def connect_with_retries(bot: CiteBot, stopping: asyncio.Event) -> None:
    """Hold the gateway connection open; while it cannot even be opened, retry with back-off."""
    backoff = Backoff()
    quiet = QuietReconnects(first_connection=lambda: bot.ws is None)
    logging.getLogger("discord.client").addFilter(quiet)
    try:
        await _connect(bot, stopping, backoff, quiet)
    finally:
        logging.getLogger("discord.client").removeFilter(quiet)


async def _connect(
    bot: CiteBot, stopping: asyncio.Event, backoff: Backoff, quiet: QuietReconnects
) -> None:
    while not stopping.is_set() and not bot.is_closed():
        try:
            await bot.connect(reconnect=True)
            return
        except discord.PrivilegedIntentsRequired:
            raise
        except UNREACHABLE as exc:
            problem = describe(exc)
        except AttributeError as exc:
            if bot.ws is not None:  # a real bug, not discord.py's first-connection retry
                raise
            problem = describe(quiet.last_error or exc)
        if stopping.is_set() or bot.is_closed():
            return
        delay = backoff.next()
        log.warning(
            "cannot reach Discord's gateway at %s (%s); retrying in %.0f s",
            bot.settings.discord_gateway_url,
            problem,
            delay,
        )
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)


def interaction_tasks() -> set[asyncio.Task]:
    current = asyncio.current_task()
    return {
        task
        for task in asyncio.all_tasks()
        if task is not current and task.get_name().startswith(_INTERACTION_TASKS)
    }


async def finish_in_flight(forced: asyncio.Event, grace: float = GRACE_S) -> int:
    """Wait for the interactions being handled (and any started meanwhile) to finish, for up to
    `grace` seconds or until `forced` is set; returns how many were still running then."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while (pending := interaction_tasks()) and not forced.is_set():
        left = deadline - loop.time()
        if left <= 0:
            break
        forced_wait = asyncio.ensure_future(forced.wait())
        await asyncio.wait({*pending, forced_wait}, timeout=left, return_when="FIRST_COMPLETED")
        forced_wait.cancel()
    return len(interaction_tasks())


@contextlib.contextmanager
def stop_signals(stopping: asyncio.Event, forced: asyncio.Event):
    """SIGTERM/SIGINT set `stopping`; a second one sets `forced`. Restored on exit."""
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if stopping.is_set():
            log.warning("second %s: stopping now", signal.Signals(signum).name)
            forced.set()
            return
        log.info("%s received: finishing the interactions in flight, then stopping",
                 signal.Signals(signum).name)  # fmt: skip
        stopping.set()

    installed = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, on_signal, signum)
            installed.append(signum)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, Windows
            pass
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


class QuietReconnects(logging.Filter):
    """discord.py logs each reconnect attempt with a full traceback: keep one line, and none
    before a first connection (connect_with_retries says it then, with its own back-off)."""

    def __init__(self, first_connection: Callable[[], bool] = lambda: False) -> None:
        super().__init__()
        self._first_connection = first_connection
        self.last_error: BaseException | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.exc_info
            and record.exc_info[1] is not None
            and record.getMessage().startswith("Attempting a reconnect")
        ):
            exc = record.exc_info[1]
            self.last_error = exc
            if self._first_connection():
                return False
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {describe(exc)})"
            record.args = ()
            record.exc_info = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
