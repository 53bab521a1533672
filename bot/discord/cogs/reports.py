"""Reporting a wrong answer: the button under every answer, the modal it opens, the
"Report answer" message menu and /report. The report is stored before the user is thanked."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.discord.cogs.common import asker_from_interaction, reply_ephemeral
from bot.service import CATEGORIES as CATEGORY_NAMES
from bot.service import MAX_REASON_CHARS, Category
from knowledge.errors import UserError

if TYPE_CHECKING:
    from bot.discord.app import CiteBot

log = logging.getLogger(__name__)

_CATEGORY_HELP: dict[str, str] = {
    Category.WRONG: "The quotes do not answer the question",
    Category.OUTDATED: "The sources are out of date",
    Category.MISSING_SOURCE: "A source is missing or miscited",
    Category.OTHER: "Something else",
}
CATEGORIES: dict[str, str] = {name: _CATEGORY_HELP.get(name, name) for name in CATEGORY_NAMES}
CUSTOM_ID_PREFIX = "citebot:report:"
_ANSWER_ID = r"[A-Za-z0-9_-]{1,64}"
NOT_AN_ANSWER = (
    "That message isn't one of my answers. Use this on a message with a "
    "**Report wrong answer** button, or type `/report answer_id reason`."
)


def unknown_answer(answer_id: str) -> str:
    return render.fit_content(
        f"No answer with id `{render.escape(answer_id)}`: copy the id from the answer's footer, "
        "or use the answer's Report button."
    )


class ReportButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=re.escape(CUSTOM_ID_PREFIX) + rf"(?P<answer_id>{_ANSWER_ID})",
):
    """The answer_id lives in the custom_id, so buttons on old answers work after a restart."""

    def __init__(self, answer_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Report wrong answer",
                style=discord.ButtonStyle.secondary,
                emoji="\N{WARNING SIGN}",
                custom_id=f"{CUSTOM_ID_PREFIX}{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReportButton:
        return cls(match["answer_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        if await refused_for_rate(interaction, spend=False):
            return
        shown = question_shown(interaction.message) if interaction.message else None
        await interaction.response.send_modal(ReportModal(self.answer_id, shown))


async def refused_for_rate(interaction: discord.Interaction, *, spend: bool) -> bool:
    """Tell a member who reports too fast to wait (privately); True if so. Opening the form
    only checks (`spend=False`); a submitted report spends one of the member's reports."""
    cooldowns = interaction.client.report_cooldowns  # type: ignore[attr-defined]
    user_id = interaction.user.id
    wait = cooldowns.retry_after(user_id) if spend else cooldowns.peek(user_id)
    if wait is None:
        return False
    await reply_ephemeral(interaction, render.cooldown_message(wait, "reporting"))
    return True


def answer_view(answer_id: str, closest: int = 0, *, numbered: bool = True) -> discord.ui.View:
    """The report button, after one "This answered me" button per passage shown (`closest` of
    them: the closest passages of a low-confidence answer, or an answer's first quote, then
    not `numbered`)."""
    from bot.discord.cogs.feedback import MAX_BUTTONS, AnsweredButton

    view = discord.ui.View(timeout=None)
    for passage in range(1, min(closest, MAX_BUTTONS) + 1):
        view.add_item(AnsweredButton(answer_id, passage, numbered=numbered))
    view.add_item(ReportButton(answer_id))
    return view


def view_for(answer: Any) -> discord.ui.View:
    """The buttons under a served answer: "This answered me" on its first quote, or on each
    closest passage of a low-confidence one, and the report button."""
    if answer.answered:
        return answer_view(answer.answer_id, 1 if answer.quotes else 0, numbered=False)
    return answer_view(answer.answer_id, len(answer.closest))


def answer_id_from_custom_ids(custom_ids: Iterable[str | None]) -> str | None:
    pattern = ReportButton.__discord_ui_compiled_template__
    for custom_id in custom_ids:
        match = pattern.fullmatch(custom_id or "")
        if match:
            return match["answer_id"]
    return None


