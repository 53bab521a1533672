"""/timeline: dated events from the articles, with autocomplete and Previous/Next pages."""

from __future__ import annotations

import io
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from bot.service import MAX_YEAR, MIN_YEAR, Suggestions, TimelineQuery, TimelineQueryError
from knowledge.errors import UserError

if TYPE_CHECKING:
    from bot.discord.app import CiteBot

log = logging.getLogger(__name__)

PAGER_TIMEOUT = 15 * 60
PICTURE_NAME = "timeline.png"

DrawPage = Callable[[int], Awaitable[bytes | None]]  # page index -> PNG (None: nothing dated)


class TimelinePager(discord.ui.View):
    """Previous/Next over pre-rendered pages (only when there are several; disabled at the
    ends and on timeout) and "Show as picture", which attaches the shown page drawn as a PNG."""

    def __init__(
        self,
        pages: list[discord.Embed],
        timeout: float = PAGER_TIMEOUT,
        *,
        draw: DrawPage | None = None,
    ) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.index = 0
        self.draw = draw
        self.message: discord.WebhookMessage | discord.Message | None = None
        if len(pages) < 2:
            self.remove_item(self.previous)
            self.remove_item(self.next)
        if draw is None:
            self.remove_item(self.picture)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, emoji="\u25c0")
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, emoji="\u25b6")
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await self._show(interaction, self.index + 1)

    @discord.ui.button(
        label="Show as picture", style=discord.ButtonStyle.primary, emoji="\U0001f5bc"
    )
    async def picture(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        if self.draw is None:
            return
        await interaction.response.defer(thinking=True)
        try:
            data = await self.draw(self.index)
        except UserError as exc:
            await interaction.followup.send(render.fit_content(str(exc)), ephemeral=True)
            return
        if data is None:
            await interaction.followup.send("Nothing dated to draw on this page.", ephemeral=True)
            return
        await interaction.followup.send(
            file=discord.File(io.BytesIO(data), filename=PICTURE_NAME),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def on_timeout(self) -> None:
        for item in self.children:
            item.disabled = True  # type: ignore[attr-defined]
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                log.debug("could not disable the timeline buttons", exc_info=True)


def year_choices(years: list[int], typed: str) -> list[app_commands.Choice[int]]:
    shown = [y for y in years if str(y).startswith(typed.strip())]
    return [app_commands.Choice(name=str(y), value=y) for y in shown[:25]]


def about_choices(names: list[str], typed: str) -> list[app_commands.Choice[str]]:
    typed = typed.strip().casefold()
    starts = [n for n in names if n.casefold().startswith(typed)]
    inside = [n for n in names if typed in n.casefold() and n not in starts]
    return [app_commands.Choice(name=n[:100], value=n[:100]) for n in (starts + inside)[:25]]


class TimelineCog(commands.Cog, name="Timeline"):
    def __init__(self, bot: CiteBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        try:  # warm up: autocomplete must answer within Discord's 3 seconds
            await self.suggestions()
        except Exception:
            log.exception("could not prepare the timeline suggestions")

    async def suggestions(self) -> Suggestions:
        return await self.bot.service.timeline_suggestions()

    @app_commands.command(name="timeline", description="What happened when, from the articles")
    @app_commands.rename(start="from", end="to")
    @app_commands.describe(
        year="events in this year",
        start="from this date (YYYY, YYYY-MM or YYYY-MM-DD)",
        end="up to this date (YYYY, YYYY-MM or YYYY-MM-DD)",
        about="a person, place or event",
    )
    async def timeline(
        self,
        interaction: discord.Interaction,
        year: app_commands.Range[int, MIN_YEAR, MAX_YEAR] | None = None,
        start: app_commands.Range[str, 4, 10] | None = None,
        end: app_commands.Range[str, 4, 10] | None = None,
        about: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        try:
            query = TimelineQuery.parse(year, start, end, about)
        except TimelineQueryError as exc:
            await interaction.response.send_message(render.fit_content(str(exc)), ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        view = await render.timeline_view(self.bot.service, query)
        pager = TimelinePager(view.pages, draw=self._drawer(query, view))
        pager.message = await interaction.followup.send(embed=view.pages[0], view=pager, wait=True)

    def _drawer(self, query: TimelineQuery, view: render.TimelineView) -> DrawPage | None:
        """Draws a page's dated events (the service renders off the loop and caches)."""
        if not any(view.events) or not self.bot.service.pictures_available:
            return None

        async def draw(page: int) -> bytes | None:
            shown = view.events[page]
            if not shown:
                return None
            return await self.bot.service.timeline_picture(
                query, first=shown.start, count=len(shown), title=view.title
            )

        return draw

    @timeline.autocomplete("year")
    async def _year(self, interaction: discord.Interaction, typed: str):
        return year_choices((await self.suggestions()).years, typed)

    @timeline.autocomplete("about")
    async def _about(self, interaction: discord.Interaction, typed: str):
        return about_choices((await self.suggestions()).names, typed)
