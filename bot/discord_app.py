"""The Discord client: intents, mention hygiene, cogs, error replies, and the API URL overrides."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot import lifecycle, render
from bot.cogs import add_cogs
from bot.cogs.common import Cooldowns, reply_ephemeral
from bot.service import ServiceError
from bot.settings import Settings
from knowledge.answer import QuestionError

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


class TokenError(Exception):
    """No token, or Discord rejected it: a configuration problem the user can fix."""


def apply_api_urls(settings: Settings) -> None:
    """Point discord.py at Discord or at a Discord-compatible emulator (process-wide)."""
    discord.http.Route.BASE = settings.discord_api_base_url.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


MAX_TOKEN_CHARS = 200  # Discord bot tokens are about 70 characters
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
    if _TOKEN_CHARS.fullmatch(token):
        return None
    if any(c.isspace() for c in token):
        return "contains spaces or line breaks (pasted with other text?)"
    if any(c in "\"'`" for c in token):
        return "contains quotes (remove them)"
    return "contains characters a Discord token never has (only letters, digits, '.', '_', '-')"


def intents_for(settings: Settings) -> discord.Intents:
    intents = discord.Intents.default()
    # Mentions and DMs carry their text without the privileged intent; ask-channels do not.
    intents.message_content = bool(settings.ask_channels)
    return intents


class CiteBot(commands.Bot):
    def __init__(self, settings: Settings, service: Service | None, **options: Any) -> None:
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
        self.tree.on_error = self.on_app_command_error
        self.tree.interaction_check = self._accepting  # type: ignore[method-assign]
        self.stopping: asyncio.Event | None = None  # set by run_bot on SIGTERM or SIGINT

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

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info("logged in as %s (%s) in %d servers", self.user, self.user.id, len(self.guilds))

    async def on_command_error(self, context: commands.Context, exception: Exception) -> None:
        if isinstance(exception, commands.CommandNotFound | commands.CheckFailure):
            return  # a mention that is a question, not a text command
        await super().on_command_error(context, exception)

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.CheckFailure):
            text = str(error) or "You can't use this command here."
        elif isinstance(original, ServiceError | QuestionError):
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
            )
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


async def run_bot(service: Service, settings: Settings | None = None) -> None:
    """Serve Discord with an open service until SIGTERM or SIGINT (see bot.lifecycle): then
    answer or finish the interactions in flight, close the gateway and return."""
    settings = settings or service.settings
    token = require_token(settings)
    apply_api_urls(settings)
    stopping, forced = asyncio.Event(), asyncio.Event()
    with lifecycle.stop_signals(stopping, forced):
        async with CiteBot(settings, service) as bot:
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
    log.info("stopped")


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
    from bot.cogs.admin import sync_commands

    token = require_token(settings)
    apply_api_urls(settings)
    bot = CiteBot(settings, None)
    async with bot:
        try:
            await bot.login(token)
        except discord.LoginFailure as exc:
            raise TokenError(f"Discord rejected DISCORD_TOKEN ({exc}). {TOKEN_HELP}") from None
        return await sync_commands(bot, guild_ids, globally=globally, clear=clear)
