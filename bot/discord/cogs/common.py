"""Small pieces every cog needs: who is asking, a per-user cooldown, ephemeral replies."""

from __future__ import annotations

import time
from collections.abc import Callable

import discord
from discord import app_commands

from bot import render
from bot.service import Asker


def asker_from_interaction(interaction: discord.Interaction) -> Asker:
    return Asker(
        user_id=str(interaction.user.id),
        display_name=interaction.user.display_name,
        guild_id=str(interaction.guild_id) if interaction.guild_id else None,
        channel_id=str(interaction.channel_id) if interaction.channel_id else None,
        face="discord",
    )


def asker_from_message(message: discord.Message) -> Asker:
    return Asker(
        user_id=str(message.author.id),
        display_name=message.author.display_name,
        guild_id=str(message.guild.id) if message.guild else None,
        channel_id=str(message.channel.id),
        face="discord",
    )


async def reply_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Answer privately whether or not the interaction was already answered or deferred."""
    content = render.fit_content(text)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True)
    else:
        await interaction.response.send_message(content, ephemeral=True)


class Cooldowns:
    """Per-user question budget (`rate` questions per `per` seconds), shared by every way to ask.

    Built on discord.py's own token bucket; `per=0` turns it off.
    """

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.time) -> None:
        self.rate, self.per, self._clock = rate, per, clock
        self._buckets: dict[int, app_commands.Cooldown] = {}

    def retry_after(self, user_id: int) -> float | None:
        """Spend one question; None if allowed, else the seconds to wait."""
        if self.per <= 0:
            return None
        now = self._clock()
        if len(self._buckets) > 10_000:
            self._forget_idle(now)
        bucket = self._buckets.setdefault(user_id, app_commands.Cooldown(self.rate, self.per))
        return bucket.update_rate_limit(now)

    def peek(self, user_id: int) -> float | None:
        """Like `retry_after` without spending: None if one more is allowed now."""
        bucket = self._buckets.get(user_id)
        if self.per <= 0 or bucket is None:
            return None
        now = self._clock()
        return bucket.get_retry_after(now) if bucket.get_tokens(now) == 0 else None

    def _forget_idle(self, now: float) -> None:
        for user_id, bucket in list(self._buckets.items()):
            if bucket.get_tokens(now) == self.rate:
                del self._buckets[user_id]
