"""The Discord client: intents, mention hygiene, cogs, error replies, and the API URL overrides."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot import metrics, render
from bot.discord import lifecycle
from bot.discord.cogs import add_cogs
from bot.discord.cogs.common import Cooldowns, reply_ephemeral
from bot.health import ShardHealth, health_interval, write_health
from bot.settings import Settings
from knowledge.errors import UserError

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger(__name__)

TOKEN_HELP = (
    "Create a bot token at https://discord.com/developers/applications (New Application > Bot > "
    "Reset Token), then set DISCORD_TOKEN in the environment or in a .env file. "
    "`citebot ask` and `citebot chat` work without a token."
)
INTENT_HELP = (
    "Discord refused the message content intent, which CITEBOT_ASK_CHANNELS needs. Turn on "
    "'Message Content Intent' under Bot > Privileged Gateway Intents in the developer portal, "
    "or unset CITEBOT_ASK_CHANNELS (mentions and /ask work without it)."
)


class TokenError(UserError):
    """No token, or Discord rejected it: a configuration problem the user can fix."""


def apply_api_urls(settings: Settings) -> None:
    """Point discord.py at Discord or at a Discord-compatible emulator (process-wide)."""
    discord.http.Route.BASE = settings.discord_api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


MAX_TOKEN_CHARS = 200  # Discord bot tokens are about 70 characters
MIN_TOKEN_CHARS = 50
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9._-]+")  # base64url parts joined by dots


def require_token(settings: Settings) -> str:
    """The token, checked for shape before anything is sent: what is wrong is said without
    showing the token."""
    if settings.discord_token is None:
        raise TokenError(f"DISCORD_TOKEN is not set. {TOKEN_HELP}")
    token = settings.discord_token.get_secret_value()
    problem = token_problem(token)
    if problem:
        raise TokenError(
            f"DISCORD_TOKEN {problem}; set it to the bot token alone, as copied from "
            "https://discord.com/developers/applications (Bot > Reset Token)"
        )
    return token


def token_problem(token: str) -> str | None:
    if token.lower().startswith("bot "):
        return "starts with 'Bot ' (citebot adds that prefix itself)"
    if len(token) > MAX_TOKEN_CHARS:
        return f"is {len(token):,} characters long, far longer than a Discord token (about 70)"
    if not _TOKEN_CHARS.fullmatch(token):
        if any(c.isspace() for c in token):
            return "contains spaces or line breaks (pasted with other text?)"
        if any(c in "\"'`" for c in token):
            return "contains quotes (remove them)"
        return "contains characters a Discord token never has (only letters, digits, '.', '_', '-')"
    if len(token) < MIN_TOKEN_CHARS:
        return f"is {len(token)} characters long, far shorter than a Discord token (about 70)"
    if len(token.split(".")) != 3 or not all(token.split(".")):
        return "is not three parts joined by dots, as a Discord token is (copied in part?)"
    return None


def intents_for(settings: Settings) -> discord.Intents:
    intents = discord.Intents.default()
    # Mentions and DMs carry their text without the privileged intent; ask-channels do not.
    intents.message_content = bool(settings.ask_channels or settings.ask_threads)
    return intents


class CiteBot(commands.Bot):
    def __init__(self, settings: Settings, service: Service | None, **options: Any) -> None:
        # citebot never joins a voice channel: no warning that voice libraries are missing.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents_for(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,
        )
        self.settings = settings
        self._service = service
        self.cooldowns = Cooldowns(settings.cooldown_questions, settings.cooldown_seconds)
        self.report_cooldowns = Cooldowns(
            settings.report_cooldown_reports, settings.report_cooldown_seconds
        )
        self.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]
        self._latency_log: asyncio.Task[None] | None = None
        self._connected: dict[int, bool] = {}  # per shard, for the health file
        self.tree.interaction_check = self._accepting  # type: ignore[method-assign]
        self.stopping: asyncio.Event | None = None  # set by run_bot on SIGTERM or SIGINT
        self.metrics_url: str | None = None  # where run_bot serves the metrics, if it does

    async def _accepting(self, interaction: discord.Interaction) -> bool:
        """While stopping, a new command gets a short private "restarting" reply instead."""
        if self.stopping is None or not self.stopping.is_set():
            return True
        if interaction.type == discord.InteractionType.application_command:
            with contextlib.suppress(discord.HTTPException):
                await interaction.response.send_message(lifecycle.RESTARTING, ephemeral=True)
        return False

    @property
    def service(self) -> Service:
        if self._service is None:
            raise RuntimeError("this client was built without a service (command sync only)")
        return self._service

    async def setup_hook(self) -> None:
        await add_cogs(self)
        if self.settings.latency_log_seconds or self.settings.health_file is not None:
            self._latency_log = asyncio.create_task(self._log_latency_every(), name="latency-log")

    async def close(self) -> None:
        if self._latency_log is not None:
            self._latency_log.cancel()
        await super().close()

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info("logged in as %s (%s) in %d servers", self.user, self.user.id, len(self.guilds))
        if not self.sharded:
            self._mark(self.shard_id or 0, connected=True)

    async def on_disconnect(self) -> None:
        if not self.sharded:
            self._mark(self.shard_id or 0, connected=False)

    async def on_resumed(self) -> None:
        if not self.sharded:
            self._mark(self.shard_id or 0, connected=True)

    async def on_shard_ready(self, shard_id: int) -> None:
        servers = sum(1 for guild in self.guilds if guild.shard_id == shard_id)
        latency = dict(self.shard_latencies()).get(shard_id)
        log.info(
            "shard %d of %s ready: %d servers, latency %s",
            shard_id,
            self.shard_count,
            servers,
            _ms(latency),
            extra={"shard": shard_id, "latency": _seconds(latency)},
        )
        self._mark(shard_id, connected=True)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        log.info("shard %d disconnected", shard_id, extra={"shard": shard_id})
        self._mark(shard_id, connected=False)

    async def on_shard_resumed(self, shard_id: int) -> None:
        log.info("shard %d resumed", shard_id, extra={"shard": shard_id})
        self._mark(shard_id, connected=True)

    def shard_of(self, guild_id: int | None) -> int:
        """The shard that serves a guild (direct messages: shard 0)."""
        if guild_id is None or not self.shard_count:
            return self.shard_id or 0
        return (guild_id >> 22) % self.shard_count

    @property
    def sharded(self) -> bool:
        return isinstance(self, discord.AutoShardedClient)

    def _mark(self, shard_id: int, *, connected: bool) -> None:
        self._connected[shard_id] = connected
        self._write_health()

    def _write_health(self) -> None:
        path = self.settings.health_file
        if path is None:
            return
        latencies = dict(self.shard_latencies())
        shards = {
            shard: ShardHealth(
                connected=connected,
                latency_ms=round(latencies[shard] * 1000, 1)
                if math.isfinite(latencies.get(shard, math.inf))
                else None,
            )
            for shard, connected in self._connected.items()
        }
        try:
            write_health(path, shards)
        except OSError as exc:
            log.warning("cannot write the health file %s (%s)", path, exc.strerror or exc)

    def shard_latencies(self) -> list[tuple[int, float]]:
        """(shard id, gateway heartbeat latency in seconds) for each shard this process runs."""
        return [(self.shard_id or 0, self.latency)]

    async def _log_latency_every(self) -> None:
        """Log each shard's latency (unless the log is off) and rewrite the health file, which
        goes stale without it even when the log is off."""
        await self.wait_until_ready()
        while not self.is_closed():
            for shard_id, latency in self.shard_latencies():
                if self.settings.latency_log_seconds:
                    log.info("shard %d latency %s", shard_id, _ms(latency),
                             extra={"shard": shard_id, "latency": _seconds(latency)})  # fmt: skip
            self._write_health()
            await asyncio.sleep(health_interval(self.settings.latency_log_seconds))

    async def on_command_error(
        self, context: commands.Context, exception: commands.CommandError
    ) -> None:
        if isinstance(exception, commands.CommandNotFound | commands.CheckFailure):
            return  # a mention that is a question, not a text command
        await super().on_command_error(context, exception)

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.CheckFailure):
            text = str(error) or "You can't use this command here."
        elif isinstance(original, UserError):
            text = str(original)
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "/%s failed (user %s, guild %s, channel %s)",
                command,
                interaction.user.id,
                interaction.guild_id,
                interaction.channel_id,
                exc_info=original,
                extra={"guild": str(interaction.guild_id) if interaction.guild_id else None,
                       "shard": self.shard_of(interaction.guild_id)},
            )  # fmt: skip
            text = render.INTERNAL_ERROR
        try:
            if (
                interaction.response.type
                == discord.InteractionResponseType.deferred_channel_message
            ):
                # Still "thinking..." in public: remove it so the error is seen by the user only.
                await interaction.delete_original_response()
            await reply_ephemeral(interaction, text)
        except discord.HTTPException:
            log.warning("could not tell the user about the error", exc_info=True)


class ShardedCiteBot(CiteBot, commands.AutoShardedBot):
    """The bot running some or all of `shard_count` shards (CITEBOT_SHARD_IDS) in this process;
    other processes run the rest, and all share one database."""

    def shard_latencies(self) -> list[tuple[int, float]]:
        return list(self.latencies)


def _seconds(latency: float | None) -> float | None:
    """A latency for the JSON log: None until measured."""
    return round(latency, 4) if latency is not None and math.isfinite(latency) else None


def _ms(latency: float | None) -> str:
    if latency is None or not math.isfinite(latency):
        return "not measured yet"
    return f"{latency * 1000:.0f} ms"


def build_bot(settings: Settings, service: Service | None, **options: Any) -> CiteBot:
    """The unsharded bot, or with CITEBOT_SHARD_COUNT the shards CITEBOT_SHARD_IDS name."""
    if settings.shard_count is None:
        return CiteBot(settings, service, **options)
    return ShardedCiteBot(
        settings,
        service,
        shard_count=settings.shard_count,
        shard_ids=settings.shard_ids or None,
        **options,
    )


async def run_bot(service: Service, settings: Settings | None = None) -> None:
    """Serve Discord with an open service until SIGTERM or SIGINT (see bot.discord.lifecycle): then
    answer or finish the interactions in flight, close the gateway and return."""
    settings = settings or service.settings
    token = require_token(settings)
    apply_api_urls(settings)
    stopping, forced = asyncio.Event(), asyncio.Event()
    with lifecycle.stop_signals(stopping, forced):
        async with build_bot(settings, service) as bot:
            with exposing_metrics(bot):
                await _run_until_stopped(bot, token, stopping, forced)
    log.info("stopped")


@contextlib.contextmanager
def exposing_metrics(bot: CiteBot) -> Iterator[None]:
    """Serve the metrics (and this bot's gateway latencies) while the bot runs, if
    CITEBOT_METRICS_PORT is set; a port that cannot be had is a clear error before connecting."""
    host, port = bot.settings.metrics_host, bot.settings.metrics_port
    if port is None:
        yield
        return
    try:
        server = metrics.serve(host, port)
    except OSError as exc:
        raise UserError(
            f"CITEBOT_METRICS_PORT {port}: cannot listen on {host} ({exc.strerror or exc})"
        ) from None
    collector = metrics.watch_gateway(bot.shard_latencies)
    bot.metrics_url = server.url
    try:
        yield
    finally:
        metrics.unwatch(collector)
        server.close()


async def _run_until_stopped(
    bot: CiteBot, token: str, stopping: asyncio.Event, forced: asyncio.Event
) -> None:
    bot.stopping = stopping
    serving = asyncio.ensure_future(_serve(bot, token, stopping))
    stop = asyncio.ensure_future(stopping.wait())
    await asyncio.wait({serving, stop}, return_when=asyncio.FIRST_COMPLETED)
    stop.cancel()
    if serving.done():
        serving.result()  # a configuration error, or the gateway closed for good
        return
    unfinished = await lifecycle.finish_in_flight(forced)
    if unfinished:
        log.warning("stopping with %d interactions unfinished", unfinished)
    await bot.close()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await serving


async def _serve(bot: CiteBot, token: str, stopping: asyncio.Event) -> None:
    while not stopping.is_set():
        await lifecycle.wait_for_api(bot.settings.discord_api_base_url, stopping)
        if stopping.is_set():
            return
        try:
            await bot.login(token)
            break
        except discord.LoginFailure as exc:
            raise TokenError(f"Discord rejected DISCORD_TOKEN ({exc}). {TOKEN_HELP}") from None
        except (discord.DiscordServerError, *lifecycle.UNREACHABLE) as exc:
            log.warning("cannot log in to Discord (%s); retrying", lifecycle.describe(exc))
    try:
        await lifecycle.connect_with_retries(bot, stopping)
    except discord.PrivilegedIntentsRequired:
        raise TokenError(INTENT_HELP) from None


async def sync_with_discord(
    settings: Settings, guild_ids: list[int], *, globally: bool, clear: bool
) -> list[str]:
    """Log in over HTTP only (no gateway) and push the command tree."""
    from bot.discord.cogs.admin import sync_commands

    token = require_token(settings)
    apply_api_urls(settings)
    bot = CiteBot(settings, None)
    async with bot:
        try:
            await bot.login(token)
        except discord.LoginFailure as exc:
            raise TokenError(f"Discord rejected DISCORD_TOKEN ({exc}). {TOKEN_HELP}") from None
        return await sync_commands(bot, guild_ids, globally=globally, clear=clear)
