"""Owner-only text command "@citebot sync [here|global|clear]": command sync is always explicit."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

if TYPE_CHECKING:
    from bot.discord.app import CiteBot

log = logging.getLogger(__name__)


async def sync_commands(
    bot: commands.Bot, guild_ids: list[int], *, globally: bool = False, clear: bool = False
) -> list[str]:
    """Push the command tree to Discord; one line per target saying what was done."""
    done: list[str] = []
    for guild_id in guild_ids:
        guild = discord.Object(guild_id)
        bot.tree.clear_commands(guild=guild)
        if not clear:
            bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
        done.append(f"server {guild_id}: {len(synced)} commands")
    if globally:
        synced = await bot.tree.sync()
        done.append(f"global: {len(synced)} commands (may take a while to show everywhere)")
    return done


class AdminCog(commands.Cog, name="Admin"):
    def __init__(self, bot: CiteBot) -> None:
        self.bot = bot

    @commands.command(name="sync")
    @commands.is_owner()
    @commands.guild_only()
    async def sync(self, ctx: commands.Context, target: str = "here") -> None:
        """here: this server (instant); global: every server; clear: remove this server's copy."""
        if target not in ("here", "global", "clear"):
            await ctx.reply("Usage: `@citebot sync [here|global|clear]`", mention_author=False)
            return
        assert ctx.guild is not None
        guilds = [] if target == "global" else [ctx.guild.id]
        lines = await sync_commands(
            self.bot, guilds, globally=target == "global", clear=target == "clear"
        )
        log.info("owner %s synced commands: %s", ctx.author.id, "; ".join(lines))
        await ctx.reply("Synced " + "; ".join(lines) + ".", mention_author=False)

    async def cog_command_error(self, ctx: commands.Context, error: Exception) -> None:
        if isinstance(error, commands.CheckFailure):
            return  # not the owner, or not in a server: stay quiet
        log.error("owner command %s failed", ctx.command, exc_info=error)
        await ctx.reply("Sync failed; see the bot's log.", mention_author=False)
