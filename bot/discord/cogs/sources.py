"""/sources list for everyone; /sources add (a file or a link) and /sources remove for the
bot's owners and the CITEBOT_SOURCE_ROLE role. Adding shows its progress in one private
message, edited at each step; the checks are the service's, as on the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.discord.cogs.common import reply_ephemeral
from bot.service import SourceSummary
from knowledge.errors import UserError
from knowledge.sources.naming import ADDABLE_SUFFIXES

if TYPE_CHECKING:
    from bot.discord.app import CiteBot

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
LINK_CHARS = 2000


class NotSourceEditor(app_commands.CheckFailure):
    """Raised for members who may not change the sources; its text goes to them, ephemeral."""


def refusal(role: str | None) -> str:
    extra = f" or members with the **{render.escape(role)}** role" if role else ""
    return f"Only the bot's owners{extra} can add or remove sources."


def added_message(summary: SourceSummary) -> str:
    link = f" <{summary.url}>" if summary.url else ""
    return (
        f"\u2705 Added `{summary.source_id}`: **{render.escape_shorten(summary.title, 200)}** "
        f"({summary.kind}, {summary.paragraphs} paragraphs){link}. It can be quoted now."
    )


class SourcesCog(
    commands.GroupCog, group_name="sources", group_description="The sources citebot quotes"
):
    def __init__(self, bot: CiteBot) -> None:
        self.bot = bot
        super().__init__()

    async def _check_editor(self, interaction: discord.Interaction) -> None:
        role = self.bot.settings.source_role
        roles = [r.name.casefold() for r in getattr(interaction.user, "roles", [])]
        if await self.bot.is_owner(interaction.user):
            return
        if role and interaction.guild_id is not None and role.casefold() in roles:
            return
        raise NotSourceEditor(refusal(role))

    @app_commands.command(name="list", description="The sources: title, date, kind, paragraphs")
    async def list_(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        rows = await self.bot.service.sources()
        await interaction.followup.send(embed=render.sources_embed(rows), ephemeral=True)

    @app_commands.command(name="add", description="Add a source: a file or a link to a page")
    @app_commands.describe(
        file=f"a file: {' '.join(ADDABLE_SUFFIXES)} (up to {MAX_UPLOAD_BYTES // 2**20} MB)",
        link="an http(s) link to a web page or a PDF",
        replace="replace a source of the same name",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        link: app_commands.Range[str, 1, LINK_CHARS] | None = None,
        replace: bool = False,
    ) -> None:
        await self._check_editor(interaction)
        problem = _upload_problem(file, link)
        if problem:
            await reply_ephemeral(interaction, problem)
            return
        await interaction.response.send_message("\u23f3 Starting\u2026", ephemeral=True)

        async def progress(step: str) -> None:
            text = render.fit_content(f"\u23f3 {step[:1].upper()}{step[1:]}\u2026")
            await interaction.edit_original_response(content=text)

        service = self.bot.service
        try:
            if file is not None:
                data = await file.read()
                summary = await service.add_source_file(
                    file.filename, data, replace=replace, progress=progress
                )
            else:
                summary = await service.add_source_url(
                    link or "", replace=replace, progress=progress
                )
        except UserError as exc:
            await interaction.edit_original_response(
                content=render.fit_content(f"\u274c Not added: {exc}")
            )
            return
        await interaction.edit_original_response(content=render.fit_content(added_message(summary)))

    @app_commands.command(name="remove", description="Remove a source; it is no longer quoted")
    @app_commands.describe(source="the source's id, as /sources list shows it")
    async def remove(
        self, interaction: discord.Interaction, source: app_commands.Range[str, 1, 200]
    ) -> None:
        await self._check_editor(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            removed = await self.bot.service.remove_source(source)
        except UserError as exc:
            await reply_ephemeral(interaction, f"\u274c Not removed: {exc}")
            return
        names = ", ".join(f"`{render.escape(n)}`" for n in removed)
        await reply_ephemeral(
            interaction, f"\U0001f5d1\ufe0f Removed {names}; it is no longer quoted."
        )

    @remove.autocomplete("source")
    async def _source_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.casefold()
        rows = await self.bot.service.sources()
        found = [
            r for r in rows if wanted in r.source_id.casefold() or wanted in r.title.casefold()
        ]
        return [
            app_commands.Choice(
                name=render.shorten(f"{r.source_id} \u2014 {r.title}", render.CHOICE_LIMIT),
                value=r.source_id[: render.CHOICE_LIMIT],
            )
            for r in found[:25]
        ]


def _upload_problem(file: discord.Attachment | None, link: str | None) -> str | None:
    """Why the options cannot be added, before anything is downloaded (None: they can)."""
    if (file is None) == (link is None):
        return "Give either a file or a link (one of them)."
    if file is None:
        return None
    if not file.filename.lower().endswith(ADDABLE_SUFFIXES):
        kinds = ", ".join(ADDABLE_SUFFIXES)
        return f"`{render.escape(file.filename)}` is not a kind of file I read ({kinds})."
    if file.size > MAX_UPLOAD_BYTES:
        return f"The file is over {MAX_UPLOAD_BYTES // 2**20} MB."
    return None
