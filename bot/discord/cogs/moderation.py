"""/reports list|resolve|reject|export|community|confirm|dismiss for moderators: ephemeral,
and scoped to their own server."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.discord.cogs.common import reply_ephemeral
from bot.service import (
    ALL,
    COMMUNITY_STATUSES,
    CORRECTION_STATUSES,
    MAX_NOTE_CHARS,
    STATUSES,
    CommunityStatus,
    CorrectionStatus,
    Status,
    with_all,
)
from knowledge.errors import UserError

if TYPE_CHECKING:
    from bot.discord.app import CiteBot


def _choices(names: tuple[str, ...]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=name, value=name) for name in names]


REPORT_CHOICES = _choices(with_all(STATUSES))
CORRECTION_CHOICES = _choices(with_all(CORRECTION_STATUSES))
COMMUNITY_CHOICES = _choices(with_all(COMMUNITY_STATUSES))


class NotModerator(app_commands.CheckFailure):
    """Raised for members who may not review reports; its text goes to them, ephemeral."""


def is_moderator(
    permissions: discord.Permissions, role_names: Iterable[str], moderator_role: str | None
) -> bool:
    if permissions.manage_messages or permissions.administrator:
        return True
    if not moderator_role:
        return False
    wanted = moderator_role.casefold()
    return any(name.casefold() == wanted for name in role_names)


def refusal(moderator_role: str | None) -> str:
    extra = f" or the **{render.escape(moderator_role)}** role" if moderator_role else ""
    return f"Only moderators can review reports: you need the Manage Messages permission{extra}."


@app_commands.guild_only()
class ModerationCog(commands.GroupCog, group_name="reports", group_description="Review reports"):
    def __init__(self, bot: CiteBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        role = self.bot.settings.moderator_role
        roles = getattr(interaction.user, "roles", [])
        if interaction.guild_id is None or not is_moderator(
            interaction.permissions, (r.name for r in roles), role
        ):
            raise NotModerator(refusal(role))
        return True

    @app_commands.command(name="list", description="List reports (default: open ones)")
    @app_commands.describe(status="which reports (default: open)")
    @app_commands.choices(status=REPORT_CHOICES)
    async def list_(
        self, interaction: discord.Interaction, status: str = Status.OPEN.value
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = str(interaction.guild_id)
        reports = await self.bot.service.reports(
            None if status == ALL else status, guild_id=guild_id
        )
        feedback = await self.bot.service.feedback(guild_id)
        community = await self.bot.service.community_shown(guild_id)
        await interaction.followup.send(
            embeds=render.review_embeds(reports, status, feedback, community), ephemeral=True
        )

    @app_commands.command(name="community", description="Passages members found answered them")
    @app_commands.describe(status="which ones (default: pending)")
    @app_commands.choices(status=COMMUNITY_CHOICES)
    async def community(
        self, interaction: discord.Interaction, status: str = CommunityStatus.PENDING.value
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self.bot.service.community_answers(status, guild_id=str(interaction.guild_id))
        await interaction.followup.send(embed=render.community_embed(found, status), ephemeral=True)

    @app_commands.command(name="confirm", description="Make a community answer a correction")
    @app_commands.describe(id="community answer number (/reports community lists them)")
    async def confirm(
        self, interaction: discord.Interaction, id: app_commands.Range[int, 1]
    ) -> None:
        await self._close_community(interaction, id, confirm=True)

    @app_commands.command(name="dismiss", description="Never put a community answer first")
    @app_commands.describe(id="community answer number (/reports community lists them)")
    async def dismiss(
        self, interaction: discord.Interaction, id: app_commands.Range[int, 1]
    ) -> None:
        await self._close_community(interaction, id, confirm=False)

    async def _close_community(
        self, interaction: discord.Interaction, community_id: int, *, confirm: bool
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            closed = await self.bot.service.close_community(
                community_id,
                interaction.user.display_name,
                confirm=confirm,
                guild_id=str(interaction.guild_id),
            )
        except UserError as exc:
            await reply_ephemeral(interaction, str(exc))
            return
        await interaction.followup.send(render.community_outcome(closed), ephemeral=True)

    @app_commands.command(name="resolve", description="Mark a report as handled")
    @app_commands.describe(
        id="report number",
        note="what was done",
        answer="the passage that answers (pick one): the question and its rewordings get it",
    )
    async def resolve(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        note: app_commands.Range[str, 1, MAX_NOTE_CHARS],
        answer: app_commands.Range[str, 1, render.CHOICE_LIMIT] | None = None,
    ) -> None:
        await self._close(interaction, id, "resolved", note, answer)

    @resolve.autocomplete("answer")
    async def answer_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        report_id = getattr(interaction.namespace, "id", None)
        choices = await self.bot.service.passage_choices(
            current,
            report_id=report_id if isinstance(report_id, int) else None,
            guild_id=str(interaction.guild_id),
        )
        return [
            app_commands.Choice(name=name, value=value)
            for name, value in map(render.passage_choice, choices)
        ]

    @app_commands.command(name="corrections", description="This server's corrections")
    @app_commands.describe(status="which corrections (default: active)")
    @app_commands.choices(status=CORRECTION_CHOICES)
    async def corrections(
        self, interaction: discord.Interaction, status: str = CorrectionStatus.ACTIVE.value
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await self.bot.service.corrections(status, guild_id=str(interaction.guild_id))
        await interaction.followup.send(
            embed=render.corrections_embed(found, status), ephemeral=True
        )

    @app_commands.command(name="withdraw", description="Stop answering with a correction")
    @app_commands.describe(id="correction number (/reports corrections lists them)")
    async def withdraw(
        self, interaction: discord.Interaction, id: app_commands.Range[int, 1]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            correction = await self.bot.service.withdraw_correction(
                id, interaction.user.display_name, guild_id=str(interaction.guild_id)
            )
        except UserError as exc:
            await reply_ephemeral(interaction, str(exc))
            return
        await interaction.followup.send(
            f"Correction #{correction.correction_id} withdrawn: questions are answered as before.",
            ephemeral=True,
        )

    @app_commands.command(name="reject", description="Reject a report (the answer was right)")
    @app_commands.describe(id="report number", note="why it is rejected")
    async def reject(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        note: app_commands.Range[str, 1, MAX_NOTE_CHARS],
    ) -> None:
        await self._close(interaction, id, "rejected", note)

    async def _close(
        self,
        interaction: discord.Interaction,
        report_id: int,
        status: str,
        note: str,
        answer: str | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = str(interaction.guild_id)
        ours = await self.bot.service.reports(None, guild_id=guild_id)
        if all(r.report_id != report_id for r in ours):
            await reply_ephemeral(
                interaction,
                f"No report #{report_id} in this server; `/reports list status:all` lists them.",
            )
            return
        try:
            report = await self.bot.service.resolve(
                report_id,
                interaction.user.display_name,
                status,
                note,
                guild_id=guild_id,
                answer=answer,
            )
        except UserError as exc:
            await reply_ephemeral(interaction, str(exc))
            return
        await interaction.followup.send(render.report_outcome(report), ephemeral=True)

    @app_commands.command(name="export", description="Download this server's reports as CSV")
    @app_commands.describe(status="which reports (default: all)")
    @app_commands.choices(status=REPORT_CHOICES)
    async def export(self, interaction: discord.Interaction, status: str = ALL) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        text = await self.bot.service.export_reports(
            "csv", None if status == ALL else status, guild_id=str(interaction.guild_id)
        )
        community = await self.bot.service.export_community(
            "csv", ALL, guild_id=str(interaction.guild_id)
        )
        name = f"citebot-reports-{interaction.guild_id}-{status}.csv"
        await interaction.followup.send(
            f"Reports ({status}) and community answers for this server:",
            files=[
                discord.File(io.BytesIO(text.encode("utf-8")), filename=name),
                discord.File(
                    io.BytesIO(community.encode("utf-8")),
                    filename=f"citebot-community-{interaction.guild_id}.csv",
                ),
            ],
            ephemeral=True,
        )