def answer_id_from_message(message: discord.Message, bot_id: int) -> str | None:
    """The answer a message of the bot's shows: from its report button, else its footer."""
    if message.author.id != bot_id:
        return None
    custom_ids = [
        getattr(child, "custom_id", None)
        for row in message.components
        for child in getattr(row, "children", [row])
    ]
    found = answer_id_from_custom_ids(custom_ids)
    if found:
        return found
    for embed in message.embeds:
        found = render.answer_id_from_embed(embed)
        if found:
            return found
    return None


def question_shown(message: discord.Message) -> str | None:
    """The question as the reporter saw it (the answer embed's title), for the report."""
    for embed in message.embeds:
        if embed.title and render.answer_id_from_embed(embed):
            return render.plain(embed.title)
    return None


class ReportModal(discord.ui.Modal, title="Report a wrong answer"):
    def __init__(self, answer_id: str, question: str | None = None) -> None:
        super().__init__(timeout=900)
        self.answer_id, self.question = answer_id, question
        self.category: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="category",
            options=[
                discord.SelectOption(label=name, value=name, description=text, default=i == 0)
                for i, (name, text) in enumerate(CATEGORIES.items())
            ],
        )
        self.reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="reason",
            style=discord.TextStyle.paragraph,
            placeholder="What is wrong, and where did you read otherwise?",
            max_length=MAX_REASON_CHARS,
        )
        self.add_item(discord.ui.Label(text="What is wrong?", component=self.category))
        self.add_item(discord.ui.Label(text="Reason", component=self.reason))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        category = self.category.values[0] if self.category.values else "wrong"
        await submit_report(
            interaction, self.answer_id, category, self.reason.value, question=self.question
        )

    async def on_error(  # type: ignore[override]  # a Modal has no item to name
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        log.error("report modal failed for answer %s", self.answer_id, exc_info=error)
        await reply_ephemeral(interaction, render.INTERNAL_ERROR)


async def submit_report(
    interaction: discord.Interaction,
    answer_id: str,
    category: str,
    reason: str,
    *,
    question: str | None = None,
) -> None:
    if await refused_for_rate(interaction, spend=True):
        return
    # Defer privately first: the store write must finish before the user is told it was received.
    await interaction.response.defer(ephemeral=True, thinking=True)
    client: CiteBot = interaction.client  # type: ignore[assignment]
    if await client.service.get_answer(answer_id) is None:
        await interaction.followup.send(unknown_answer(answer_id), ephemeral=True)
        return
    try:
        report = await client.service.report(
            answer_id, asker_from_interaction(interaction), category, reason, question=question
        )
    except UserError as exc:
        await interaction.followup.send(render.fit_content(str(exc)), ephemeral=True)
        return
    await interaction.followup.send(render.report_thanks(report), ephemeral=True)


class ReportsCog(commands.Cog, name="Reports"):
    def __init__(self, bot: CiteBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name="Report answer", callback=self.report_message)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def report_message(self, interaction: discord.Interaction, message: discord.Message):
        me = self.bot.user
        answer_id = answer_id_from_message(message, me.id) if me else None
        if answer_id is None:
            await reply_ephemeral(interaction, NOT_AN_ANSWER)
            return
        if await refused_for_rate(interaction, spend=False):
            return
        await interaction.response.send_modal(ReportModal(answer_id, question_shown(message)))

    @app_commands.command(name="report", description="Report a wrong answer by its id")
    @app_commands.describe(
        answer_id="the id in the answer's footer",
        reason="what is wrong",
        category="what kind of problem (default: wrong)",
    )
    @app_commands.choices(
        category=[app_commands.Choice(name=name, value=name) for name in CATEGORIES]
    )
    async def report(
        self,
        interaction: discord.Interaction,
        answer_id: app_commands.Range[str, 1, 64],
        reason: app_commands.Range[str, 1, MAX_REASON_CHARS],
        category: str = Category.WRONG.value,
    ) -> None:
        await submit_report(interaction, answer_id.strip(), category, reason)
