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
THREAD_NAME_CHARS = 100  # Discord's limit on a thread's name


async def previous_answer(bot: CiteBot, message_id: int | None, channel: object) -> str | None:
    """The answer a question follows up: the bot's answer it replies to (looked up by the
    reference's id, so a deleted or unresolved message still counts), else the latest answer
    in the thread it is asked in (a thread started on a message has that message's id)."""
    service = bot.service
    found = await service.answer_of_message(message_id) if message_id is not None else None
    if found is None and isinstance(channel, discord.Thread):
        found = await service.answer_of_message(channel.id)
    if found is not None and await service.get_answer(found) is None:
        return None  # no longer stored (an imported database): the question stands alone
    return found


async def link_sent(
    bot: CiteBot, sent_id: int, channel: object, answer_id: str, asker: Asker
) -> None:
    """Remember the answer a sent message shows, and in a thread the bot opened, the thread's
    latest one (a member's own thread stays theirs: there, replies are the conversation)."""
    await bot.service.link_message(sent_id, answer_id, asker)
    if isinstance(channel, discord.Thread) and bot.user and channel.owner_id == bot.user.id:
        await bot.service.link_message(channel.id, answer_id, asker)


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
        asker = asker_from_interaction(interaction)
        after = await previous_answer(self.bot, None, interaction.channel)
        began = time.perf_counter()
        answer = await self.bot.service.ask(question, asker, after=after)
        log_answer(answer, interaction.guild_id, self.bot.shard_of(interaction.guild_id), began)
        sent = await interaction.followup.send(
            embed=render.answer_embed(answer),
            view=view_for(answer),
            ephemeral=private,
            wait=True,
        )
        if not private:
            await link_sent(self.bot, sent.id, interaction.channel, answer.answer_id, asker)

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
        ) and not await self.in_answer_thread(message):
            return
        if mentioned and (await self.bot.get_context(message)).valid:
            return  # an owner text command such as "@citebot sync", handled by the bot
        question = question_from_message(message.content, me.id)
        if not question:
            if mentioned:
                await message.reply(MENTION_HINT, mention_author=False)
            return
        await self.answer_message(message, question, asker_from_message(message))

    async def in_answer_thread(self, message: discord.Message) -> bool:
        """Is this a message in a thread the bot opened for an answer (CITEBOT_ASK_THREADS)?
        Reading it needs the message content intent, which that setting turns on."""
        if not isinstance(message.channel, discord.Thread) or not message.content:
            return False
        return await self.bot.service.answer_of_message(message.channel.id) is not None

    async def answer_message(self, message: discord.Message, question: str, asker: Asker) -> None:
        wait = self.bot.cooldowns.retry_after(message.author.id)
        if wait is not None:
            await message.reply(
                render.cooldown_message(wait), mention_author=False, delete_after=max(wait, 5)
            )
            return
        reference = message.reference.message_id if message.reference else None
        try:
            after = await previous_answer(self.bot, reference, message.channel)
            began = time.perf_counter()
            answer = await self.bot.service.ask(question, asker, after=after)
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
        sent = await self.send_answer(message, answer)
        await link_sent(self.bot, sent.id, sent.channel, answer.answer_id, asker)

    async def send_answer(self, message: discord.Message, answer: ServedAnswer) -> discord.Message:
        """A reply to the question; in a server that asks for it, a new thread named after the
        question instead, so its follow-ups stay together."""
        embed, view = render.answer_embed(answer), view_for(answer)
        in_thread = isinstance(message.channel, discord.Thread)
        if message.guild and message.guild.id in self.bot.settings.ask_threads and not in_thread:
            name = render.fit_content(answer.question)[:THREAD_NAME_CHARS]
            try:
                thread = await message.create_thread(name=name)
            except discord.HTTPException as exc:
                log.warning("could not open a thread for an answer (%s); replying instead", exc)
            else:
                return await thread.send(embed=embed, view=view)
        return await message.reply(embed=embed, view=view, mention_author=False)
