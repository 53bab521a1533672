""" "This answered me": one button per closest passage under a low-confidence answer, one on the
quote of an answer. A click is
stored as feedback on that answer (per server, like reports) for moderators' review queue, and
counts as the member's vote for that passage (bot/community.py); clicks are rate-limited like
reports."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot import render
from bot.discord.cogs.common import asker_from_interaction
from bot.discord.cogs.reports import refused_for_rate
from knowledge.errors import UserError

if TYPE_CHECKING:
    from bot.discord.app import CiteBot

log = logging.getLogger(__name__)

CUSTOM_ID_PREFIX = "citebot:answered:"
LABEL = "This answered me"
MAX_BUTTONS = 4  # one row holds 5 buttons, the report button included


class AnsweredButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=re.escape(CUSTOM_ID_PREFIX) + r"(?P<answer_id>[A-Za-z0-9_-]{1,64}):(?P<n>[1-9])",
):
    """The answer id and passage number live in the custom_id: old buttons work after a
    restart."""

    def __init__(self, answer_id: str, passage: int, *, numbered: bool = True) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"{LABEL} ({passage})" if numbered else LABEL,
                style=discord.ButtonStyle.success,
                custom_id=f"{CUSTOM_ID_PREFIX}{answer_id}:{passage}",
            )
        )
        self.answer_id, self.passage = answer_id, passage

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AnsweredButton:
        return cls(match["answer_id"], int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        # A click is a vote on what members see first: rate-limited like reports.
        if await refused_for_rate(interaction, spend=True):
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        client: CiteBot = interaction.client  # type: ignore[assignment]
        try:
            _, new = await client.service.answered_me(
                self.answer_id, self.passage, asker_from_interaction(interaction)
            )
        except UserError as exc:
            await interaction.followup.send(render.fit_content(str(exc)), ephemeral=True)
            return
        text = (
            f"Thanks: noted that passage {self.passage} answered you; moderators will see it."
            if new
            else f"You already told us passage {self.passage} answered you. Thanks!"
        )
        await interaction.followup.send(text, ephemeral=True)
