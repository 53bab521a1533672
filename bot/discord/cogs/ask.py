"""/ask, @mentions and ask-channels: a question in, an embed with quotes and citations out."""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.discord.cogs.common import asker_from_interaction, asker_from_message, reply_ephemeral
from bot.discord.cogs.reports import view_for
from bot.service import MAX_QUESTION_CHARS, Asker, ServedAnswer
from knowledge.errors import UserError

if TYPE_CHECKING:
    from bot.discord.app import CiteBot

log = logging.getLogger(__name__)

MENTION_HINT = "Ask me something, e.g. `@citebot where did they first meet?` or use `/ask`."


def question_from_message(content: str, bot_id: int) -> str:
    """The question in a message: the bot's own mention removed, whitespace collapsed."""
    return " ".join(re.sub(rf"<@!?{bot_id}>", " ", content).split())


def should_answer(*, mentioned: bool, channel_id: int, ask_channels: list[int]) -> bool:
    return mentioned or channel_id in ask_channels


def log_answer(answer: ServedAnswer, guild_id: int | None, shard: int, began: float) -> None:
    """One line per question: its outcome, where, how long (never who or what was asked)."""
    latency = time.perf_counter() - began
    log.info(
        "question %s in %.0f ms",
        answer.outcome,
        latency * 1000,
        extra={"shard": shard, "guild": str(guild_id) if guild_id else None, "latency": latency},
    )


class AskCog(commands.Cog, name="Ask"):
    def __init__(self, bot: CiteBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Answer with quoted, cited passages")
    @app_commands.describe(
        question="what you want to know", private="only you see the answer (default: no)"
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        private: bool = False,
    ) -> None:
        try:
            question = self.bot.service.check_question(question)
        except UserError as exc:
            await reply_ephemeral(interaction, str(exc))
            return
        wait = self.bot.cooldowns.retry_after(interaction.user.id)
        if wait is not None:
            await reply_ephemeral(interaction, render.cooldown_message(wait))
            return
        # Defer at once: Discord drops interactions not answered within 3 seconds.
        await interaction.response.defer(ephemeral=private, thinking=True)
        began = time.perf_counter()
        answer = await self.bot.service.ask(question, asker_from_interaction(interaction))
        log_answer(answer, interaction.guild_id, self.bot.shard_of(interaction.guild_id), began)
        await interaction.followup.send(
            embed=render.answer_embed(answer),
            view=view_for(answer),
            ephemeral=private,
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.webhook_id is not None:
            return
        mentioned = any(user.id == me.id for user in message.mentions)
        if not should_answer(
            mentioned=mentioned,
            channel_id=message.channel.id,
            ask_channels=self.bot.settings.ask_channels,
        ):
            return
        if mentioned and (await self.bot.get_context(message)).valid:
            return  # an owner text command such as "@citebot sync", handled by the bot
        question = question_from_message(message.content, me.id)
        if not question:
            if mentioned:
                await message.reply(MENTION_HINT, mention_author=False)
            return
        await self.answer_message(message, question, asker_from_message(message))

    async def answer_message(self, message: discord.Message, question: str, asker: Asker) -> None:
        wait = self.bot.cooldowns.retry_after(message.author.id)
        if wait is not None:
            await message.reply(
                render.cooldown_message(wait), mention_author=False, delete_after=max(wait, 5)
            )
            return
        try:
            began = time.perf_counter()
            answer = await self.bot.service.ask(question, asker)
            guild_id = message.guild.id if message.guild else None
            log_answer(answer, guild_id, self.bot.shard_of(guild_id), began)
        except UserError as exc:
            await message.reply(render.fit_content(str(exc)), mention_author=False)
            return
        except Exception:
            log.exception(
                "answering a message failed (guild %s, channel %s, message %s)",
                asker.guild_id,
                asker.channel_id,
                message.id,
            )
            await message.reply(render.INTERNAL_ERROR, mention_author=False)
            return
        await message.reply(
            embed=render.answer_embed(answer),
            view=view_for(answer),
            mention_author=False,
        )
