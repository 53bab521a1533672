"""/timeline: dated events from the articles, with autocomplete and Previous/Next pages."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot import render
from knowledge.text.names import named_things
from knowledge.timeline import (
    FilterError,
    about_terms,
    best_mention,
    matches_about,
    parse_date_bound,
)

if TYPE_CHECKING:
    from bot.discord_app import CiteBot
    from bot.service import Service
    from knowledge.corpus import Corpus
    from knowledge.timeline import Timeline

log = logging.getLogger(__name__)

PAGER_TIMEOUT = 15 * 60
MIN_YEAR, MAX_YEAR = 1, 9999


class TimelineQueryError(ValueError):
    """Filters that cannot be used as given; the message says how to fix them."""


@dataclass(frozen=True)
class TimelineQuery:
    year: int | None = None
    start: str | None = None
    end: str | None = None
    about: str | None = None

    @classmethod
    def parse(
        cls,
        year: str | int | None = None,
        start: str | None = None,
        end: str | None = None,
        about: str | None = None,
    ) -> TimelineQuery:
        if isinstance(year, str):
            year = year.strip() or None
            if year is not None and not re.fullmatch(r"[0-9]+", year):
                raise TimelineQueryError(f"year must be a number like 2018, not {year[:20]!r}")
            if year is not None and len(year.lstrip("0")) > len(str(MAX_YEAR)):
                year = MAX_YEAR + 1  # far out of range: never parse thousands of digits
        if year is not None and not MIN_YEAR <= int(year) <= MAX_YEAR:
            raise TimelineQueryError(f"year must be between {MIN_YEAR} and {MAX_YEAR}")
        query = cls(
            year=int(year) if year is not None else None,
            start=start.strip() if start and start.strip() else None,
            end=end.strip() if end and end.strip() else None,
            about=" ".join(about.split()) if about and about.strip() else None,
        )
        try:
            first, last = query.start_date, query.end_date
            if first and last and first > last:
                raise TimelineQueryError(f"from {query.start} is after to {query.end}")
            if query.about:
                about_terms(query.about)
        except FilterError as exc:
            raise TimelineQueryError(str(exc).removeprefix("--")) from None
        return query

    @property
    def start_date(self) -> dt.date | None:
        return parse_date_bound(self.start, "from").start if self.start else None

    @property
    def end_date(self) -> dt.date | None:
        return parse_date_bound(self.end, "to").end if self.end else None

    @property
    def dated(self) -> bool:
        return self.year is not None or self.start is not None or self.end is not None

    def title(self) -> str:
        return render.timeline_title(self.year, self.start, self.end, self.about)


def rows_of(timeline: Timeline) -> list[render.TimelineRow]:
    """(label, quote to show, mentions) per event; undated mentions last, never guessed."""
    rows: list[render.TimelineRow] = [
        (e.label, best_mention(e), e.mentions) for e in timeline.events
    ]
    rows += [("undated", m, [m]) for m in timeline.unresolved]
    return rows


async def timeline_embeds(service: Service, query: TimelineQuery) -> list[discord.Embed]:
    timeline = await service.timeline(
        year=query.year, start=query.start, end=query.end, about=query.about
    )
    return render.timeline_pages(rows_of(timeline), service.library.corpus.source, query.title())


@dataclass(frozen=True)
class Suggestions:
    """What /timeline autocompletes: years that have events, names that match some event."""

    years: list[int]
    names: list[str]

    @classmethod
    def build(cls, timeline: Timeline, corpus: Corpus) -> Suggestions:
        events = timeline.events
        years = sorted(
            {
                year
                for e in events
                if e.granularity != "decade"  # "a decade later" names no particular year
                for year in range(e.start.year, e.end.year + 1)
            }
        )
        names = []
        for name in named_things(corpus):
            try:
                terms = about_terms(name)
            except FilterError:
                continue
            if any(matches_about(e.mentions, terms) for e in events):
                names.append(name)
        return cls(years, names)


class TimelinePager(discord.ui.View):
    """Previous/Next over pre-rendered pages; buttons are disabled at the ends and on timeout."""

    def __init__(self, pages: list[discord.Embed], timeout: float = PAGER_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.index = 0
        self.message: discord.WebhookMessage | discord.Message | None = None
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
        self._suggestions: dict[str, Suggestions] = {}

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        try:  # warm up: autocomplete must answer within Discord's 3 seconds
            await self.suggestions()
        except Exception:
            log.exception("could not prepare the timeline suggestions")

    async def suggestions(self) -> Suggestions:
        service = self.bot.service
        library = await service.ensure_library()
        found = self._suggestions.get(library.fingerprint)
        if found is None:
            timeline = await service.timeline()
            found = await asyncio.to_thread(Suggestions.build, timeline, library.corpus)
            self._suggestions = {library.fingerprint: found}
        return found

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
        pages = await timeline_embeds(self.bot.service, query)
        if len(pages) == 1:
            await interaction.followup.send(embed=pages[0])
            return
        pager = TimelinePager(pages)
        pager.message = await interaction.followup.send(embed=pages[0], view=pager, wait=True)

    @timeline.autocomplete("year")
    async def _year(self, interaction: discord.Interaction, typed: str):
        return year_choices((await self.suggestions()).years, typed)

    @timeline.autocomplete("about")
    async def _about(self, interaction: discord.Interaction, typed: str):
        return about_choices((await self.suggestions()).names, typed)
